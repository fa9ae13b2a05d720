"""Care's trend triggers, pure, on constructed histories with explicit local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from halfway.care import triggers
from halfway.care.triggers import (
    BOUNDARY_SAFETY,
    COUNSELLOR,
    MOVEMENT_RETURNS_NOTE,
    REVISIT_BOUNDARIES,
    STEP_BACK,
)
from halfway.core.instants import format_instant

BERLIN = ZoneInfo("Europe/Berlin")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14: its Monday morning is Sunday in UTC


class History:
    """Records built week by week, every instant given as a local date and time."""

    def __init__(self, zone: ZoneInfo = BERLIN) -> None:
        self.zone = zone
        self.tables: dict[str, list[dict[str, Any]]] = {
            "entries": [],
            "replies": [],
            "deliveries": [],
            "boundaries": [{"id": "b_1", "text": "my evenings", "active": True, "answers": []}],
        }
        self.fired: dict[str, Any] = {}

    def boundary(self, day: date, value: str) -> None:
        answer = {"value": value, "at": self.instant(day, time(9)), "delivery_id": "d_x"}
        self.tables["boundaries"][0]["answers"].append(answer)

    def instant(self, day: date, clock: time = time(12, 0)) -> str:
        return format_instant(datetime.combine(day, clock, tzinfo=self.zone))

    def initiations(self, monday: date, mine: int, theirs: int = 0, clock: time = time(12)) -> None:
        for i in range(mine):
            self.entry(monday + timedelta(days=i % 7), "initiation", "me", clock)
        for i in range(theirs):
            self.entry(monday + timedelta(days=i % 7), "initiation", "partner", clock)

    def entry(self, day: date, kind: str, by: str | None, clock: time = time(12)) -> None:
        n = len(self.tables["entries"])
        record = {"id": f"e_{n}", "kind": kind, "text": "x", "at": self.instant(day, clock)}
        if by:
            record["by"] = by
        self.tables["entries"].append(record)

    def review(self, sunday: date, value: str, answered: datetime | None = None) -> None:
        n = len(self.tables["deliveries"])
        sent = self.instant(sunday, time(18, 0))
        self.tables["deliveries"].append(
            {"id": f"d_{n}", "kind": "pattern_review", "nudge_id": "weekly", "scheduled_for": sent}
        )
        received = format_instant(answered) if answered else sent
        self.tables["replies"].append(
            {"id": f"r_{n}", "delivery_id": f"d_{n}", "value": value, "received_at": received}
        )

    def check(self, monday: date, enabled: tuple[str, ...] | None = None) -> list[str]:
        """Evaluate at that Monday 10:00 local, remembering what fired as the service does."""
        now = datetime.combine(monday, time(10), tzinfo=self.zone)
        due = triggers.evaluate(
            self.tables, self.zone, now, self.fired, enabled or triggers.TRIGGERS
        )
        self.fired = due.remember
        return due.send


def mondays(first: date, count: int) -> list[date]:
    assert first.weekday() == 0
    return [first + timedelta(weeks=i) for i in range(count)]


W = mondays(date(2026, 9, 7), 16)  # sixteen Mondays from 7 Sep 2026


# step back ----------------------------------------------------------------------------


def test_step_back_fires_once_when_my_initiations_climb_to_four_rising_twice() -> None:
    h = History()
    h.check = lambda monday: History.check(h, monday, (STEP_BACK,))  # type: ignore[method-assign]
    for monday, mine in zip(W[:3], (2, 3, 4), strict=True):
        h.initiations(monday, mine, theirs=1)
    assert h.check(W[2]) == []  # only one rise among the weeks that have ended
    assert h.check(W[3]) == [STEP_BACK]  # 2 → 3 → 4: four, and rising twice
    rose_from = W[0] - timedelta(weeks=1)  # from nothing, the week before, to 2, 3, 4
    assert h.fired[STEP_BACK] == {"run": rose_from.isoformat(), "week": W[2].isoformat()}
    assert h.check(W[3]) == []  # asked again the same day: nothing new
    h.initiations(W[3], 5, theirs=1)
    assert h.check(W[4]) == []  # still the same run of rising weeks: once is enough
    h.initiations(W[4], 1, theirs=1)  # it eases
    h.initiations(W[5], 2, theirs=1)
    h.initiations(W[6], 4, theirs=1)
    assert h.check(W[5]) == []
    assert h.check(W[6]) == []
    assert h.check(W[7]) == [STEP_BACK]  # a new run: a new occurrence
    assert h.fired[STEP_BACK]["run"] == W[4].isoformat()


@pytest.mark.parametrize(
    ("mine", "moved"),
    [
        ((0, 1, 2), (0, 0, 0)),  # rising twice, but two is not "a lot"
        ((1, 2, 3), (0, 0, 0)),  # rising twice, still under four
        ((2, 3, 4), (0, 1, 1)),  # movement rose too
        ((2, 3, 4), (1, 0, 1)),  # movement rose in the last week
        ((3, 3, 4), (0, 0, 0)),  # mine rose only one week
        ((6, 5, 4), (0, 0, 0)),  # mine fell
        ((0, 0, 0), (0, 0, 0)),  # nothing at all
    ],
)
def test_step_back_stays_quiet_without_a_real_climb(
    mine: tuple[int, ...], moved: tuple[int, ...]
) -> None:
    h = History()
    for monday, m, t in zip(W[:3], mine, moved, strict=True):
        h.initiations(monday, m, theirs=2)  # the partner reaching out: a moment, not movement
        h.review(monday + timedelta(days=6), "acknowledged" if t else "none")
    assert STEP_BACK not in h.check(W[3])


@pytest.mark.parametrize("mine", [(2, 3, 4), (4, 5, 6), (0, 3, 9)])
def test_step_back_fires_on_four_or_more_and_rising_two_weeks_running(
    mine: tuple[int, ...],
) -> None:
    h = History()
    for monday, m in zip(W[:3], mine, strict=True):
        h.initiations(monday, m)
    assert STEP_BACK in h.check(W[3])
    assert triggers.STEP_BACK_AT == 4
    assert triggers.RISING_WEEKS == 2


def test_movement_answered_counts_as_the_partners_response() -> None:
    h = History()
    for monday, mine in zip(W[:3], (2, 3, 4), strict=True):
        h.initiations(monday, mine)
    h.review(W[2] + timedelta(days=6), "acknowledged")  # movement in the third week
    assert STEP_BACK not in h.check(W[3])
    h2 = History()
    for monday, mine in zip(W[:3], (2, 3, 4), strict=True):
        h2.initiations(monday, mine)
    h2.review(W[2] + timedelta(days=6), "none")  # no movement: not a response
    assert STEP_BACK in h2.check(W[3])


# still weeks: boundaries, then a counsellor ----------------------------------------------


def test_three_still_weeks_suggest_boundaries_once_and_six_mention_a_counsellor_once() -> None:
    h = History()
    for i, monday in enumerate(W[:8]):
        h.review(monday + timedelta(days=6), "none")
        sent = h.check(W[i + 1])
        expected = {2: [REVISIT_BOUNDARIES], 5: [COUNSELLOR]}.get(i, [])
        assert sent == expected, f"after week {i + 1}"
    assert h.fired[REVISIT_BOUNDARIES]["run"] == h.fired[COUNSELLOR]["run"] == W[0].isoformat()


def test_a_week_with_movement_ends_the_run_and_a_new_run_counts_afresh() -> None:
    h = History()
    for monday in W[:3]:
        h.review(monday + timedelta(days=6), "none")
    assert h.check(W[3]) == [REVISIT_BOUNDARIES]
    h.review(W[3] + timedelta(days=6), "small_change")
    assert h.check(W[4]) == []
    for monday in W[4:7]:
        h.review(monday + timedelta(days=6), "none")
    assert h.check(W[5]) == []
    assert h.check(W[6]) == []
    assert h.check(W[7]) == [REVISIT_BOUNDARIES]
    assert h.fired[REVISIT_BOUNDARIES]["run"] == W[4].isoformat()


def test_a_week_with_nothing_recorded_is_not_called_still() -> None:
    h = History()
    h.review(W[0] + timedelta(days=6), "none")
    # W[1]: nothing recorded at all
    h.review(W[2] + timedelta(days=6), "none")
    h.review(W[3] + timedelta(days=6), "none")
    assert h.check(W[4]) == []
    h.entry(W[4] + timedelta(days=2), "note", None)  # something recorded, no movement
    assert h.check(W[5]) == [REVISIT_BOUNDARIES]


def test_the_counsellor_line_comes_alone_when_both_are_first_due_together() -> None:
    h = History()
    for monday in W[:6]:
        h.review(monday + timedelta(days=6), "none")
    assert h.check(W[6]) == [COUNSELLOR]
    assert h.check(W[7]) == []  # and the boundaries suggestion is not sent after it


def test_each_trigger_can_be_turned_off() -> None:
    h = History()
    for monday in W[:7]:
        h.review(monday + timedelta(days=6), "none")
    assert h.check(W[6], enabled=(STEP_BACK, REVISIT_BOUNDARIES)) == [REVISIT_BOUNDARIES]
    assert h.check(W[7], enabled=(STEP_BACK,)) == []
    assert h.check(W[7], enabled=(COUNSELLOR,)) == [COUNSELLOR]


def test_a_late_answer_counts_in_the_week_of_the_review_it_answers() -> None:
    h = History()
    for monday in W[:3]:
        sunday = monday + timedelta(days=6)
        answered = datetime.combine(sunday + timedelta(days=1), time(8), tzinfo=BERLIN)
        h.review(sunday, "none", answered=answered)  # answered on Monday morning
    assert h.check(W[3] + timedelta(days=0)) == [REVISIT_BOUNDARIES]


def test_a_week_with_gestures_is_never_called_still() -> None:
    h = History()
    for monday in W[:6]:
        h.review(monday + timedelta(days=6), "none")
        h.entry(monday + timedelta(days=2), "gesture", None)  # a small moment noticed
    assert [h.check(monday) for monday in W[1:7]] == [[]] * 6


# movement returns; a boundary that keeps not holding ---------------------------------------


def test_movement_in_three_of_four_weeks_after_a_still_stretch_is_said_once() -> None:
    h = History()
    h.check = lambda monday: History.check(h, monday, (MOVEMENT_RETURNS_NOTE,))  # type: ignore[method-assign]
    answers = ["none"] * 3 + ["small_change", "none", "agreed_time", "acknowledged"]
    answers += ["small_change", "acknowledged", "none", "agreed_time"]
    for monday, value in zip(W, answers, strict=False):
        h.review(monday + timedelta(days=6), value)
    sent = {monday: h.check(monday) for monday in W[1:12]}
    assert [m for m, notes in sent.items() if notes] == [W[7]]  # after W[3], W[5], W[6]
    assert sent[W[7]] == [MOVEMENT_RETURNS_NOTE]
    assert h.fired[MOVEMENT_RETURNS_NOTE]["run"] == W[0].isoformat()  # the still stretch


def test_steady_movement_with_no_still_stretch_before_it_brings_no_note() -> None:
    h = History()
    for monday, value in zip(W[:6], ["small_change", "none"] * 3, strict=True):
        h.review(monday + timedelta(days=6), value)
    h.review(W[6] + timedelta(days=6), "acknowledged")
    h.review(W[7] + timedelta(days=6), "acknowledged")
    assert all(MOVEMENT_RETURNS_NOTE not in h.check(m) for m in W[1:9])


def test_a_boundary_not_holding_in_three_of_four_answers_is_one_gentle_note() -> None:
    h = History()
    h.check = lambda monday: History.check(h, monday, (BOUNDARY_SAFETY,))  # type: ignore[method-assign]
    # one answer a week: the last four read 2, then 3, then 3 again, then 2 "did not hold"
    for monday, value in zip(
        W[:6], ["held", "crossed", "crossed", "held", "crossed", "crossed"], strict=True
    ):
        h.boundary(monday + timedelta(days=1), value)
    for monday, value in zip(
        W[6:12], ["held", "held", "strained", "crossed", "crossed", "crossed"], strict=True
    ):
        h.boundary(monday + timedelta(days=1), value)
    sent = {monday: h.check(monday) for monday in W[1:13]}
    assert [m for m, notes in sent.items() if notes] == [W[5], W[12]]
    assert h.fired[BOUNDARY_SAFETY]["week"] == W[11].isoformat()
    # "strained" is not "did not hold"; three of the last four must say it did not
    assert triggers.BOUNDARY_NOT_HELD == (3, 4)


def test_long_quiet_after_writing_stopped_brings_the_counsellors_word_once() -> None:
    h = History()
    h.check = lambda monday: History.check(h, monday, (triggers.LONG_QUIET,))  # type: ignore[method-assign]
    h.review(W[0] + timedelta(days=6), "none")  # then nothing at all is written down
    sent = {monday: h.check(monday) for monday in W[1:14]}
    assert [m for m, notes in sent.items() if notes] == [W[9]]  # W[1]–W[8]: eight weeks
    assert h.fired[triggers.LONG_QUIET]["run"] == W[1].isoformat()
    assert triggers.QUIET_WEEKS == 8


def test_a_new_install_with_nothing_before_it_is_never_called_long_quiet() -> None:
    h = History()
    assert all(h.check(monday) == [] for monday in W[1:16])


def test_the_new_notes_carry_no_diagnosis_and_the_safety_note_the_safety_line() -> None:
    from halfway.core import kinds
    from halfway.digest import render
    from halfway.words import catalog

    for kind in ("care_movement", "care_safety"):
        title, text = kinds.render(kind, None, seed="x")
        note = text.split("\n\n")[0]  # the safety line aside
        assert title
        assert not any(w in note.lower() for w in ("abus", "narciss", "toxic", "disorder"))
    assert kinds.render("care_safety", None, seed="x")[1].endswith(catalog.safety_line())
    assert render.care_lines([BOUNDARY_SAFETY])[0].endswith(catalog.safety_line())


# weeks: across the year, and far from UTC ---------------------------------------------------


def test_weeks_run_across_a_year_boundary() -> None:
    # ISO weeks 51, 52 and 53 of 2026; the last holds 1–3 January 2027.
    mondays_ = mondays(date(2026, 12, 14), 4)
    assert mondays_[2] == date(2026, 12, 28)
    h = History()
    for monday, mine in zip(mondays_[:3], (2, 3, 4), strict=True):
        h.initiations(monday, 0)
        for k in range(mine):  # each on the week's Sunday; the last one is 3 January 2027
            h.entry(monday + timedelta(days=6), "initiation", "me", time(20, k))
    for monday in mondays_[:3]:
        h.review(monday + timedelta(days=6), "none")
    assert h.check(mondays_[3]) == [STEP_BACK, REVISIT_BOUNDARIES]
    assert mondays_[3] == date(2027, 1, 4)


def test_weeks_are_the_users_local_weeks_far_from_utc() -> None:
    h = History(KIRITIMATI)
    # 2, 3, 4 initiations in three local weeks; the first and last week's on Monday
    # 05:00 local, which in UTC is still the Sunday of the week before.
    for k in range(2):
        h.entry(W[0], "initiation", "me", time(5, k))
    for k in range(3):
        h.entry(W[1] + timedelta(days=2), "initiation", "me", time(12, k))
    for k in range(4):
        h.entry(W[2], "initiation", "me", time(5, k))
    first = datetime.combine(W[0], time(5), tzinfo=KIRITIMATI).astimezone(UTC)
    assert first.date() == W[0] - timedelta(days=1)
    assert STEP_BACK in h.check(W[3])
    # Counted in UTC weeks the same entries read 2, 0, 7: no rise two weeks running.
    now = datetime.combine(W[3], time(10), tzinfo=KIRITIMATI)
    by_week = triggers.weeks(h.tables, UTC, triggers.last_whole_week(now, UTC))
    assert [by_week[m - timedelta(days=7)].mine for m in W[:3]] == [2, 0, 7]
    assert STEP_BACK not in triggers.evaluate(h.tables, UTC, now).send


def test_weeks_are_named_by_their_local_monday() -> None:
    sunday_night = datetime(2027, 1, 3, 23, 30, tzinfo=BERLIN)
    assert triggers.week_of(sunday_night, BERLIN) == date(2026, 12, 28)
    assert triggers.week_of(sunday_night.astimezone(UTC), BERLIN) == date(2026, 12, 28)
    assert triggers.last_whole_week(datetime(2027, 1, 4, 0, 5, tzinfo=BERLIN), BERLIN) == date(
        2026, 12, 28
    )


def test_a_week_runs_from_its_mondays_local_midnight_to_the_next() -> None:
    from halfway.core import weeks

    monday = date(2026, 10, 19)  # the week the clocks go back in Berlin (Sun 25 Oct)
    assert weeks.week_start(monday, BERLIN) == datetime(2026, 10, 18, 22, 0, tzinfo=UTC)
    assert weeks.week_end(monday, BERLIN) == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)
    last_minute = weeks.week_end(monday, BERLIN) - timedelta(minutes=1)
    assert weeks.week_of(last_minute, BERLIN) == monday
    assert weeks.week_of(weeks.week_end(monday, BERLIN), BERLIN) == monday + timedelta(weeks=1)
