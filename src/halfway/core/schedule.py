"""Pure schedule maths: when each nudge fires, given the config and a `now`.

Nothing here reads the clock. A fire's identity is its nudge id and the
instant it was scheduled for; quiet hours may move when it is *due* but
never change that identity.

Daylight saving: cron times are wall-clock times in the configured zone. A
wall time that does not exist (the spring gap) fires once, shifted forward
by the gap; a wall time that exists twice (the autumn repeat) fires once,
at its first occurrence (`instants.instant_at_wall`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.triggers.base import BaseTrigger

from halfway.config import cron
from halfway.config.models import Nudge
from halfway.config.practices import QuietHours
from halfway.core.instants import instant_at_wall
from halfway.words import dates

# How many consecutive cron matches to examine inside one quiet window
# before giving up on coalescing (a '* * * * *' nudge over 10 quiet hours is 600).
_MAX_SCAN = 100_000


@dataclass(frozen=True)
class Fire:
    """One planned fire: scheduled for an instant, due (maybe later) because of quiet hours."""

    nudge_id: str
    scheduled_for: datetime
    due_at: datetime

    @property
    def deferred(self) -> bool:
        return self.due_at != self.scheduled_for


def _cron_after(trigger: BaseTrigger, zone: tzinfo, after: datetime) -> datetime | None:
    wall = after.astimezone(zone).replace(tzinfo=None)
    for _ in range(_MAX_SCAN):
        candidate = cron.next_wall_time(trigger, wall)
        if candidate is None:
            return None
        instant = instant_at_wall(candidate, zone)
        if instant > after:
            return instant
        wall = candidate  # a repeated or already-passed wall time: look further
    return None


def scheduled_after(
    nudge: Nudge, zone: tzinfo, after: datetime, anchor: datetime | None = None
) -> datetime | None:
    """The first instant strictly after `after` that `nudge` is scheduled for.

    `every` counts from `anchor` (the nudge's last fire); without one, from `after`.
    """
    if nudge.cron is not None:
        return _cron_after(cron.parse(nudge.cron), zone, after)
    if nudge.every is not None:
        start = anchor or after
        steps = max(1, (after - start) // nudge.every + 1)
        return start + steps * nudge.every
    if nudge.at is not None:
        at = nudge.at if nudge.at.tzinfo else instant_at_wall(nudge.at, zone)
        return at.astimezone(UTC) if at > after else None
    return None


def quiet_end(instant: datetime, zone: tzinfo, quiet: QuietHours | None) -> datetime | None:
    """If `instant` falls in quiet hours, the instant they end; else None."""
    if quiet is None:
        return None
    local = instant.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if quiet.start < quiet.end:
        inside = quiet.start <= clock < quiet.end
        end_day = local.date()
    else:  # the window spans midnight
        inside = clock >= quiet.start or clock < quiet.end
        end_day = local.date() + timedelta(days=1 if clock >= quiet.start else 0)
    if not inside:
        return None
    return instant_at_wall(datetime.combine(end_day, quiet.end), zone)


def next_fire(
    nudge: Nudge,
    zone: tzinfo,
    quiet: QuietHours | None,
    after: datetime,
    anchor: datetime | None = None,
) -> Fire | None:
    """The next fire of `nudge` after `after`, deferred out of quiet hours.

    Several fires that quiet hours would push to the same moment coalesce into
    the latest of them, so the user gets one nudge at the end of the night, not a pile.
    """
    scheduled = scheduled_after(nudge, zone, after, anchor)
    if scheduled is None:
        return None
    end = quiet_end(scheduled, zone, quiet)
    if end is None:
        return Fire(nudge.id, scheduled, scheduled)
    latest = scheduled
    for _ in range(_MAX_SCAN):
        following = scheduled_after(nudge, zone, latest, anchor or scheduled)
        if following is None or following > end:
            break
        latest = following
    return Fire(nudge.id, latest, max(latest, end))


def fires(
    nudge: Nudge,
    zone: tzinfo,
    quiet: QuietHours | None,
    after: datetime,
    anchor: datetime | None = None,
) -> Iterator[Fire]:
    """Every fire of `nudge` after `after`, in order (endless for cron and every)."""
    anchor = anchor or after
    while (fire := next_fire(nudge, zone, quiet, after, anchor)) is not None:
        yield fire
        after = fire.scheduled_for
        anchor = fire.scheduled_for if nudge.every is not None else anchor


def ahead(
    nudge: Nudge, zone: tzinfo, quiet: QuietHours | None, since: datetime, now: datetime
) -> Iterator[Fire]:
    """The fires of `nudge` due after `now`, counted from its cursor `since` as the daemon
    counts them (an `every` nudge's rhythm runs from there, not from now)."""
    # A fire is deferred by quiet hours by less than a day: begin the search there.
    start = max(since, now - timedelta(hours=25))
    for fire in fires(nudge, zone, quiet, start, since):
        if fire.due_at > now:
            yield fire


Spans = list[tuple[datetime, datetime | None]]


def upcoming(
    nudges: list[Nudge],
    zone: tzinfo,
    quiet: QuietHours | None,
    now: datetime,
    until: datetime,
    limit: int | None = None,
    since: dict[str, datetime] | None = None,
    pauses: dict[str, Spans] | None = None,
) -> list[Fire]:
    """All fires of `nudges` due after `now` up to `until`, soonest first (at most `limit` each).

    `since` holds each nudge's cursor (see `cursors.since`); a nudge without one counts from now.
    A fire due inside one of its nudge's `pauses` is left out: `decide` skips it.
    """
    found: list[Fire] = []
    for nudge in nudges:
        start = (since or {}).get(nudge.id, now)
        spans = (pauses or {}).get(nudge.id, [])
        found += _unpaused(nudge, zone, quiet, start, now, until, limit, spans)
    return sorted(found, key=lambda fire: (fire.due_at, fire.nudge_id))


def _unpaused(
    nudge: Nudge,
    zone: tzinfo,
    quiet: QuietHours | None,
    since: datetime,
    now: datetime,
    until: datetime,
    limit: int | None,
    spans: Spans,
) -> list[Fire]:
    """The fires of `nudge` due after `now` up to `until` outside `spans`, at most `limit`."""
    found: list[Fire] = []
    after = now
    while True:
        for fire in ahead(nudge, zone, quiet, since, after):
            if fire.due_at > until or (limit is not None and len(found) >= limit):
                return found
            if not paused_at(fire.due_at, spans):
                found.append(fire)
                continue
            ends = [e for s, e in spans if s <= fire.due_at and (e is None or fire.due_at < e)]
            if None in ends:
                return found  # paused until resumed: nothing more to show
            after = max(e for e in ends if e is not None) - timedelta(microseconds=1)
            break  # look again from the pause's end
        else:
            return found


def needs_seconds(nudge: Nudge) -> bool:
    """Whether the fire times of `nudge` need their seconds to be told apart or read right:
    an `every` that is not whole minutes, or an `at` with seconds."""
    if nudge.every is not None:
        return bool(nudge.every % timedelta(minutes=1))
    return nudge.at is not None and bool(nudge.at.second or nudge.at.microsecond)


def shows_seconds(fires: list[Fire], nudges: list[Nudge]) -> bool:
    """Whether a list of `fires` is shown with seconds: a nudge among them needs them.
    The whole list then shows them (never 19:00 beside 19:00:00); a fire that is merely
    off the minute (an `every = "3d"` counted from a start at 10:25:14) does not."""
    listed = {fire.nudge_id for fire in fires}
    return any(needs_seconds(n) for n in nudges if n.id in listed)


def clock_text(moment: datetime, zone: tzinfo, seconds: bool = False) -> str:
    """A fire time as a person reads it: 'Sun 2026-03-29 18:00 CEST' (or '18:00:15 CEST'),
    the weekday in the language of the moment ('So. 2026-03-29 18:00 CEST')."""
    local = moment.astimezone(zone)
    return f"{dates.weekday(local)} " + local.strftime(
        f"%Y-%m-%d %H:%M{':%S' if seconds else ''} %Z"
    )


# catch-up ------------------------------------------------------------------

# A fire handled this long after it was due still counts as on time
# (the scheduler wakes a moment late; a busy second is not "late").
ON_TIME = timedelta(seconds=10)
# At most this many past fires of one nudge are examined in one go; an
# `every = "1s"` nudge after a week away would otherwise be 600,000.
MAX_DUE = 1_000


@dataclass(frozen=True)
class Decision:
    """What to do with the fires of one nudge that have come due."""

    send: Fire | None = None
    late: bool = False
    missed: tuple[Fire, ...] = ()
    skipped: tuple[Fire, ...] = ()
    older_missed: int = 0  # fires older than those listed in `missed`, not examined one by one


def due_fires(
    nudge: Nudge,
    zone: tzinfo,
    quiet: QuietHours | None,
    since: datetime,
    now: datetime,
) -> tuple[list[Fire], int]:
    """The fires after `since` whose due time has come by `now`, oldest first.

    Returns at most MAX_DUE of the most recent ones and how many older ones were left out.
    """
    skipped = 0
    start, anchor = since, since
    if nudge.every is not None and now > since:
        total = (now - since) // nudge.every
        if total > MAX_DUE:
            skipped = total - MAX_DUE
            start = anchor = since + skipped * nudge.every
    found: list[Fire] = []
    for fire in fires(nudge, zone, quiet, start, anchor):
        if fire.due_at > now:
            break
        found.append(fire)
        if len(found) > MAX_DUE:
            found.pop(0)
            skipped += 1
    return found, skipped


def paused_at(moment: datetime, pauses: list[tuple[datetime, datetime | None]]) -> bool:
    return any(start <= moment and (end is None or moment < end) for start, end in pauses)


def decide(
    due: list[Fire],
    now: datetime,
    catch_up: timedelta,
    pauses: list[tuple[datetime, datetime | None]] = (),  # type: ignore[assignment]
    older_missed: int = 0,
) -> Decision:
    """Given a nudge's due fires, which one to send and which to record as missed or skipped.

    Fires due while the nudge was paused are skipped. Of the rest, only the
    latest can be sent, and only if it is no more than `catch_up` overdue;
    it is late if more than ON_TIME overdue. The others are missed.
    """
    skipped = tuple(f for f in due if paused_at(f.due_at, list(pauses)))
    active = [f for f in due if f not in skipped]
    if not active:
        return Decision(skipped=skipped, older_missed=older_missed)
    latest = active[-1]
    overdue = now - latest.due_at
    if overdue > catch_up:
        return Decision(missed=tuple(active), skipped=skipped, older_missed=older_missed)
    return Decision(
        send=latest,
        late=overdue > ON_TIME,
        missed=tuple(active[:-1]),
        skipped=skipped,
        older_missed=older_missed,
    )
