"""Care that notices trends: pure triggers over the records, by week.

Three gentle nudges, each at most once per occurrence:

- `step_back`: the user's own initiations (entries of kind initiation by me) rose
  two weeks running while the partner's responses (entries by the partner, and
  movement answered in a pattern review or talk reflection) did not rise at all.
  An occurrence is a run of rising weeks, named by the week it rose from.
- `revisit_boundaries`: three or more weeks in a row with no movement recorded.
- `counsellor`: six or more such weeks; mentions, once, that a counsellor or a
  therapist can help (its words carry the safety line).
  An occurrence of these two is a run of still weeks, named by its first week.

A week is a local ISO week (Monday to Sunday in the user's zone), named by the
date of its Monday. A week is *still* when the user recorded something in it (an
entry or a reply) and none of it was movement: halfway never calls a week still
when it simply knows nothing about it, so a week with no records ends a run.
Only whole weeks count: at `now`, the last week looked at is the one before
now's week. A reply counts in the week of the nudge it answers.

Nothing here reads the clock or the disk: the records and `now` are given.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from halfway.deliveries import at

STEP_BACK = "step_back"
REVISIT_BOUNDARIES = "revisit_boundaries"
COUNSELLOR = "counsellor"
TRIGGERS = (STEP_BACK, REVISIT_BOUNDARIES, COUNSELLOR)

# The practice (words) each trigger sends.
KIND_OF = {STEP_BACK: "step_back", REVISIT_BOUNDARIES: "care", COUNSELLOR: "care_counsel"}

MOVEMENT = frozenset({"agreed_time", "acknowledged", "small_change"})
ASKS_MOVEMENT = frozenset({"pattern_review", "talk_reflection"})
STILL_WEEKS = {REVISIT_BOUNDARIES: 3, COUNSELLOR: 6}
RISING_WEEKS = 2  # the user's initiations rose this many weeks in a row
LOOK_BACK_WEEKS = 12  # no trigger needs more history than this

Record = dict[str, Any]


@dataclass(frozen=True)
class Week:
    """What one local week holds."""

    monday: date
    mine: int = 0  # the user's own initiations
    theirs: int = 0  # the partner's responses: their entries and movement answered
    movement: int = 0  # movement answered (agreed a time, acknowledged, a small change)
    active: bool = False  # the user recorded anything at all

    @property
    def still(self) -> bool:
        return self.active and self.movement == 0


def week_of(instant: datetime, zone: tzinfo) -> date:
    """The Monday of the local ISO week that holds `instant`."""
    local = instant.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def last_whole_week(now: datetime, zone: tzinfo) -> date:
    """The Monday of the last week that has ended at `now`."""
    return week_of(now, zone) - timedelta(weeks=1)


def weeks(
    records: Mapping[str, Iterable[Record]],
    zone: tzinfo,
    until: date,
    count: int = LOOK_BACK_WEEKS,
) -> dict[date, Week]:
    """Each week up to the week of Monday `until`, `count` of them, oldest first.

    `records` holds the tables `entries`, `replies` and `deliveries` (a reply's kind
    and week are its delivery's)."""
    first = until - timedelta(weeks=count - 1)
    counts: dict[date, dict[str, int]] = {
        first + timedelta(weeks=i): {"mine": 0, "theirs": 0, "movement": 0, "active": 0}
        for i in range(count)
    }

    def add(instant: str | None, **more: int) -> None:
        if not instant:
            return
        week = counts.get(week_of(at(instant), zone))
        if week is not None:
            week["active"] += 1
            for name, n in more.items():
                week[name] += n

    for entry in records.get("entries", ()):
        by = entry.get("by")
        mine = int(entry.get("kind") == "initiation" and by in (None, "me"))
        add(entry.get("at"), mine=mine, theirs=int(by == "partner"))
    sent = {d["id"]: d for d in records.get("deliveries", ()) if "id" in d}
    for reply in records.get("replies", ()):
        delivery = sent.get(reply.get("delivery_id", ""), {})
        moved = int(delivery.get("kind") in ASKS_MOVEMENT and reply.get("value") in MOVEMENT)
        add(delivery.get("scheduled_for") or reply.get("received_at"), theirs=moved, movement=moved)
    return {
        monday: Week(monday, c["mine"], c["theirs"], c["movement"], c["active"] > 0)
        for monday, c in counts.items()
    }


def still_run(by_week: Mapping[date, Week], last: date) -> tuple[date, int] | None:
    """The run of still weeks that ends with week `last`: its first Monday and length."""
    length = 0
    while (week := by_week.get(last - timedelta(weeks=length))) is not None and week.still:
        length += 1
    if not length:
        return None
    return last - timedelta(weeks=length - 1), length


def rising_run(by_week: Mapping[date, Week], last: date) -> tuple[date, int] | None:
    """The run of weeks in which the user's initiations rose each week, ending with
    week `last`, while the partner's responses never rose: the Monday it rose from
    and how many weeks it rose."""
    rises = 0
    while True:
        now = by_week.get(last - timedelta(weeks=rises))
        before = by_week.get(last - timedelta(weeks=rises + 1))
        if now is None or before is None or now.mine <= before.mine or now.theirs > before.theirs:
            break
        rises += 1
    if not rises:
        return None
    return last - timedelta(weeks=rises), rises


def occurrences(by_week: Mapping[date, Week], last: date) -> dict[str, date]:
    """Each trigger whose condition holds at week `last`, with the Monday its occurrence
    began (the same for as long as the run goes on)."""
    found: dict[str, date] = {}
    rising = rising_run(by_week, last)
    if rising and rising[1] >= RISING_WEEKS:
        found[STEP_BACK] = rising[0]
    still = still_run(by_week, last)
    for trigger, needed in STILL_WEEKS.items():
        if still and still[1] >= needed:
            found[trigger] = still[0]
    return found


@dataclass(frozen=True)
class Due:
    """What one evaluation decided: the triggers to send now, and what to remember."""

    send: list[str]
    remember: dict[str, dict[str, str]]


def evaluate(
    records: Mapping[str, Iterable[Record]],
    zone: tzinfo,
    now: datetime,
    fired: Mapping[str, Any] | None = None,
    enabled: Collection[str] = TRIGGERS,
) -> Due:
    """The triggers to send at `now`: those that hold for the last whole week, are
    enabled, and have not fired for this occurrence yet.

    `fired` is what an earlier evaluation remembered (trigger -> {"run": Monday the
    occurrence began, "week": Monday of the week it fired for}). The counsellor line
    comes alone: when it is due, the boundaries suggestion of the same run is counted
    as given, so one quiet message arrives, not two."""
    last = last_whole_week(now, zone)
    found = occurrences(weeks(records, zone, last), last)
    remember = {k: dict(v) for k, v in (fired or {}).items() if isinstance(v, Mapping)}
    send = []
    for trigger in TRIGGERS:
        run = found.get(trigger)
        if trigger not in enabled or run is None:
            continue
        if remember.get(trigger, {}).get("run") == run.isoformat():
            continue  # this occurrence has had its nudge
        send.append(trigger)
        remember[trigger] = {"run": run.isoformat(), "week": last.isoformat()}
    if COUNSELLOR in send and REVISIT_BOUNDARIES in send:
        send.remove(REVISIT_BOUNDARIES)
    return Due(send, remember)
