"""The digest's figures from constructed histories, with exact expected values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from halfway.care import triggers
from halfway.digest import figures

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
    d = figures.build(a_week_with_movement().tables, "2026-W48", BERLIN, NOW)
    assert (d.week, d.monday, d.sunday) == ("2026-W48", date(2026, 11, 23), date(2026, 11, 29))
    assert (d.sent, d.self_regulation, d.asks_said) == (7, 1, 1)
    assert [(b.text, b.value) for b in d.boundaries] == [
        ("my evenings", "held"),
        ("my evenings", "strained"),
    ]
    assert (d.my_initiations, d.partner_initiations) == (2, 1)
    assert dict(d.movement) == {"agreed_time": 1, "acknowledged": 1, "small_change": 0, "none": 0}
    # two movement answers, and the ask they agreed to
    assert (d.asks_agreed, d.partner_talks, d.moved) == (1, 0, 3)
    assert [(g.day, g.text, g.by) for g in d.gestures] == [
        (date(2026, 11, 24), "tea in the morning", None),
        (date(2026, 11, 26), "a note on the fridge", "partner"),
    ]
    assert d.latest_ask == figures.LatestAsk(
        "Twenty minutes on Saturday?", "agreed", date(2026, 11, 23)
    )
    assert d.resting_asks == 0
    assert (d.empty, d.mark) == (False, "movement")
    # no score is kept: nothing of the old balance, comparison or missed counts is left
    for gone in ("balance", "compared", "missed", "skipped", "answered", "open_asks"):
        assert not hasattr(d, gone), gone


def test_the_strip_marks_each_week_by_what_was_written_down() -> None:
    """One constructed history, a week of each kind, with the exact strip expected."""
    h = History()
    # W41 (5 Oct): nothing at all — nothing written down
    # W42 (12 Oct): only gestures — small moments noticed
    h.answer("gesture_log", "2026-10-13 20:00", "he made tea")
    h.answer("gesture_log", "2026-10-14 20:00", "none")  # "none today" is no gesture
    h.log("gesture", "2026-10-15 08:00", "a kind text")
    # W43 (19 Oct): an ask the partner agreed to — movement
    h.ask("A walk on Sunday?", "2026-10-12 18:00", ("agreed", "2026-10-20 19:00"))
    # W44 (26 Oct): only hurt entries by the partner — written down, nothing counted
    h.log("hurt", "2026-10-27 22:00", "shouted at me about money", by="partner")
    h.log("hurt", "2026-10-29 22:00", "read my messages", by="partner")
    # W45 (2 Nov): a boundary and a note by the partner — never their effort
    h.log("boundary", "2026-11-03 09:00", "phone checked again", by="partner")
    h.log("note", "2026-11-04 09:00", "a long day", by="partner")
    # W46 (9 Nov): the partner reached out — a small moment, not movement
    h.log("initiation", "2026-11-10 19:00", by="partner")
    # W47 (16 Nov): a review answer of movement, with gestures too — movement
    h.answer("pattern_review", "2026-11-22 18:00", "small_change")
    h.log("gesture", "2026-11-19 08:00", "held my hand")
    # W48 (23 Nov): an empty week — nothing written down (a check-in came by, unanswered)
    h.nudge("gesture_log", "2026-11-24 20:00")
    d = figures.build(h.tables, "2026-W48", BERLIN, NOW)
    assert [(w.monday, w.mark) for w in d.strip] == [
        (date(2026, 10, 5), "nothing"),
        (date(2026, 10, 12), "moments"),
        (date(2026, 10, 19), "movement"),
        (date(2026, 10, 26), "no_movement"),
        (date(2026, 11, 2), "no_movement"),
        (date(2026, 11, 9), "moments"),
        (date(2026, 11, 16), "movement"),
        (date(2026, 11, 23), "nothing"),
    ]
    assert d.moved_weeks == 2
    assert (d.empty, d.sent) == (True, 1)


def test_hurt_by_the_partner_is_shown_and_never_counted_as_effort() -> None:
    """A week with only `hurt` entries by the partner: no movement, no small moments.
    Its mark is "no movement noted", not "nothing written down": the person did write
    something down, and the strip must not erase it."""
    h = History()
    h.log("hurt", "2026-11-24 22:00", "he mocked me in front of friends", by="partner")
    h.log("hurt", "2026-11-26 22:00", "she took my keys", by="partner")
    d = figures.build(h.tables, "2026-W48", BERLIN, NOW)
    assert (d.moved, d.partner_initiations, d.gestures) == (0, 0, ())
    assert [(x.day, x.text) for x in d.hurt] == [
        (date(2026, 11, 24), "he mocked me in front of friends"),
        (date(2026, 11, 26), "she took my keys"),
    ]
    assert (d.mark, d.empty, d.moved_weeks) == ("no_movement", False, 0)
    week = triggers.weeks(h.tables, BERLIN, date(2026, 11, 23), count=1)[date(2026, 11, 23)]
    assert (week.movement, week.moments, week.still) == (0, 0, True)


def test_a_week_with_only_gestures_is_small_moments_never_still() -> None:
    h = History()
    h.answer("gesture_log", "2026-11-24 20:00", "tea brought to my desk")
    h.log("gesture", "2026-11-26 08:00", "a note on the fridge", by="partner")
    d = figures.build(h.tables, "2026-W48", BERLIN, NOW)
    assert (d.mark, d.moved, len(d.gestures), d.moved_weeks) == ("moments", 0, 2, 0)
    week = triggers.weeks(h.tables, BERLIN, date(2026, 11, 23), count=1)[date(2026, 11, 23)]
    assert (week.moments, week.still) == (2, False)


def test_a_week_with_an_agreed_ask_is_movement() -> None:
    h = History()
    h.ask("Twenty minutes on Saturday?", "2026-11-16 17:00", ("agreed", "2026-11-25 21:00"))
    d = figures.build(h.tables, "2026-W48", BERLIN, NOW)
    assert (d.mark, d.moved, d.asks_agreed, d.moved_weeks) == ("movement", 1, 1, 1)
    assert d.asks_said == 0  # said the week before
    assert [w.mark for w in d.strip[-2:]] == ["no_movement", "movement"]


def test_a_talk_the_partner_began_is_movement() -> None:
    h = History()
    h.tables["talks"].append(
        {
            "id": "t_1",
            "at": h.at("2026-11-28 19:00"),
            "topic": "the holidays",
            "state": "planned",
            "by": "partner",
            "created_at": h.at("2026-11-24 12:00"),
            "history": [],
        }
    )
    d = figures.build(h.tables, "2026-W48", BERLIN, NOW)
    assert (d.partner_talks, d.moved, d.mark) == (1, 1, "movement")


def test_the_latest_ask_and_how_many_earlier_ones_rest() -> None:
    h = History()
    h.ask("Dinner out?", "2026-09-01 17:00", ("declined", "2026-09-05 10:00"))
    h.ask("A walk?", "2026-09-20 17:00", ("resting", "2026-10-11 10:00"))
    h.ask("Call my mum together?", "2026-10-01 17:00", ("resting", "2026-10-22 10:00"))
    h.ask("Twenty minutes on Saturday?", "2026-11-25 17:00")
    h.tables["asks"].append(
        {
            "id": "a_draft",
            "text": "Only written down",
            "state": "draft",
            "at": h.at("2026-11-27 17:00"),
            "history": [{"state": "draft", "at": h.at("2026-11-27 17:00")}],
        }
    )
    d = figures.build(h.tables, "2026-W48", BERLIN, NOW)
    assert d.latest_ask == figures.LatestAsk(
        "Twenty minutes on Saturday?", "made", date(2026, 11, 25)
    )
    assert d.resting_asks == 2  # the declined one is not listed, nor counted
    assert d.asks_said == 1  # the draft is not an ask said


def test_the_energy_scale_is_the_persons_own_trend() -> None:
    h = History()
    for monday, scale in (("2026-11-08", 4), ("2026-11-15", 3), ("2026-11-29", 2)):
        reply = h.answer("pattern_review", f"{monday} 18:00", "none")
        reply["scale"] = scale
    d = figures.build(h.tables, "2026-W48", BERLIN, NOW)
    assert [w.energy for w in d.strip] == [None, None, None, None, 4, 3, None, 2]  # Sundays
    assert d.energy == 2


def test_a_week_without_movement_is_named_gently_as_none() -> None:
    h = History()
    h.answer("talk_reflection", "2026-11-28 21:00", "avoided")
    h.answer("pattern_review", "2026-11-29 18:00", "none")
    h.log("initiation", "2026-11-24 19:00")
    d = figures.build(h.tables, "2026-W48", BERLIN, NOW)
    assert dict(d.movement) == {"agreed_time": 0, "acknowledged": 0, "small_change": 0, "none": 2}
    assert (d.moved, d.partner_initiations, d.my_initiations) == (0, 0, 1)
    assert (d.mark, d.empty) == ("no_movement", False)


def test_nothing_at_all_gives_an_empty_week() -> None:
    d = figures.build(History().tables, "2026-W48", BERLIN, NOW)
    assert d.empty is True
    assert [w.mark for w in d.strip] == ["nothing"] * 8
    assert (d.moved_weeks, d.latest_ask, d.care_notes) == (0, None, ())


def test_a_week_across_the_autumn_clock_change_keeps_local_midnights() -> None:
    # 2026-W43 ends on Sunday 25 October, the night clocks go back (03:00 CEST → 02:00 CET)
    h = History()
    h.log("gesture", "2026-10-19 00:00", "first minute of the week")  # 18 Oct 22:00 UTC
    h.log("gesture", "2026-10-25 23:30", "last half hour, in winter time")  # 22:30 UTC
    h.log("gesture", "2026-10-26 00:00", "next week")  # 25 Oct 23:00 UTC
    h.log("gesture", "2026-10-18 23:59", "the week before")
    d = figures.build(h.tables, "2026-W43", BERLIN, NOW)
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
    w48 = figures.build(h.tables, "2026-W48", BERLIN, NOW)
    w49 = figures.build(h.tables, "2026-W49", BERLIN, NOW)
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
    assert [g.text for g in figures.build(h.tables, "2026-W48", tz, NOW).gestures] == [
        "late Sunday"
    ]
    assert [g.text for g in figures.build(h.tables, "2026-W49", tz, NOW).gestures] == ["Monday"]


def test_the_digest_says_the_care_notes_it_is_given_in_their_order() -> None:
    d = figures.build({}, "2026-W48", BERLIN, NOW, care_notes=["counsellor", "step_back"])
    assert d.care_notes == ("step_back", "counsellor")


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
        figures.build({}, week, BERLIN, NOW)


def test_the_current_week_so_far_and_a_53rd_week_are_fine() -> None:
    assert figures.build({}, "2026-W50", BERLIN, NOW).monday == date(2026, 12, 7)
    assert figures.build({}, "2020-W53", BERLIN, NOW).monday == date(2020, 12, 28)
    assert figures.last_complete_week(NOW, BERLIN) == "2026-W49"
