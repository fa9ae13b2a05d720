"""A wall clock that jumps, told from downtime, as pure rules (the clocks are passed in).

Downtime is time the process was not running: the fires due then are `missed`,
"halfway was not running then". A jump happens while it runs: the wall clock moves
against the monotonic one (a board without a real-time clock set right by NTP, a
`date -s`, a virtual machine resumed). `Watch` compares the two between looks:

- forward: the fires the clock passed over are one gap record per nudge, with the
  reason `clock_jumped` (see unsent); the latest inside its catch-up window still goes out;
- back: a nudge's cursor ahead of the corrected clock is brought back to it (`rewound`),
  and the gap records ahead of it give those fires back (`given_back`), so the fires not
  yet sent come due again at their real time. A fire already recorded is never recorded
  again (the planner keeps each fire's identity), so a fire sent is never repeated.

The cursor rule needs no `Watch`: a cursor ahead of the clock can only mean a clock that
went back, whenever it went back (also while halfway was down).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from halfway.config.models import Nudge, Settings
from halfway.config.practices import QuietHours
from halfway.core import schedule
from halfway.core.cursors import Stored
from halfway.core.deliveries import FINAL_UNSENT, is_fire
from halfway.core.instants import format_instant, parse_instant
from halfway.core.rawjson import ReadOnly, Record
from halfway.core.records import Delivery

log = logging.getLogger("halfway")

JUMP = timedelta(seconds=2)  # the wall clock moved this much against the monotonic one
KEEP = 8  # the last jumps remembered: fires they passed over may wait for quiet hours
SAID_FOR = timedelta(hours=24)  # /healthz tells of a jump this long (monotonic time)
MAX_COUNT = 200_000  # fires counted one by one when a gap record is cut back

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Jump:
    """The wall clock read `seen` where, by the monotonic clock, it should have read
    `seen - by`: `by` is positive for a jump ahead, negative for one back."""

    seen: datetime
    by: timedelta
    mono: float  # the monotonic clock when it was seen

    @property
    def span(self) -> Span:
        """The wall time a jump ahead passed over (empty for a jump back)."""
        return (
            (self.seen - self.by, self.seen) if self.by > timedelta(0) else (self.seen, self.seen)
        )

    def words(self) -> str:
        """One line, as /healthz and the log say it."""
        size = duration_words(abs(self.by))
        when = self.seen.isoformat(timespec="seconds")
        if self.by > timedelta(0):
            return (
                f"the clock jumped {size} ahead at {when}; "
                "the fires it passed over are recorded as 'the clock jumped'"
            )
        return (
            f"the clock went back {size} at {when}; "
            "fires not yet sent go out at their time, none twice"
        )


def duration_words(span: timedelta) -> str:
    """'1 d 2 h', '3 h 5 min', '45 s'."""
    seconds = round(span.total_seconds())  # a jump of a day reads a day, not 23 h 59 min
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "min"), (secs, "s")]
    said = [f"{n} {unit}" for n, unit in parts if n][:2]
    return " ".join(said) or "0 s"


def monotonic(clock: Callable[[], datetime], real: Callable[[], datetime]) -> Callable[[], float]:
    """The monotonic clock to watch `clock` with: the system's for the `real` clock; a
    clock passed in (a test's, the sample data's) is its own, so moving it is no jump."""
    return time.monotonic if clock is real else lambda: clock().timestamp()


class Watch:
    """The wall clock against the monotonic one, looked at by the safety loop and by
    each pass (a pass the scheduler wakes may come first after a jump)."""

    def __init__(self, wall: Callable[[], datetime], mono: Callable[[], float]) -> None:
        self.wall = wall
        self.mono = mono
        self.lock = threading.Lock()  # the safety loop and a pool thread may both look
        self.base = wall().timestamp() - mono()  # the offset between them at the last look
        self.jumps: list[Jump] = []

    def look(self) -> Jump | None:
        """The jump since the last look, if the clocks moved apart by more than JUMP;
        logged in one line (/healthz says it for SAID_FOR)."""
        with self.lock:
            seen, mono = self.wall(), self.mono()
            by = seen.timestamp() - mono - self.base
            self.base = seen.timestamp() - mono  # between looks: a slow drift is no jump
            if abs(by) <= JUMP.total_seconds():
                return None
            jump = Jump(seen, timedelta(seconds=by), mono)
            self.jumps = [*self.jumps, jump][-KEEP:]
        log.warning("%s", jump.words())
        return jump

    def spans(self) -> list[Span]:
        """The wall time passed over by the jumps ahead remembered."""
        return [j.span for j in self.jumps if j.by > timedelta(0)]

    def said(self) -> str | None:
        """The latest jump in words, while it is recent (for /healthz)."""
        if not self.jumps or self.mono() - self.jumps[-1].mono > SAID_FOR.total_seconds():
            return None
        return self.jumps[-1].words()


# a clock that went back ---------------------------------------------------------------


def ahead(cursor: Stored, now: datetime) -> bool:
    """Whether a nudge's cursor lies ahead of `now`: the clock went back since it moved."""
    marks = (cursor.get("last"), cursor.get("since"))
    return any(mark and parse_instant(mark) > now for mark in marks)


