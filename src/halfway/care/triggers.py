"""Care that notices trends: pure triggers over the weeks (`core/weeks`), each at most
once per occurrence. Every number they decide by is here, in the thresholds below:

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

Only whole weeks count: at `now`, the last week looked at is the one before now's
week. The digest and the care nudge ask `evaluate` the same question and share what
fired (the hot file's `meta["care"]["fired"]`), so a note goes out once: in the
digest, or on its own. Never a diagnosis.

What a week holds is `core/weeks`'s; `weeks`, `week_of` and `last_whole_week` are
reached through here too.

Nothing here reads the clock or the disk: the records and `now` are given.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from halfway.core.instants import parse_instant
from halfway.core.rawjson import Record
from halfway.core.weeks import LOOK_BACK_WEEKS as LOOK_BACK_WEEKS
from halfway.core.weeks import NOT_HELD, Week, week_end
from halfway.core.weeks import last_whole_week as last_whole_week
from halfway.core.weeks import week_of as week_of
from halfway.core.weeks import weeks as weeks

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
        (parse_instant(str(a["at"])), str(a.get("value")))
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
    fired: Mapping[str, object] | None = None,
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
    end = week_end(last, zone)
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
