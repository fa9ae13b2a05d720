"""Care that notices trends, and what a week holds: pure rules over the records, by week.

One place says what counts, for the digest's strip and the care notes alike:

- *movement*: a movement answer in a pattern review or a talk reflection (agreed to
  a time, acknowledged feelings, a small change), an ask agreed to, a talk or a plan
  the partner began (a talk recorded `by` the partner);
- *small moments*: gestures (logged, or an evening's answer that is not "none") and
  the partner reaching out (an initiation by the partner);
- never effort: something that hurt (`hurt`), boundaries, notes. They are recorded
  and shown; they make a week *written down*, never a week of movement or moments.

Each week gets one mark (`mark`): movement noted, small moments noticed, no movement
noted (something was written down, nothing moved), nothing written down. A week is
*still* when something was written down and it held neither movement nor a moment:
a week with a gesture is never still, and a week with nothing written is not still
either (halfway does not call a week still when it simply knows nothing about it).

The care notes, each at most once per occurrence (every number is in THRESHOLDS):

- `step_back`: the person's own initiations reached STEP_BACK_AT in the week and rose
  RISING_WEEKS weeks running, while movement did not rise. An occurrence is the run
  of rising weeks, named by the week it rose from.
- `revisit_boundaries` / `counsellor`: STILL_WEEKS still weeks in a row; an occurrence
  is the still run, named by its first week. The counsellor note comes alone.
- `movement_returns`: movement in MOVEMENT_RETURNS[0] of the last MOVEMENT_RETURNS[1]
  weeks, right after a still stretch of STILL_STRETCH weeks or more: a warm note, and
  that couples counselling may help now. Named by the still stretch's first week.
- `boundary_safety`: BOUNDARY_NOT_HELD[0] of the last BOUNDARY_NOT_HELD[1] boundary
  answers say it did not hold: one gentle note with the safety pointer. Named by the
  answer at which that began to be so.
- `long_quiet`: QUIET_WEEKS weeks in a row with nothing written down, after a week
  that had something: the counsellor's word, once, with no nagging to write again
  (someone who stops logging would otherwise never hear it). Named by its first week.

A week is a local ISO week (Monday to Sunday in the user's zone), named by its Monday.
Only whole weeks count: at `now`, the last week looked at is the one before now's
week. A reply counts in the week of the nudge it answers. The digest and the care
nudge ask `evaluate` the same question and share what fired (the hot file's
`meta["care"]["fired"]`), so a note goes out once: in the digest, or on its own.

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
MOVEMENT_RETURNS_NOTE = "movement_returns"
BOUNDARY_SAFETY = "boundary_safety"
LONG_QUIET = "long_quiet"
TRIGGERS = (
    STEP_BACK,
    REVISIT_BOUNDARIES,
    COUNSELLOR,
    MOVEMENT_RETURNS_NOTE,
    BOUNDARY_SAFETY,
    LONG_QUIET,
)

# The practice (words.toml section) each trigger sends.
KIND_OF = {
    STEP_BACK: "step_back",
    REVISIT_BOUNDARIES: "care",
    COUNSELLOR: "care_counsel",
    MOVEMENT_RETURNS_NOTE: "care_movement",
    BOUNDARY_SAFETY: "care_safety",
    LONG_QUIET: "care_counsel",
}

# --- the thresholds: every number care and the digest decide by -----------------------
STEP_BACK_AT = 4  # at least this many of the person's own initiations in the week …
RISING_WEEKS = 2  # … after rising this many weeks running (e.g. 2 → 3 → 4)
STILL_WEEKS = {REVISIT_BOUNDARIES: 3, COUNSELLOR: 6}  # still weeks in a row
STILL_STRETCH = 3  # still weeks in a row before movement returns …
MOVEMENT_RETURNS = (3, 4)  # … then movement in 3 of the last 4 weeks
BOUNDARY_NOT_HELD = (3, 4)  # 3 of the last 4 boundary answers: it did not hold
QUIET_WEEKS = 8  # weeks in a row with nothing written down, after writing had stopped
LOOK_BACK_WEEKS = 12  # no trigger needs more history than this
THRESHOLDS = {
    "step_back_at": STEP_BACK_AT,
    "rising_weeks": RISING_WEEKS,
    "still_weeks": STILL_WEEKS,
    "still_stretch": STILL_STRETCH,
    "movement_returns": MOVEMENT_RETURNS,
    "boundary_not_held": BOUNDARY_NOT_HELD,
    "quiet_weeks": QUIET_WEEKS,
    "look_back_weeks": LOOK_BACK_WEEKS,
}

# --- what counts --------------------------------------------------------------------
MOVEMENT = frozenset({"agreed_time", "acknowledged", "small_change"})
ASKS_MOVEMENT = frozenset({"pattern_review", "talk_reflection"})
NOT_ANSWERS = frozenset({"later", "pause_week"})  # a reply that says nothing
NOT_GESTURES = NOT_ANSWERS | {"none"}
AGREED = "agreed"  # an ask's state: the partner said yes
SAID = frozenset({"made", "asked"})  # an ask said (`made` is read as `asked`)
NOT_HELD = "crossed"  # a boundary answer: it did not hold this time
SCALE = frozenset("12345")  # the weekly review's energy answers

# the marks of a week, strongest first
MARK_MOVEMENT = "movement"
MARK_MOMENTS = "moments"
MARK_NO_MOVEMENT = "no_movement"
MARK_NOTHING = "nothing"
MARKS = (MARK_MOVEMENT, MARK_MOMENTS, MARK_NO_MOVEMENT, MARK_NOTHING)

Record = dict[str, Any]


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


def week_of(instant: datetime, zone: tzinfo) -> date:
    """The Monday of the local ISO week that holds `instant`."""
    local = instant.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def last_whole_week(now: datetime, zone: tzinfo) -> date:
    """The Monday of the last week that has ended at `now`."""
    return week_of(now, zone) - timedelta(weeks=1)


def is_gesture_answer(delivery: Mapping[str, Any], value: Any) -> bool:
    """An evening's gesture answer that names a gesture (not "none", not "later")."""
    text = str(value or "").strip()
    return delivery.get("kind") == "gesture_log" and bool(text) and text not in NOT_GESTURES


