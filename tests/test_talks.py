"""Planned talks: the chain a talk plans (with clocks passed in), its steps' identities,
and the talk record's life."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from halfway.talks.rules import (
    CANCELLED,
    CLARITY_ASK,
    DEFAULT_CHAIN,
    DONE,
    LEFT_OUT,
    MOVED,
    PLANNED,
    REFRAME,
    SELF_REGULATION,
    SEND_LATER,
    SEND_NOW,
    TALK_REFLECTION,
    ChainStep,
    NotBegun,
    Step,
    Talk,
    TalkError,
    cancelled,
    done,
    moved,
    new_talk,
    plan_chain,
    step_id,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
WEDNESDAY = datetime(2026, 12, 2, 12, 0, tzinfo=BERLIN)
SATURDAY_EVENING = datetime(2026, 12, 5, 19, 0, tzinfo=BERLIN)


def local(text: str, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def by_kind(steps: list[Step]) -> dict[str, Step]:
    return {step.kind: step for step in steps}


def clocks(steps: list[Step], zone: ZoneInfo = BERLIN) -> dict[str, str]:
    return {step.kind: step.due_at.astimezone(zone).strftime("%a %d %b %H:%M %Z") for step in steps}


def decisions(steps: list[Step]) -> dict[str, str]:
    return {step.kind: step.decision for step in steps}


# planning the chain ------------------------------------------------------------------


def test_a_talk_days_ahead_plans_every_step_at_its_default_time() -> None:
    steps = plan_chain(SATURDAY_EVENING, WEDNESDAY, BERLIN)
    assert [step.kind for step in steps] == [CLARITY_ASK, REFRAME, SELF_REGULATION, TALK_REFLECTION]
    assert clocks(steps) == {
        CLARITY_ASK: "Fri 04 Dec 19:00 CET",
        REFRAME: "Fri 04 Dec 19:30 CET",
        SELF_REGULATION: "Sat 05 Dec 18:00 CET",
        TALK_REFLECTION: "Sat 05 Dec 21:00 CET",
    }
    assert all(step.decision == SEND_LATER and step.reason is None for step in steps)
    assert all(step.due_at.tzinfo is UTC for step in steps)


def test_a_talk_in_30_minutes_leaves_out_the_evening_steps_and_grounds_at_once() -> None:
    now = SATURDAY_EVENING - timedelta(minutes=30)
    steps = by_kind(plan_chain(SATURDAY_EVENING, now, BERLIN))
    assert decisions(list(steps.values())) == {
        CLARITY_ASK: LEFT_OUT,
        REFRAME: LEFT_OUT,
        SELF_REGULATION: SEND_NOW,
        TALK_REFLECTION: SEND_LATER,
    }
    assert steps[CLARITY_ASK].reason == (
        "the talk is less than 2 hours away, too close for this one"
    )
    assert steps[TALK_REFLECTION].due_at == local("2026-12-05 21:00")


def test_a_talk_in_90_minutes_plans_the_grounding_an_hour_before() -> None:
    now = SATURDAY_EVENING - timedelta(minutes=90)
    steps = plan_chain(SATURDAY_EVENING, now, BERLIN)
    assert decisions(steps) == {
        CLARITY_ASK: LEFT_OUT,
        REFRAME: LEFT_OUT,
        SELF_REGULATION: SEND_LATER,
        TALK_REFLECTION: SEND_LATER,
    }


def test_a_talk_planned_late_the_evening_before_sends_the_evening_steps_at_once() -> None:
    talk = local("2026-12-05 10:00")
    steps = plan_chain(talk, local("2026-12-04 19:45"), BERLIN)
    assert decisions(steps) == {
        CLARITY_ASK: SEND_NOW,
        REFRAME: SEND_NOW,
        SELF_REGULATION: SEND_LATER,
        TALK_REFLECTION: SEND_LATER,
    }


def test_a_missed_step_is_still_sent_exactly_at_its_last_useful_moment() -> None:
    steps = by_kind(plan_chain(SATURDAY_EVENING, SATURDAY_EVENING - timedelta(hours=2), BERLIN))
    assert steps[CLARITY_ASK].decision == SEND_NOW
    steps = by_kind(plan_chain(SATURDAY_EVENING, SATURDAY_EVENING - timedelta(minutes=1), BERLIN))
    assert steps[SELF_REGULATION].decision == SEND_NOW


def test_once_the_talk_has_begun_the_steps_before_it_are_left_out() -> None:
    steps = by_kind(plan_chain(SATURDAY_EVENING, SATURDAY_EVENING, BERLIN))
    assert steps[SELF_REGULATION].decision == LEFT_OUT
    assert steps[SELF_REGULATION].reason == "the talk has already begun"
    assert steps[CLARITY_ASK].reason == "the talk has already begun"
    assert steps[TALK_REFLECTION].decision == SEND_LATER


def test_a_reflection_whose_time_has_passed_is_left_out() -> None:
    now = SATURDAY_EVENING + timedelta(hours=3)
    steps = by_kind(plan_chain(SATURDAY_EVENING, now, BERLIN))
    assert steps[TALK_REFLECTION].decision == LEFT_OUT
    assert steps[TALK_REFLECTION].reason == "its time has already passed"


@pytest.mark.parametrize(
    ("zone", "talk", "now", "expected"),
    [
        # Berlin's spring change is in the night to Sunday 29 March 2026.
        (
            BERLIN,
            "2026-03-29 19:00",
            "2026-03-25 12:00",
            {
                CLARITY_ASK: "Sat 28 Mar 19:00 CET",
                REFRAME: "Sat 28 Mar 19:30 CET",
                SELF_REGULATION: "Sun 29 Mar 18:00 CEST",
                TALK_REFLECTION: "Sun 29 Mar 21:00 CEST",
            },
        ),
        # ... and its autumn change in the night to Sunday 25 October 2026.
        (
            BERLIN,
            "2026-10-25 19:00",
            "2026-10-20 12:00",
            {
                CLARITY_ASK: "Sat 24 Oct 19:00 CEST",
                REFRAME: "Sat 24 Oct 19:30 CEST",
                SELF_REGULATION: "Sun 25 Oct 18:00 CET",
                TALK_REFLECTION: "Sun 25 Oct 21:00 CET",
            },
        ),
        # The evening before is the day of the change itself.
        (
            BERLIN,
            "2026-03-30 19:00",
            "2026-03-25 12:00",
            {
                CLARITY_ASK: "Sun 29 Mar 19:00 CEST",
                REFRAME: "Sun 29 Mar 19:30 CEST",
                SELF_REGULATION: "Mon 30 Mar 18:00 CEST",
                TALK_REFLECTION: "Mon 30 Mar 21:00 CEST",
            },
        ),
        (
            NEW_YORK,
            "2026-11-01 19:00",
            "2026-10-28 12:00",
            {
                CLARITY_ASK: "Sat 31 Oct 19:00 EDT",
                REFRAME: "Sat 31 Oct 19:30 EDT",
                SELF_REGULATION: "Sun 01 Nov 18:00 EST",
                TALK_REFLECTION: "Sun 01 Nov 21:00 EST",
            },
        ),
        (
            NEW_YORK,
            "2026-03-08 19:00",
            "2026-03-01 12:00",
            {
                CLARITY_ASK: "Sat 07 Mar 19:00 EST",
                REFRAME: "Sat 07 Mar 19:30 EST",
                SELF_REGULATION: "Sun 08 Mar 18:00 EDT",
                TALK_REFLECTION: "Sun 08 Mar 21:00 EDT",
            },
        ),
    ],
)
def test_the_evening_before_stays_at_its_wall_time_across_a_change(
    zone: ZoneInfo, talk: str, now: str, expected: dict[str, str]
) -> None:
    steps = plan_chain(local(talk, zone), local(now, zone), zone)
    assert clocks(steps, zone) == expected


def test_offsets_are_elapsed_time_across_the_gap() -> None:
    # 03:30 on the morning the clocks went forward: an hour before is 01:30 winter time.
    talk = local("2026-03-29 03:30")
    steps = by_kind(plan_chain(talk, local("2026-03-28 12:00"), BERLIN))
    assert steps[SELF_REGULATION].due_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert steps[TALK_REFLECTION].due_at == datetime(2026, 3, 29, 3, 30, tzinfo=UTC)


def test_offsets_are_elapsed_time_across_the_repeat() -> None:
    # 03:00 winter time, just after the repeated hour: an hour before is the second 02:00.
    talk = datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    assert talk.astimezone(BERLIN).strftime("%H:%M %Z") == "03:00 CET"
    steps = by_kind(plan_chain(talk, datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN), BERLIN))
    assert steps[SELF_REGULATION].due_at == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert steps[SELF_REGULATION].decision == SEND_NOW  # 02:30 CET is after 02:00 CET


def test_an_evening_step_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    night = [ChainStep.evening_before("custom", time(2, 30))]
    steps = plan_chain(local("2026-03-30 19:00"), local("2026-03-25 12:00"), BERLIN, night)
    assert clocks(steps) == {"custom": "Sun 29 Mar 03:30 CEST"}


def test_an_evening_step_in_the_repeated_hour_is_its_first_occurrence() -> None:
    night = [ChainStep.evening_before("custom", time(2, 30))]
    steps = plan_chain(local("2026-10-26 19:00"), local("2026-10-20 12:00"), BERLIN, night)
    assert clocks(steps) == {"custom": "Sun 25 Oct 02:30 CEST"}


def test_the_chain_takes_its_own_offsets() -> None:
    chain = [
        ChainStep.evening_before(CLARITY_ASK, time(20, 15)),
        ChainStep.before(SELF_REGULATION, timedelta(minutes=30)),
        ChainStep.after(TALK_REFLECTION, timedelta(hours=1)),
    ]
    assert clocks(plan_chain(SATURDAY_EVENING, WEDNESDAY, BERLIN, chain)) == {
        CLARITY_ASK: "Fri 04 Dec 20:15 CET",
        SELF_REGULATION: "Sat 05 Dec 18:30 CET",
        TALK_REFLECTION: "Sat 05 Dec 20:00 CET",
    }


def test_planning_needs_aware_times() -> None:
    with pytest.raises(ValueError, match="aware"):
        plan_chain(datetime(2026, 12, 5, 19, 0), WEDNESDAY, BERLIN)


def test_the_chain_may_be_empty() -> None:
    assert plan_chain(SATURDAY_EVENING, WEDNESDAY, BERLIN, []) == []


def test_a_chain_names_each_kind_once() -> None:
    twice = [*DEFAULT_CHAIN, ChainStep.before(SELF_REGULATION, timedelta(minutes=10))]
    with pytest.raises(ValueError, match="each kind once"):
        plan_chain(SATURDAY_EVENING, WEDNESDAY, BERLIN, twice)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ChainStep("custom"),
        lambda: ChainStep("custom", offset=timedelta(0), evening_before_at=time(19)),
        lambda: ChainStep("", offset=timedelta(0)),
        lambda: ChainStep("a:b", offset=timedelta(0)),
        lambda: ChainStep.before("custom", timedelta(hours=1), latest_before=timedelta(-1)),
        lambda: ChainStep.before("custom", timedelta(hours=-1)),
        lambda: ChainStep.after("custom", timedelta(hours=-1)),
    ],
)
def test_a_step_needs_one_kind_of_time_and_a_plain_kind(make: object) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own words
        make()  # type: ignore[operator]


# identities ----------------------------------------------------------------------------


def test_a_step_id_is_stable() -> None:
    assert step_id("t_1a2b3c", CLARITY_ASK) == "talk:t_1a2b3c:clarity_ask"


@pytest.mark.parametrize(("talk_id", "kind"), [("", "reframe"), ("t:1", "reframe"), ("t_1", "")])
def test_a_step_id_refuses_an_empty_part_or_a_colon(talk_id: str, kind: str) -> None:
    with pytest.raises(ValueError, match="cannot name"):
        step_id(talk_id, kind)


# the talk record ---------------------------------------------------------------------


def a_talk() -> Talk:
    return new_talk("t_1", SATURDAY_EVENING, "  weekend\ttime  ", WEDNESDAY)


def test_a_new_talk_is_planned_with_its_time_in_utc() -> None:
    assert a_talk() == {
        "id": "t_1",
        "at": "2026-12-05T18:00:00+00:00",
        "topic": "weekend time",
        "state": PLANNED,
        "history": [{"state": PLANNED, "at": "2026-12-02T11:00:00+00:00"}],
        "created_at": "2026-12-02T11:00:00+00:00",
    }


@pytest.mark.parametrize("topic", [None, "", "   "])
def test_a_talk_may_have_no_topic(topic: str | None) -> None:
    assert new_talk("t_1", SATURDAY_EVENING, topic, WEDNESDAY)["topic"] is None


def test_a_topic_is_bounded() -> None:
    with pytest.raises(TalkError, match="at most 200 characters"):
        new_talk("t_1", SATURDAY_EVENING, "x" * 201, WEDNESDAY)


@pytest.mark.parametrize(
    "when",
    [
        WEDNESDAY,
        WEDNESDAY - timedelta(minutes=1),
        # The first 02:50 of the repeated hour is before the second 02:45.
        datetime(2026, 10, 25, 2, 50, tzinfo=BERLIN),
    ],
)
def test_a_talk_cannot_be_planned_in_the_past(when: datetime) -> None:
    now = WEDNESDAY if when.month == 12 else datetime(2026, 10, 25, 2, 45, fold=1, tzinfo=BERLIN)
    with pytest.raises(TalkError, match=r"^that time has already passed$"):
        new_talk("t_1", when, None, now)


def test_a_talk_time_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        new_talk("t_1", datetime(2026, 12, 5, 19, 0), None, WEDNESDAY)


def test_moving_a_talk_keeps_it_planned_and_remembers_the_move() -> None:
    talk = a_talk()
    later = moved(talk, SATURDAY_EVENING + timedelta(days=1), WEDNESDAY + timedelta(hours=1))
    assert later["at"] == "2026-12-06T18:00:00+00:00"
    assert later["state"] == PLANNED
    assert later["history"][-1] == {
        "state": MOVED,
        "at": "2026-12-02T12:00:00+00:00",
        "from": "2026-12-05T18:00:00+00:00",
        "to": "2026-12-06T18:00:00+00:00",
    }
    assert talk["at"] == "2026-12-05T18:00:00+00:00"  # the old record is untouched
    assert len(talk["history"]) == 1


def test_each_move_is_kept() -> None:
    talk = moved(a_talk(), SATURDAY_EVENING + timedelta(days=1), WEDNESDAY)
    talk = moved(talk, SATURDAY_EVENING + timedelta(days=2), WEDNESDAY)
    assert [entry["state"] for entry in talk["history"]] == [PLANNED, MOVED, MOVED]
    assert talk["history"][2]["from"] == "2026-12-06T18:00:00+00:00"


def test_a_talk_cannot_be_moved_into_the_past_or_onto_its_own_time() -> None:
    with pytest.raises(TalkError, match="already passed"):
        moved(a_talk(), WEDNESDAY - timedelta(hours=1), WEDNESDAY)
    with pytest.raises(TalkError, match="already at that time"):
        moved(a_talk(), SATURDAY_EVENING.astimezone(NEW_YORK), WEDNESDAY)


def test_a_talk_can_be_cancelled_or_marked_done() -> None:
    off = cancelled(a_talk(), WEDNESDAY)
    assert off["state"] == CANCELLED
    assert off["history"][-1] == {"state": CANCELLED, "at": "2026-12-02T11:00:00+00:00"}
    held = done(a_talk(), SATURDAY_EVENING + timedelta(hours=1))
    assert held["state"] == DONE
    assert held["history"][-1] == {"state": DONE, "at": "2026-12-05T19:00:00+00:00"}


def test_a_talk_may_be_marked_done_before_its_planned_time() -> None:
    assert done(a_talk(), WEDNESDAY)["state"] == DONE


def test_a_talk_marked_done_before_its_time_must_say_it_was_early() -> None:
    with pytest.raises(NotBegun) as caught:
        done(a_talk(), WEDNESDAY, early=False)
    assert str(caught.value) == "talk t_1 has not begun yet"
    assert caught.value.at == SATURDAY_EVENING
    assert done(a_talk(), SATURDAY_EVENING, early=False)["state"] == DONE  # it has begun
    assert done(a_talk(), WEDNESDAY, early=True)["state"] == DONE


@pytest.mark.parametrize(
    ("change", "state", "message"),
    [
        (
            "move",
            CANCELLED,
            "talk t_1 was cancelled, so it cannot be moved; plan a new one with 'halfway talk add'",
        ),
        (
            "move",
            DONE,
            "talk t_1 has already taken place, so it cannot be moved; plan a new one with 'halfway talk add'",
        ),
        ("cancel", CANCELLED, "talk t_1 is already cancelled"),
        ("cancel", DONE, "talk t_1 has already taken place, so it cannot be cancelled"),
        ("done", DONE, "talk t_1 is already marked done"),
        ("done", CANCELLED, "talk t_1 was cancelled, so it cannot be marked done"),
    ],
)
def test_only_a_planned_talk_changes(change: str, state: str, message: str) -> None:
    talk = cancelled(a_talk(), WEDNESDAY) if state == CANCELLED else done(a_talk(), WEDNESDAY)
    changes = {
        "move": lambda: moved(talk, SATURDAY_EVENING + timedelta(days=1), WEDNESDAY),
        "cancel": lambda: cancelled(talk, WEDNESDAY),
        "done": lambda: done(talk, WEDNESDAY),
    }
    with pytest.raises(TalkError) as caught:
        changes[change]()
    assert str(caught.value) == message
    assert talk["state"] == state


def test_a_talk_in_an_unknown_state_is_refused_calmly() -> None:
    talk: Talk = {**a_talk(), "state": "postponed"}
    with pytest.raises(TalkError, match=r"unknown state \(postponed\)"):
        done(talk, WEDNESDAY)