def marks_back(meta: ReadOnly, now: datetime) -> dict[str, Record]:
    """The checks halfway keeps for itself in the hot file's meta (`meta[key]["checked"]`:
    the digest, the care look) whose mark lies ahead of `now`, brought back to it: a mark
    ahead would hold back every check until the clock caught up with it."""
    return {
        key: {**value, "checked": format_instant(now)}
        for key, value in meta.items()
        if isinstance(value, dict)
        and value.get("checked")
        and parse_instant(value["checked"]) > now
    }


@dataclass(frozen=True)
class Rewind:
    """What a clock that went back changes: cursors, gap records cut back, records gone."""

    cursors: list[Record]
    gaps: list[Delivery | Record]
    gone: list[str]


def rewind(
    cursors: Sequence[Stored],
    records: Sequence[Delivery | Record],
    settings: Settings,
    now: datetime,
) -> Rewind:
    """The cursors of `settings`' nudges ahead of `now` brought back to it, and their gap
    records among `records` cut back to the fires not after `now` (or gone)."""
    nudges = {n.id: n for n in settings.nudges}
    back = [
        changed
        for cursor in cursors
        if cursor["id"] in nudges and (changed := rewound(cursor, nudges[cursor["id"]], now))
    ]
    moved = {cursor["id"] for cursor in back}
    zone, quiet = settings.tz, settings.quiet_hours
    cut, gone = [], []
    for gap in records:
        if gap["nudge_id"] not in moved or not is_gap(gap):
            continue
        kept = given_back(gap, nudges[gap["nudge_id"]], zone, quiet, now)
        if kept is None:
            gone.append(str(gap["id"]))
        elif kept is not gap:
            cut.append(kept)
    return Rewind(back, cut, gone)


def rewound(cursor: Stored, nudge: Nudge, now: datetime) -> Record | None:
    """The cursor brought back to `now` if it lies ahead of it, else None.

    An `every` nudge keeps its rhythm: its last fire goes back by whole steps to the
    last one not after `now`.
    """
    if not ahead(cursor, now):
        return None
    last_mark, since_mark = cursor.get("last"), cursor.get("since")
    last = parse_instant(last_mark) if last_mark else None
    since = parse_instant(since_mark) if since_mark else None
    changed = dict(cursor)
    if since and since > now:
        changed["since"] = format_instant(now.replace(microsecond=0))
    if last and last > now:
        if nudge.every is not None:
            steps = -((now - last) // nudge.every)  # ceil((last - now) / every)
            changed["last"] = format_instant(last - steps * nudge.every)
        else:
            changed["last"] = format_instant(now)
    return changed


def given_back(
    gap: Delivery | Record, nudge: Nudge, zone: tzinfo, quiet: QuietHours | None, now: datetime
) -> Delivery | Record | None:
    """A gap record cut back to its fires not after `now`; None when none of them is (the
    record goes: its fires come due again). `gap` itself when it lies wholly before `now`.

    A gap of more fires than were looked at one by one keeps `after`, the cursor they
    were counted from (its `scheduled_for` is then the first one looked at)."""
    last = parse_instant(gap.get("last_scheduled") or gap["scheduled_for"])
    if last <= now:
        return gap
    if gap.get("after"):
        start = anchor = parse_instant(gap["after"])
    else:
        start = parse_instant(gap["scheduled_for"]) - timedelta(microseconds=1)
        anchor = start + timedelta(microseconds=1) - (nudge.every or timedelta(0))
    first: schedule.Fire | None = None
    latest, count = None, 0
    for fire in schedule.fires(nudge, zone, quiet, start, anchor):
        if fire.scheduled_for > now or count >= MAX_COUNT:
            break
        first, latest, count = first or fire, fire, count + 1
    if first is None or latest is None:
        return None
    cut: Record = {k: v for k, v in gap.items() if k not in ("count", "last_scheduled", "after")}
    cut.update(
        scheduled_for=format_instant(first.scheduled_for), due_at=format_instant(first.due_at)
    )
    if count > 1:
        cut.update(count=count, last_scheduled=format_instant(latest.scheduled_for))
    return cut


def recorded(records: Sequence[Record], nudge_id: str, since: datetime) -> set[datetime]:
    """The fires of `nudge_id` after its cursor `since` already recorded: none, unless the
    clock went back since they were (sent or not, they are never recorded again)."""
    return {
        parse_instant(d["scheduled_for"])
        for d in records
        if d["nudge_id"] == nudge_id and is_fire(d) and parse_instant(d["scheduled_for"]) > since
    }


def is_gap(record: Delivery | Record) -> bool:
    """A record of fires decided without sending (one or many), of the schedule."""
    return (
        record.get("state") in FINAL_UNSENT
        and not record.get("reminder_of")
        and not record.get("manual")
    )
