"""The weekly jobs' shared skeleton (`core.weeklyjob`), as pure rules: when a check is
due, where its cursor counts from, a check another process made, its pauses."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from halfway.config.models import check_nudge
from halfway.core.instants import format_instant
from halfway.core.weeklyjob import WeeklyJob

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_9 = datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)  # "0 9 * * mon"
JOB = WeeklyJob(check_nudge("digest", "0 9 * * mon", ["phone"]), "digest", BERLIN, None)


def test_a_check_is_due_at_its_time_and_once() -> None:
    begun = {"created_at": format_instant(MONDAY_9 - timedelta(days=1))}
    checked = {**begun, "digest": {"checked": format_instant(MONDAY_9)}}
    fire = JOB.due(begun, MONDAY_9)
    assert fire is not None
    assert fire.scheduled_for == MONDAY_9
    assert JOB.due(begun, MONDAY_9 - timedelta(minutes=1)) is None
    assert JOB.wake(begun, MONDAY_9 - timedelta(minutes=1)) == MONDAY_9
    assert JOB.due(checked, MONDAY_9 + timedelta(hours=1)) is None  # made: the next is a week on
    assert JOB.wake(checked, MONDAY_9) == MONDAY_9 + timedelta(weeks=1)
    assert JOB.made(checked, fire)
    assert not JOB.made(begun, fire)


def test_before_its_first_check_it_counts_from_a_week_back_never_before_the_file() -> None:
    later = MONDAY_9 + timedelta(days=2)
    assert JOB.since({}, later) == later - timedelta(weeks=1)  # Monday's missed check: made now
    assert JOB.due({}, later).scheduled_for == MONDAY_9  # type: ignore[union-attr]
    begun = {
        "created_at": format_instant(MONDAY_9 + timedelta(hours=1))
    }  # begun after it: not owed
    assert JOB.due(begun, later) is None
    assert JOB.wake(begun, later) == MONDAY_9 + timedelta(weeks=1)


def test_missed_checks_are_caught_up_once() -> None:
    weeks_later = MONDAY_9 + timedelta(weeks=3, hours=2)
    checked = {"digest": {"checked": format_instant(MONDAY_9)}}
    fire = JOB.due(checked, weeks_later)
    assert fire is not None
    assert fire.scheduled_for == MONDAY_9 + timedelta(weeks=1)
    after = {"digest": {"checked": format_instant(weeks_later)}}  # that one check, made now
    assert JOB.due(after, weeks_later) is None


def test_paused_by_its_own_id_or_by_everything_and_off_without_a_schedule() -> None:
    fire = JOB.due({}, MONDAY_9)
    assert fire is not None
    span = [{"from": format_instant(MONDAY_9 - timedelta(days=1)), "until": None}]
    assert JOB.paused([{"id": "digest", "pauses": span}], fire)
    assert JOB.paused([{"id": "*", "pauses": span}], fire)
    assert not JOB.paused([{"id": "care", "pauses": span}], fire)
    off = WeeklyJob(None, "digest", BERLIN, None)
    assert off.due({}, MONDAY_9) is None
    assert off.wake({}, MONDAY_9) is None
    assert not off.paused([{"id": "*", "pauses": span}], fire)
