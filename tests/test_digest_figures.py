"""The digest's figures from constructed histories, with exact expected values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from halfway import digest

from .digest_history import History

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)  # a Wednesday in 2026-W50
BERLIN = ZoneInfo("Europe/Berlin")


def a_week_with_movement() -> History:
    """2026-W48 is Monday 23 to Sunday 29 November."""
    h = History()
    h.nudge("clarity_ask", "2026-11-23 17:00")  # sent, not answered
    h.answer("gesture_log", "2026-11-24 20:00", "tea in the morning", "2026-11-24 20:05")
    h.answer("boundary", "2026-11-25 09:00", "held")
    h.answer("self_regulation", "2026-11-28 18:00", "ready")
    h.answer("talk_reflection", "2026-11-28 21:00", "agreed_time")
    h.answer("pattern_review", "2026-11-29 18:00", "acknowledged")
    h.answer("gesture_log", "2026-11-27 20:00", "later")  # "later" is no answer
    h.nudge("gesture_log", "2026-11-26 20:00", reminder_of="d_000001")  # a reminder: not counted
    h.nudge("digest", "2026-11-23 08:00", nudge_id="digest:2026-W47")  # halfway's own
    h.gap("missed", "2026-11-26 09:00", 3)
    h.gap("skipped", "2026-11-27 09:00", 1)
    h.log("initiation", "2026-11-23 19:00")
    h.log("initiation", "2026-11-26 19:00", by="me")
    h.log("initiation", "2026-11-27 19:00", by="partner")
    h.log("gesture", "2026-11-26 08:00", "a note on the fridge", by="partner")
    h.ask("Twenty minutes on Saturday?", "2026-11-23 17:10", ("agreed", "2026-11-28 21:05"))
    h.ask("A walk together?", "2026-11-10 17:00")  # still open, carried forward
    h.ask("Dinner out?", "2026-11-02 17:00", ("followed_up", "2026-11-05 10:00"))  # closed
    h.boundary("my evenings", ("held", "2026-11-25 09:01"), ("strained", "2026-11-29 10:00"))
    # the week before, W47: one initiation each way, one gesture, one answered check-in
    h.log("initiation", "2026-11-18 19:00")
    h.log("gesture", "2026-11-19 08:00", "held my hand")
    h.answer("pattern_review", "2026-11-22 18:00", "none")
    return h


def test_a_week_with_movement_counts_what_i_did_and_what_moved() -> None:
    d = digest.build(a_week_with_movement().tables, "2026-W48", BERLIN, NOW)
    assert (d.week, d.monday, d.sunday) == ("2026-W48", date(2026, 11, 23), date(2026, 11, 29))
    assert (d.sent, d.answered, d.self_regulation, d.asks_made) == (7, 5, 1, 1)
    assert dict(d.boundaries) == {"held": 1, "strained": 1, "crossed": 0}
    assert (d.my_initiations, d.partner_initiations) == (2, 1)
    assert dict(d.movement) == {"agreed_time": 1, "acknowledged": 1, "small_change": 0, "none": 0}
    assert d.moved == 2
    assert dict(d.asks_answered) == {"agreed": 1, "declined": 0, "no_answer": 0}
    assert [(g.day, g.text, g.by) for g in d.gestures] == [
        (date(2026, 11, 24), "tea in the morning", None),
        (date(2026, 11, 26), "a note on the fridge", "partner"),
    ]
    assert (d.missed, d.skipped) == (3, 1)
    assert [(a.text, a.state, a.since) for a in d.open_asks] == [
        ("A walk together?", "made", date(2026, 11, 10)),
        ("Twenty minutes on Saturday?", "agreed", date(2026, 11, 23)),
    ]
    assert d.empty is False


def test_the_trend_the_balance_and_last_week_compared() -> None:
    d = digest.build(a_week_with_movement().tables, "2026-W48", BERLIN, NOW)
    assert [w.week for w in d.trend] == [f"2026-W{n}" for n in range(41, 49)]
    # their side: this week the partner's initiation, their gesture, two movement answers
    assert [(w.movement, w.theirs, w.mine) for w in d.trend[-2:]] == [(0, 0, 1), (2, 4, 2)]
    # theirs 4·1 + 0·2^(-1/4); all 6·1 + 1·2^(-1/4) = 6.8409 → 58 %
    assert d.balance == 58
    assert d.balance_before == 0
    assert [(c.name, c.now, c.before, c.direction) for c in d.compared] == [
        ("movement", 2, 0, "up"),
        ("their side", 4, 0, "up"),
        ("my reaching out", 2, 1, "up"),
        ("check-ins answered", 5, 1, "up"),
        ("gestures noticed", 2, 1, "up"),
    ]


def test_a_week_without_movement_is_named_gently_as_none() -> None:
    h = History()
    h.answer("talk_reflection", "2026-11-28 21:00", "avoided")
    h.answer("pattern_review", "2026-11-29 18:00", "none")
    h.log("initiation", "2026-11-24 19:00")
    d = digest.build(h.tables, "2026-W48", BERLIN, NOW)
    assert dict(d.movement) == {"agreed_time": 0, "acknowledged": 0, "small_change": 0, "none": 2}
    assert (d.moved, d.partner_initiations, d.my_initiations) == (0, 0, 1)
    assert d.balance == 0
    assert d.empty is False


def test_an_empty_week_is_flagged_not_an_error() -> None:
    h = History()
    h.nudge("gesture_log", "2026-11-24 20:00")  # sent, nothing answered
    h.log("initiation", "2026-11-18 19:00", by="partner")  # the week before
    d = digest.build(h.tables, "2026-W48", BERLIN, NOW)
    assert d.empty is True
    assert (d.sent, d.answered, d.gestures, d.moved) == (1, 0, (), 0)
    assert d.balance == 100  # the week before still counts: all of it was their side
    assert d.care_notes == ()


def test_nothing_at_all_gives_an_empty_week_with_no_balance() -> None:
    d = digest.build(History().tables, "2026-W48", BERLIN, NOW)
    assert d.empty is True
    assert d.balance is None
    assert len(d.trend) == 8


def test_a_week_across_the_autumn_clock_change_keeps_local_midnights() -> None:
    # 2026-W43 ends on Sunday 25 October, the night clocks go back (03:00 CEST → 02:00 CET)
    h = History()
    h.log("gesture", "2026-10-19 00:00", "first minute of the week")  # 18 Oct 22:00 UTC
    h.log("gesture", "2026-10-25 23:30", "last half hour, in winter time")  # 22:30 UTC
    h.log("gesture", "2026-10-26 00:00", "next week")  # 25 Oct 23:00 UTC
    h.log("gesture", "2026-10-18 23:59", "the week before")
    d = digest.build(h.tables, "2026-W43", BERLIN, NOW)
    assert [(g.day, g.text) for g in d.gestures] == [
        (date(2026, 10, 19), "first minute of the week"),
        (date(2026, 10, 25), "last half hour, in winter time"),
    ]


def test_gestures_on_the_boundary_between_two_weeks_go_to_their_own_week() -> None:
    h = History()
    h.log("gesture", "2026-11-29 23:59", "late Sunday")
    h.log("gesture", "2026-11-30 00:00", "early Monday")
    # the evening check-in of Sunday, answered after midnight, stays with Sunday
    h.answer("gesture_log", "2026-11-29 20:00", "a hug", received="2026-11-30 00:20")
    w48 = digest.build(h.tables, "2026-W48", BERLIN, NOW)
    w49 = digest.build(h.tables, "2026-W49", BERLIN, NOW)
    assert [g.text for g in w48.gestures] == ["a hug", "late Sunday"]
    assert [(g.day, g.text) for g in w49.gestures] == [(date(2026, 11, 30), "early Monday")]


@pytest.mark.parametrize(
    ("zone", "late_sunday_utc", "monday_utc"),
    [
        # UTC+14: local Monday begins at 10:00 UTC on Sunday
        ("Pacific/Kiritimati", "2026-11-29T09:59:00+00:00", "2026-11-29T10:00:00+00:00"),
        # UTC+13 in summer time
        ("Pacific/Auckland", "2026-11-29T10:59:00+00:00", "2026-11-29T11:00:00+00:00"),
    ],
)
def test_a_zone_far_from_utc_cuts_weeks_at_its_own_midnight(
    zone: str, late_sunday_utc: str, monday_utc: str
) -> None:
    h = History(zone)
    for text, instant in (("late Sunday", late_sunday_utc), ("Monday", monday_utc)):
        h.tables["entries"].append({"id": text, "kind": "gesture", "text": text, "at": instant})
    tz = ZoneInfo(zone)
    assert [g.text for g in digest.build(h.tables, "2026-W48", tz, NOW).gestures] == ["late Sunday"]
    assert [g.text for g in digest.build(h.tables, "2026-W49", tz, NOW).gestures] == ["Monday"]


def test_three_still_weeks_bring_the_boundaries_note_once() -> None:
    h = History()
    for monday in ("2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"):
        h.answer("pattern_review", f"{monday} 18:00", "none")
    assert digest.build(h.tables, "2026-W47", BERLIN, NOW).care_notes == ()
    assert digest.build(h.tables, "2026-W48", BERLIN, NOW).care_notes == ("revisit_boundaries",)
    assert digest.build(h.tables, "2026-W49", BERLIN, NOW).care_notes == ()


@pytest.mark.parametrize(
    ("week", "problem"),
    [
        ("2026-W99", "2026-W99: 2026 has no week 99"),
        ("2025-W53", "2025-W53: 2025 has no week 53"),
        ("2026-W51", "2026-W51 has not begun yet"),
        ("last week", "'last week' is not a week like 2026-W48"),
    ],
)
def test_an_impossible_or_future_week_is_one_line(week: str, problem: str) -> None:
    with pytest.raises(ValueError, match=f"^{problem}$"):
        digest.build({}, week, BERLIN, NOW)


def test_the_current_week_so_far_and_a_53rd_week_are_fine() -> None:
    assert digest.build({}, "2026-W50", BERLIN, NOW).monday == date(2026, 12, 7)
    assert digest.build({}, "2020-W53", BERLIN, NOW).monday == date(2020, 12, 28)
    assert digest.last_complete_week(NOW, BERLIN) == "2026-W49"
