"""Schedule: pure fire-time maths with an explicit `now` (no clock, no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from halfway.config.models import Nudge
from halfway.config.practices import QuietHours
from halfway.core.schedule import clock_text, fires, needs_seconds, next_fire, upcoming

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def nudge(**timing: object) -> Nudge:
    return Nudge(id="n", kind="custom", **timing)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def fire_times(
    n: Nudge, zone: ZoneInfo, after: datetime, count: int, quiet: QuietHours | None = None
) -> list[datetime]:
    return [f.due_at for f in islice(fires(n, zone, quiet, after), count)]


def local_clock(moments: list[datetime], zone: ZoneInfo) -> list[str]:
    return [m.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z") for m in moments]


@pytest.mark.parametrize(
    ("zone", "start", "expected"),
    [
        (
            BERLIN,
            "2026-03-20T12:00",
            ["2026-03-22 18:00 CET", "2026-03-29 18:00 CEST", "2026-04-05 18:00 CEST"],
        ),
        (
            BERLIN,
            "2026-10-16T12:00",
            ["2026-10-18 18:00 CEST", "2026-10-25 18:00 CET", "2026-11-01 18:00 CET"],
        ),
        (
            NEW_YORK,
            "2026-03-02T12:00",
            ["2026-03-08 18:00 EDT", "2026-03-15 18:00 EDT", "2026-03-22 18:00 EDT"],
        ),
        (
            NEW_YORK,
            "2026-10-26T12:00",
            ["2026-11-01 18:00 EST", "2026-11-08 18:00 EST", "2026-11-15 18:00 EST"],
        ),
    ],
)
def test_a_sunday_1800_nudge_stays_at_1800_local_across_daylight_saving(
    zone, start, expected
) -> None:
    times = fire_times(nudge(cron="0 18 * * sun"), zone, utc(start), 3)
    assert local_clock(times, zone) == expected


def test_the_utc_instant_moves_by_an_hour_when_the_clocks_change() -> None:
    before, after = fire_times(nudge(cron="0 18 * * sun"), BERLIN, utc("2026-03-20T12:00"), 2)
    assert before == utc("2026-03-22T17:00")
    assert after == utc("2026-03-29T16:00")


def test_a_time_that_exists_twice_fires_once_on_the_autumn_night_in_berlin() -> None:
    times = fire_times(nudge(cron="30 2 * * *"), BERLIN, utc("2026-10-23T12:00"), 4)
    assert times == [
        utc("2026-10-24T00:30"),  # 02:30 CEST
        utc("2026-10-25T00:30"),  # the first 02:30 (CEST); the second (CET) is skipped
        utc("2026-10-26T01:30"),  # 02:30 CET
        utc("2026-10-27T01:30"),
    ]


def test_asked_during_the_repeated_hour_the_next_fire_is_tomorrow() -> None:
    # 00:45 UTC is 02:45 CEST; 01:10 UTC is the second 02:10 (CET): both past the 02:30 fire.
    for now in (utc("2026-10-25T00:45"), utc("2026-10-25T01:10")):
        fire = next_fire(nudge(cron="30 2 * * *"), BERLIN, None, now)
        assert fire is not None
        assert fire.due_at == utc("2026-10-26T01:30")


def test_a_time_that_does_not_exist_fires_once_on_the_spring_night_in_berlin() -> None:
    times = fire_times(nudge(cron="30 2 * * *"), BERLIN, utc("2026-03-27T12:00"), 3)
    assert times == [
        utc("2026-03-28T01:30"),  # 02:30 CET
        utc("2026-03-29T01:30"),  # 02:30 does not exist: 03:30 CEST, once
        utc("2026-03-30T00:30"),  # 02:30 CEST
    ]


def test_new_york_repeated_and_missing_hours_fire_once() -> None:
    autumn = fire_times(nudge(cron="30 1 * * *"), NEW_YORK, utc("2026-10-31T12:00"), 2)
    assert autumn == [utc("2026-11-01T05:30"), utc("2026-11-02T06:30")]  # 01:30 EDT, then EST
    spring = fire_times(nudge(cron="30 2 * * *"), NEW_YORK, utc("2026-03-07T12:00"), 2)
    assert spring == [utc("2026-03-08T07:30"), utc("2026-03-09T06:30")]  # 03:30 EDT, 02:30 EDT


def test_an_hourly_nudge_fires_once_per_wall_clock_hour_through_the_changes() -> None:
    autumn = fire_times(nudge(cron="0 * * * *"), BERLIN, utc("2026-10-24T21:30"), 5)
    assert local_clock(autumn, BERLIN) == [
        "2026-10-25 00:00 CEST",
        "2026-10-25 01:00 CEST",
        "2026-10-25 02:00 CEST",
        "2026-10-25 03:00 CET",
        "2026-10-25 04:00 CET",
    ]
    spring = fire_times(nudge(cron="0 * * * *"), BERLIN, utc("2026-03-28T22:30"), 4)
    assert local_clock(spring, BERLIN) == [
        "2026-03-29 00:00 CET",
        "2026-03-29 01:00 CET",
        "2026-03-29 03:00 CEST",
        "2026-03-29 04:00 CEST",
    ]
    assert len(set(spring)) == len(spring)


@pytest.mark.parametrize(
    ("weekday", "expected"),
    [("0", "Sun"), ("7", "Sun"), ("sun", "Sun"), ("1", "Mon"), ("6", "Sat")],
)
def test_weekday_numbers_follow_crontab_where_0_and_7_are_sunday(weekday, expected) -> None:
    fire = next_fire(nudge(cron=f"0 9 * * {weekday}"), BERLIN, None, utc("2026-11-25T12:00"))
    assert fire is not None
    assert fire.due_at.astimezone(BERLIN).strftime("%a") == expected


def test_a_weekday_range_covers_monday_to_friday() -> None:
    days = [
        t.astimezone(BERLIN).strftime("%a")
        for t in fire_times(nudge(cron="0 9 * * 1-5"), BERLIN, utc("2026-11-22T12:00"), 6)
    ]
    assert days == ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon"]


def test_every_counts_from_its_anchor() -> None:
    n = nudge(every="3d")
    anchor = utc("2026-11-01T09:15")
    fire = next_fire(n, BERLIN, None, utc("2026-11-05T00:00"), anchor)
    assert fire is not None
    assert fire.scheduled_for == utc("2026-11-07T09:15")
    assert next_fire(n, BERLIN, None, utc("2026-11-07T09:15"), anchor).scheduled_for == utc(
        "2026-11-10T09:15"
    )


def test_every_without_an_anchor_starts_one_interval_from_now() -> None:
    times = fire_times(nudge(every="90s"), BERLIN, utc("2026-11-25T10:00"), 3)
    assert times == [
        utc("2026-11-25T10:01:30"),
        utc("2026-11-25T10:03"),
        utc("2026-11-25T10:04:30"),
    ]


def test_at_fires_once_in_the_configured_zone_unless_it_carries_an_offset() -> None:
    local = nudge(at="2026-12-01T09:00")
    assert fire_times(local, BERLIN, utc("2026-11-25T00:00"), 5) == [utc("2026-12-01T08:00")]
    offset = nudge(at="2026-12-01T09:00-05:00")
    assert fire_times(offset, BERLIN, utc("2026-11-25T00:00"), 5) == [utc("2026-12-01T14:00")]


def test_at_in_the_past_has_no_fire() -> None:
    assert next_fire(nudge(at="2026-01-01T09:00"), BERLIN, None, utc("2026-11-25T00:00")) is None


QUIET = QuietHours(start=time(22, 0), end=time(7, 30))


def test_a_fire_inside_quiet_hours_is_deferred_to_their_end_keeping_its_identity() -> None:
    fire = next_fire(nudge(cron="0 23 * * *"), BERLIN, QUIET, utc("2026-11-25T12:00"))
    assert fire is not None
    assert fire.scheduled_for == utc("2026-11-25T22:00")  # 23:00 CET
    assert fire.due_at == utc("2026-11-26T06:30")  # 07:30 CET the next morning
    assert fire.deferred


def test_an_early_morning_fire_waits_for_the_same_mornings_end() -> None:
    fire = next_fire(nudge(cron="0 6 * * *"), BERLIN, QUIET, utc("2026-11-25T12:00"))
    assert fire.due_at == utc("2026-11-26T06:30")


def test_a_fire_outside_quiet_hours_is_not_moved() -> None:
    fire = next_fire(nudge(cron="0 20 * * *"), BERLIN, QUIET, utc("2026-11-25T12:00"))
    assert fire.due_at == fire.scheduled_for == utc("2026-11-25T19:00")
    assert not fire.deferred


def test_a_fire_at_the_end_of_quiet_hours_is_on_time() -> None:
    fire = next_fire(nudge(cron="30 7 * * *"), BERLIN, QUIET, utc("2026-11-25T12:00"))
    assert fire.due_at == fire.scheduled_for == utc("2026-11-26T06:30")


def test_fires_deferred_by_one_night_coalesce_into_the_latest() -> None:
    hourly = fire_times(nudge(cron="0 * * * *"), BERLIN, utc("2026-11-25T19:30"), 3, QUIET)
    assert local_clock(hourly, BERLIN) == [
        "2026-11-25 21:00 CET",
        "2026-11-26 07:30 CET",
        "2026-11-26 08:00 CET",
    ]
    fire = list(islice(fires(nudge(cron="0 * * * *"), BERLIN, QUIET, utc("2026-11-25T19:30")), 2))[
        1
    ]
    assert fire.scheduled_for == utc("2026-11-26T06:00")  # the 07:00 fire stands for the night


def test_a_same_day_quiet_window_defers_within_the_day() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(13, 0))
    fire = next_fire(nudge(cron="15 12 * * *"), BERLIN, lunch, utc("2026-11-25T08:00"))
    assert fire.due_at == utc("2026-11-25T12:00")  # 13:00 CET


def test_every_with_quiet_hours_coalesces_a_nights_worth_into_one() -> None:
    n = nudge(every="1s")
    fire = next_fire(n, BERLIN, QUIET, utc("2026-11-25T21:00"), utc("2026-11-25T21:00"))
    assert fire.scheduled_for == fire.due_at == utc("2026-11-26T06:30")


def test_upcoming_merges_nudges_in_time_order() -> None:
    a = Nudge(id="a", kind="custom", cron="0 20 * * *")
    b = Nudge(id="b", kind="custom", cron="0 9 * * *")
    found = upcoming([a, b], BERLIN, None, utc("2026-11-25T12:00"), utc("2026-11-27T12:00"))
    assert [(f.nudge_id, f.due_at.astimezone(BERLIN).hour) for f in found] == [
        ("a", 20),
        ("b", 9),
        ("a", 20),
        ("b", 9),
    ]


@freeze_time("2026-11-25T12:00:00Z")
def test_upcoming_command_lists_local_times_from_the_frozen_now(halfway, config_file) -> None:
    path = config_file(
        '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
        '[quiet_hours]\nstart = "19:00"\nend = "19:30"\n'
    ).path
    ran = halfway("upcoming", "--days", "2", "--config", str(path))
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "Wed 2026-11-25 20:00 CET  evening (gesture_log)",
        "Thu 2026-11-26 20:00 CET  evening (gesture_log)",
    ]


def test_a_cron_that_never_matches_has_no_fire() -> None:
    assert next_fire(nudge(cron="0 0 31 2 *"), BERLIN, None, utc("2026-11-25T00:00")) is None


def weekday_dates(moments: list[datetime], zone: ZoneInfo = BERLIN) -> list[str]:
    return [m.astimezone(zone).strftime("%a %d %b %H:%M %Z") for m in moments]


def test_with_both_day_fields_restricted_either_one_matching_fires_as_in_crontab() -> None:
    times = fire_times(nudge(cron="0 9 1 * mon"), BERLIN, utc("2026-11-25T12:00"), 5)
    assert weekday_dates(times) == [
        "Mon 30 Nov 09:00 CET",
        "Tue 01 Dec 09:00 CET",  # the 1st, not a Monday
        "Mon 07 Dec 09:00 CET",
        "Mon 14 Dec 09:00 CET",
        "Mon 21 Dec 09:00 CET",
    ]
    # A Monday the 1st fires once, not twice.
    times = fire_times(nudge(cron="0 9 1 * mon"), BERLIN, utc("2027-02-27T12:00"), 3)
    assert weekday_dates(times) == [
        "Mon 01 Mar 09:00 CET",
        "Mon 08 Mar 09:00 CET",
        "Mon 15 Mar 09:00 CET",
    ]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # `*` in one day field: the other alone decides, as before.
        ("0 9 1 * *", ["Tue 01 Dec 09:00 CET", "Fri 01 Jan 09:00 CET", "Mon 01 Feb 09:00 CET"]),
        ("0 9 * * mon", ["Mon 30 Nov 09:00 CET", "Mon 07 Dec 09:00 CET", "Mon 14 Dec 09:00 CET"]),
        # A field that begins with `*` is no restriction to crontab: a day matches both.
        # Odd days that are Mondays (4 January is even); a 1st on Sun, Wed or Sat.
        ("0 9 */2 * mon", ["Mon 07 Dec 09:00 CET", "Mon 21 Dec 09:00 CET", "Mon 11 Jan 09:00 CET"]),
        (
            "0 9 1 * */3",
            ["Sat 01 May 09:00 CEST", "Sun 01 Aug 09:00 CEST", "Wed 01 Sep 09:00 CEST"],
        ),
    ],
)
def test_with_a_star_in_a_day_field_a_day_must_match_both(
    expression: str, expected: list[str]
) -> None:
    times = fire_times(nudge(cron=expression), BERLIN, utc("2026-11-25T12:00"), 3)
    assert weekday_dates(times) == expected


def test_a_day_of_month_that_never_comes_leaves_the_weekdays() -> None:
    times = fire_times(nudge(cron="0 9 30 2 mon"), BERLIN, utc("2026-11-25T12:00"), 5)
    assert weekday_dates(times) == [
        "Mon 01 Feb 09:00 CET",
        "Mon 08 Feb 09:00 CET",
        "Mon 15 Feb 09:00 CET",
        "Mon 22 Feb 09:00 CET",
        "Mon 07 Feb 09:00 CET",  # the next year's
    ]


def test_either_day_matching_keeps_the_daylight_saving_rules() -> None:
    # Sunday 29 March 2026: 02:30 does not exist in Berlin and fires once at 03:30;
    # 25 October: 02:30 exists twice and fires once, at its first occurrence.
    spring = fire_times(nudge(cron="30 2 1 * sun"), BERLIN, utc("2026-03-27T12:00"), 3)
    assert weekday_dates(spring) == [
        "Sun 29 Mar 03:30 CEST",
        "Wed 01 Apr 02:30 CEST",
        "Sun 05 Apr 02:30 CEST",
    ]
    autumn = fire_times(nudge(cron="30 2 1 * sun"), BERLIN, utc("2026-10-23T12:00"), 3)
    assert weekday_dates(autumn) == [
        "Sun 25 Oct 02:30 CEST",
        "Sun 01 Nov 02:30 CET",
        "Sun 08 Nov 02:30 CET",
    ]


@freeze_time("2026-11-25T12:00:00Z")
def test_check_and_upcoming_show_a_nudge_on_the_1st_and_on_mondays(halfway, config_file) -> None:
    path = str(
        config_file('[[nudges]]\nid = "month"\nkind = "custom"\ncron = "0 9 1 * mon"\n').path
    )
    ran = halfway("upcoming", "--days", "14", "--config", path)
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "Mon 2026-11-30 09:00 CET  month (custom)",
        "Tue 2026-12-01 09:00 CET  month (custom)",
        "Mon 2026-12-07 09:00 CET  month (custom)",
    ]
    ran = halfway("check", "--config", path)
    assert ran.code == 0, ran.err
    assert (
        "  month (custom): Mon 2026-11-30 09:00 CET, Tue 2026-12-01 09:00 CET,"
        " Mon 2026-12-07 09:00 CET"
    ) in ran.out.splitlines()


def test_fires_is_ordered_and_never_repeats() -> None:
    times = fire_times(nudge(cron="*/20 * * * *"), BERLIN, utc("2026-10-24T22:00"), 30)
    assert times == sorted(set(times))
    assert all(b - a >= timedelta(minutes=20) for a, b in pairwise(times))


def test_upcoming_leaves_out_fires_inside_a_pause_and_goes_on_after_it() -> None:
    daily = Nudge(id="a", kind="custom", cron="0 20 * * *")
    pause = [(utc("2026-11-25T00:00"), utc("2026-11-27T12:00"))]
    found = upcoming(
        [daily], BERLIN, None, utc("2026-11-25T12:00"), utc("2026-11-29T12:00"), pauses={"a": pause}
    )
    assert [f.due_at for f in found] == [utc("2026-11-27T19:00"), utc("2026-11-28T19:00")]


def test_a_pause_until_resumed_leaves_nothing_ahead_at_once() -> None:
    every_second = Nudge(id="a", kind="custom", every="1s")
    forever = {"a": [(utc("2026-11-25T00:00"), None)]}
    now = utc("2026-11-25T12:00")
    assert (
        upcoming([every_second], BERLIN, None, now, now + timedelta(days=7), None, None, forever)
        == []
    )


@pytest.mark.parametrize(
    ("timing", "seconds"),
    [
        ({"every": "15s"}, True),
        ({"every": "90s"}, True),
        ({"every": "1m"}, False),
        ({"every": "3d"}, False),
        ({"cron": "*/5 * * * *"}, False),
        ({"at": "2026-12-01T09:00:30"}, True),
        ({"at": "2026-12-01T09:00"}, False),
    ],
)
def test_a_schedule_needs_seconds_shown_only_when_its_times_have_them(timing, seconds) -> None:
    assert needs_seconds(nudge(**timing)) is seconds


def test_clock_text_shows_seconds_only_when_asked() -> None:
    moment = utc("2026-11-25T19:00:15")
    assert clock_text(moment, BERLIN) == "Wed 2026-11-25 20:00 CET"
    assert clock_text(moment, BERLIN, seconds=True) == "Wed 2026-11-25 20:00:15 CET"