def asks_agreed(ask: Mapping[str, Any]) -> list[str]:
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
        week = counts.get(week_of(at(instant), zone))
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
            moment, monday = at(when), week_of(at(when), zone)
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


def still_run(by_week: Mapping[date, Week], last: date) -> tuple[date, int] | None:
    """The run of still weeks that ends with week `last`: its first Monday and length."""
    length = 0
    while (week := by_week.get(last - timedelta(weeks=length))) is not None and week.still:
        length += 1
    if not length:
        return None
    return last - timedelta(weeks=length - 1), length


def rising_run(by_week: Mapping[date, Week], last: date) -> tuple[date, int] | None:
    """The run of weeks in which the person's initiations rose each week, ending with
    week `last`, while movement never rose: the Monday it rose from and how many weeks."""
    rises = 0
    while True:
        now = by_week.get(last - timedelta(weeks=rises))
        before = by_week.get(last - timedelta(weeks=rises + 1))
        if now is None or before is None:
            break
        if now.mine <= before.mine or now.movement > before.movement:
            break
        rises += 1
    if not rises:
        return None
    return last - timedelta(weeks=rises), rises


def climbing(by_week: Mapping[date, Week], last: date) -> date | None:
    """Where the person's real climb began, if week `last` ends one (see STEP_BACK_AT)."""
    rising = rising_run(by_week, last)
    week = by_week.get(last)
    if rising is None or week is None or rising[1] < RISING_WEEKS or week.mine < STEP_BACK_AT:
        return None
    return rising[0]


def movement_returned(by_week: Mapping[date, Week], last: date) -> date | None:
    """The first Monday of the still stretch that movement came back after, if movement
    is noted in 3 of the last 4 weeks (MOVEMENT_RETURNS) right after one."""
    needed, window = MOVEMENT_RETURNS
    recent = [by_week.get(last - timedelta(weeks=n)) for n in range(window - 1, -1, -1)]
    moved = [w for w in recent if w is not None and w.movement]
    if len(moved) < needed:
        return None
    stretch = still_run(by_week, moved[0].monday - timedelta(weeks=1))
    return stretch[0] if stretch and stretch[1] >= STILL_STRETCH else None


def quiet_run(by_week: Mapping[date, Week], last: date) -> date | None:
    """The first Monday of a run of QUIET_WEEKS or more weeks with nothing written down
    that ends with week `last` and follows a week that had something (so a new install,
    with nothing before it, never has one)."""
    length = 0
    while (week := by_week.get(last - timedelta(weeks=length))) is not None and not week.active:
        length += 1
    before = by_week.get(last - timedelta(weeks=length))
    if length < QUIET_WEEKS or before is None:
        return None
    return last - timedelta(weeks=length - 1)


