"""The skeleton of the weekly jobs halfway runs for itself, the weekly digest and the
care check, as pure rules; what each does when it is due is its own (`digest.weekly`,
`care.nudging`), and each writes its cursor in the transaction that records its work.

- *when*: a cron schedule of its own (`config.models.check_nudge`, whose id its pauses
  are kept under), deferred out of quiet hours; none while the job is off;
- *its cursor*: the hot file's `meta[key]["checked"]`, the instant of its last check.
  The next check is the schedule's first fire after it, so a restart neither repeats a
  check nor loses one. Before the first check it counts from the week before (a check
  missed then is made now), never from before the data file was begun;
- *catch-up*: after downtime the checks missed are one check, made at once;
- *made*: a fire that a check at or after its time has seen already (another process,
  meanwhile): the job records nothing more for it;
- *paused*: at its due time, by `pause --all` or by the job's own id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from halfway.config.models import Nudge
from halfway.config.practices import QuietHours
from halfway.core import cursors, schedule
from halfway.core.instants import parse_instant
from halfway.core.rawjson import ReadOnly, Record


@dataclass(frozen=True)
class WeeklyJob:
    check: Nudge | None  # its schedule (its id is the one pauses use); None: the job is off
    key: str  # its place in the hot file's meta
    zone: tzinfo
    quiet: QuietHours | None

    def since(self, meta: ReadOnly, now: datetime) -> datetime:
        """Where the next check counts from: the last check, else the week before `now`
        but never before the data file was begun (`meta["created_at"]`)."""
        checked = dict(meta.get(self.key) or {}).get("checked")
        if checked:
            return parse_instant(checked)
        begun = meta.get("created_at")
        week_ago = now - timedelta(weeks=1)
        return max(week_ago, parse_instant(begun)) if begun else week_ago

    def next_fire(self, meta: ReadOnly, now: datetime) -> schedule.Fire | None:
        """The next check after the last one (None: the job is off)."""
        if self.check is None:
            return None
        return schedule.next_fire(self.check, self.zone, self.quiet, self.since(meta, now))

    def due(self, meta: ReadOnly, now: datetime) -> schedule.Fire | None:
        """The check to make now, if one has come due."""
        fire = self.next_fire(meta, now)
        return fire if fire is not None and fire.due_at <= now else None

    def wake(self, meta: ReadOnly, now: datetime) -> datetime | None:
        """When the next check is due (now, if one is waiting)."""
        fire = self.next_fire(meta, now)
        return None if fire is None else max(fire.due_at, now)

    def made(self, meta: ReadOnly, fire: schedule.Fire) -> bool:
        """Whether a check has seen `fire` already (read in the transaction that would
        record it: another process may have made it meanwhile)."""
        mine = meta.get(self.key) or {}
        return bool(mine.get("checked")) and parse_instant(mine["checked"]) >= fire.scheduled_for

    def paused(self, nudges: Iterable[Record], fire: schedule.Fire) -> bool:
        """Whether the job is paused at `fire`'s due time; `nudges` are the hot file's
        cursor rows (the job's own pauses, and those of every nudge)."""
        if self.check is None:
            return False
        pauses = cursors.pauses({row["id"]: row for row in nudges}, self.check.id)
        return schedule.paused_at(fire.due_at, pauses)
