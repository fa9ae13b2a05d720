"""What a week holds, by one rule for the digest's strip and the care notes alike:
pure, records and a zone in, frozen `Week`s out.

- *movement*: a movement answer in a pattern review or a talk reflection (agreed to
  a time, acknowledged feelings, a small change), an ask agreed to, a talk or a plan
  the partner began (a talk recorded `by` the partner);
- *small moments*: gestures (logged, or an evening's answer that is not "none") and
  the partner reaching out (an initiation by the partner);
- never effort: something that hurt (`hurt`), boundaries, notes. They are recorded
  and shown; they make a week *written down*, never a week of movement or moments.

Each week gets one mark (`week_mark`): movement noted, small moments noticed, no
movement noted (something was written down, nothing moved), nothing written down.
A week is *still* when something was written down and it held neither movement nor
a moment: a week with a gesture is never still, and a week with nothing written is
not still either (halfway does not call a week still when it knows nothing of it).

What a week is, here and everywhere in halfway: a local ISO week, Monday to Sunday in
the user's zone, named by its Monday (`week_of`); it runs from that Monday's local
midnight to the next one's (`week_start`, `week_end`), and at `now` the last whole
week is the one before now's (`last_whole_week`). A reply counts in the week of the
nudge it answers. (The weekly review's page looks back a rolling seven days instead:
`replies.review.LOOK_BACK`, a window before its question, not a week.)

Nothing here reads the clock or the disk: the records are given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from halfway.core.instants import parse_instant
from halfway.core.rawjson import Record
from halfway.core.records import Ask

LOOK_BACK_WEEKS = 12  # no care trigger, and no digest, needs more history than this

# what counts ------------------------------------------------------------------------
MOVEMENT = frozenset({"agreed_time", "acknowledged", "small_change"})
ASKS_MOVEMENT = frozenset({"pattern_review", "talk_reflection"})
NOT_ANSWERS = frozenset({"later", "pause_week"})  # a reply that says nothing
NOT_GESTURES = NOT_ANSWERS | {"none"}
# An ask's states, whose home (ledger.asks) is above the pure core: named again here,
# and tests/test_state_names.py keeps them equal to the home's.
AGREED = "agreed"  # the partner said yes
SAID = frozenset({"made", "asked"})  # an ask said (`made` is read as `asked`)
NOT_HELD = "crossed"  # a boundary answer: it did not hold this time
SCALE = frozenset("12345")  # the weekly review's energy answers

# the marks of a week, strongest first
MARK_MOVEMENT = "movement"
MARK_MOMENTS = "moments"
MARK_NO_MOVEMENT = "no_movement"
MARK_NOTHING = "nothing"
MARKS = (MARK_MOVEMENT, MARK_MOMENTS, MARK_NO_MOVEMENT, MARK_NOTHING)


@dataclass(frozen=True)
class Week:
    """What one local week holds."""

    monday: date
    mine: int = 0  # the person's own initiations
    movement: int = 0  # movement answers, asks agreed, talks the partner began
    moments: int = 0  # gestures noticed and the partner reaching out
    active: bool = False  # anything written down at all (hurt and notes included)
    energy: int | None = None  # the weekly review's 1–5 scale, the week's last answer

    @property
    def mark(self) -> str:
        return week_mark(self)

    @property
    def still(self) -> bool:
        return self.active and self.movement == 0 and self.moments == 0


def week_mark(week: Week) -> str:
    """The week's one mark on the strip: movement, moments, no_movement or nothing."""
    if week.movement:
        return MARK_MOVEMENT
    if week.moments:
        return MARK_MOMENTS
    return MARK_NO_MOVEMENT if week.active else MARK_NOTHING


# Seven days from a moment, on purpose not a week (a week is `week_of`'s, Monday to
# Sunday): what a list looks back over or ahead to, and a week's pause.
SEVEN_DAYS = timedelta(days=7)
LAST_SEVEN_DAYS = SEVEN_DAYS  # status's "last 7 days", the review page's look back
NEXT_SEVEN_DAYS = SEVEN_DAYS  # status's next fires, the app home's "coming up"
PAUSE_WEEK = SEVEN_DAYS  # "pause for a week": a reply's offer, the app's pause form