def boundary_answers(records: Mapping[str, Iterable[Record]]) -> list[tuple[datetime, str]]:
    """Every boundary answer (instant, value), oldest first."""
    found = [
        (at(str(a["at"])), str(a.get("value")))
        for boundary in records.get("boundaries", ())
        for a in boundary.get("answers", ())
        if a.get("at")
    ]
    return sorted(found)


def boundary_not_holding(
    answers: Iterable[tuple[datetime, str]], before: datetime
) -> datetime | None:
    """When the answers began to say, and still say at `before`, that a boundary did not
    hold in 3 of the last 4 (BOUNDARY_NOT_HELD); None if they do not say so now."""
    needed, window = BOUNDARY_NOT_HELD
    values: list[str] = []
    began: datetime | None = None
    for instant, value in answers:
        if instant >= before:
            break
        values.append(value)
        holds = sum(v == NOT_HELD for v in values[-window:]) >= needed
        began = (began or instant) if holds else None
    return began


def occurrences(
    by_week: Mapping[date, Week],
    last: date,
    answers: Iterable[tuple[datetime, str]] = (),
    end: datetime | None = None,
) -> dict[str, str]:
    """Each trigger whose condition holds at week `last`, with the name of its occurrence
    (the same for as long as it goes on). `end` is when week `last` ended."""
    found: dict[str, str] = {}
    climb = climbing(by_week, last)
    if climb:
        found[STEP_BACK] = climb.isoformat()
    still = still_run(by_week, last)
    for trigger, needed in STILL_WEEKS.items():
        if still and still[1] >= needed:
            found[trigger] = still[0].isoformat()
    returned = movement_returned(by_week, last)
    if returned:
        found[MOVEMENT_RETURNS_NOTE] = returned.isoformat()
    quiet = quiet_run(by_week, last)
    if quiet:
        found[LONG_QUIET] = quiet.isoformat()
    if end is not None:
        began = boundary_not_holding(answers, end)
        if began:
            found[BOUNDARY_SAFETY] = began.isoformat()
    return found


@dataclass(frozen=True)
class Due:
    """What one evaluation decided: the triggers to send now, and what to remember."""

    send: list[str]
    remember: dict[str, dict[str, str]]


def _same(remembered: str | None, run: str, first_seen: date) -> bool:
    """Whether `run` is the occurrence that already fired: the same name, or a run that
    reaches back to the first week looked at and fired earlier than that (a long run
    whose start has passed out of sight)."""
    if remembered is None:
        return False
    return remembered == run or (run == first_seen.isoformat() and remembered < run)


def evaluate(
    records: Mapping[str, Iterable[Record]],
    zone: tzinfo,
    now: datetime,
    fired: Mapping[str, Any] | None = None,
    enabled: Collection[str] = TRIGGERS,
) -> Due:
    """The triggers to send at `now`: those that hold for the last whole week, are
    enabled, and have not fired for this occurrence yet (in the digest or on their own).

    `fired` is what an earlier evaluation remembered (trigger -> {"run": the
    occurrence's name, "week": Monday of the week it fired for}). The counsellor line
    comes alone: when it is due, the boundaries suggestion of the same run is counted
    as given, so one quiet message arrives, not two."""
    last = last_whole_week(now, zone)
    by_week = weeks(records, zone, last)
    end = datetime.combine(last + timedelta(weeks=1), datetime.min.time(), tzinfo=zone)
    found = occurrences(by_week, last, boundary_answers(records), end)
    first_seen = min(by_week)
    remember = {k: dict(v) for k, v in (fired or {}).items() if isinstance(v, Mapping)}
    send = []
    for trigger in TRIGGERS:
        run = found.get(trigger)
        if trigger not in enabled or run is None:
            continue
        if _same(remember.get(trigger, {}).get("run"), run, first_seen):
            continue  # this occurrence has had its note
        send.append(trigger)
        remember[trigger] = {"run": run, "week": last.isoformat()}
    if COUNSELLOR in send and REVISIT_BOUNDARIES in send:
        send.remove(REVISIT_BOUNDARIES)
    return Due(send, remember)