def week_of(instant: datetime, zone: tzinfo) -> date:
    """The Monday of the local ISO week that holds `instant`."""
    local = instant.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def last_whole_week(now: datetime, zone: tzinfo) -> date:
    """The Monday of the last week that has ended at `now`."""
    return week_of(now, zone) - timedelta(weeks=1)


def week_start(monday: date, zone: tzinfo) -> datetime:
    """The instant the week of `monday` begins: that Monday's local midnight (aware, in
    `zone`)."""
    return datetime.combine(monday, time(0), tzinfo=zone)


def week_end(monday: date, zone: tzinfo) -> datetime:
    """The instant the week of `monday` ends: the next Monday's local midnight."""
    return week_start(monday + timedelta(weeks=1), zone)


def is_gesture_answer(delivery: Mapping[str, object], value: object) -> bool:
    """An evening's gesture answer that names a gesture (not "none", not "later")."""
    text = str(value or "").strip()
    return delivery.get("kind") == "gesture_log" and bool(text) and text not in NOT_GESTURES


def asks_agreed(ask: Ask | Record) -> list[str]:
    """The instants at which the partner agreed to this ask."""
    return [str(h["at"]) for h in ask.get("history", ()) if h.get("state") == AGREED]


def weeks(
    records: Mapping[str, Iterable[Record]],
    zone: tzinfo,
    until: date,
    count: int = LOOK_BACK_WEEKS,
) -> dict[date, Week]:
    """Each week up to the week of Monday `until`, `count` of them, oldest first.

    `records` holds the tables `entries`, `replies`, `deliveries` (a reply's kind and
    week are its delivery's), `asks` and `talks`."""
    first = until - timedelta(weeks=count - 1)
    counts: dict[date, dict[str, int]] = {
        first + timedelta(weeks=i): {"mine": 0, "movement": 0, "moments": 0, "active": 0}
        for i in range(count)
    }
    energy: dict[date, tuple[datetime, int]] = {}

    def add(instant: str | None, **more: int) -> None:
        if not instant:
            return
        week = counts.get(week_of(parse_instant(instant), zone))
        if week is not None:
            week["active"] += 1
            for name, n in more.items():
                week[name] += n

    for entry in records.get("entries", ()):
        kind, by = entry.get("kind"), entry.get("by")
        mine = int(kind == "initiation" and by in (None, "me"))
        theirs = int(kind == "initiation" and by == "partner")
        add(entry.get("at"), mine=mine, moments=theirs + int(kind == "gesture"))
    sent = {d["id"]: d for d in records.get("deliveries", ()) if "id" in d}
    for reply in records.get("replies", ()):
        value = reply.get("value")
        if value in NOT_ANSWERS:
            continue
        delivery = sent.get(reply.get("delivery_id", ""), {})
        when = delivery.get("scheduled_for") or reply.get("received_at")
        moved = int(delivery.get("kind") in ASKS_MOVEMENT and value in MOVEMENT)
        add(when, movement=moved, moments=int(is_gesture_answer(delivery, value)))
        scale = str(reply.get("scale"))
        if delivery.get("kind") == "pattern_review" and when and scale in SCALE:
            moment, monday = parse_instant(when), week_of(parse_instant(when), zone)
            if monday not in energy or energy[monday][0] <= moment:
                energy[monday] = (moment, int(scale))
    for ask in records.get("asks", ()):
        for instant in asks_agreed(ask):
            add(instant, movement=1)
        for step in ask.get("history", ()):
            if step.get("state") in SAID:
                add(step.get("at"))  # an ask said is written down, not movement
    for boundary in records.get("boundaries", ()):
        for answer in boundary.get("answers", ()):
            add(answer.get("at"))  # written down, never the partner's effort
    for talk in records.get("talks", ()):
        if talk.get("by") == "partner":
            add(talk.get("created_at") or talk.get("at"), movement=1)
    return {
        monday: Week(
            monday,
            c["mine"],
            c["movement"],
            c["moments"],
            c["active"] > 0,
            energy[monday][1] if monday in energy else None,
        )
        for monday, c in counts.items()
    }
