"""Reading a talk's WHEN: each accepted form against an injected `now`, daylight saving
on both sides of a change, the gap and the repeat, and clear one-line refusals."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from halfway.talks.when import HINT, MAX_LENGTH, WhenError, talk_time

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")

# Wednesday 2 December 2026, noon in Berlin (no daylight saving change near).
WEDNESDAY = datetime(2026, 12, 2, 12, 0, tzinfo=BERLIN)


def local(text: str, zone: ZoneInfo = BERLIN) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def read(text: str, now: datetime = WEDNESDAY, zone: ZoneInfo = BERLIN) -> datetime:
    when = talk_time(text, now, zone)
    assert when.note is None
    return when.at


def refusal(text: str, now: datetime = WEDNESDAY, zone: ZoneInfo = BERLIN) -> str:
    with pytest.raises(WhenError) as caught:
        talk_time(text, now, zone)
    message = str(caught.value)
    assert "\n" not in message
    return message


# the accepted forms -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sat 19:00", "2026-12-05 19:00"),
        ("saturday 19:00", "2026-12-05 19:00"),
        ("SAT 19:00", "2026-12-05 19:00"),
        ("  Saturday   19:00  ", "2026-12-05 19:00"),
        ("sat at 19:00", "2026-12-05 19:00"),
        ("mon 08:15", "2026-12-07 08:15"),
        ("thurs 9:05", "2026-12-03 09:05"),
        ("sun 7pm", "2026-12-06 19:00"),
        ("sun 7:30pm", "2026-12-06 19:30"),
        ("sun 7 pm", "2026-12-06 19:00"),
        ("sun 7:30 PM", "2026-12-06 19:30"),
        ("sun 12am", "2026-12-06 00:00"),
        ("sun 12pm", "2026-12-06 12:00"),
        ("sun 11:59am", "2026-12-06 11:59"),
    ],
)
def test_a_weekday_is_the_next_such_day(text: str, expected: str) -> None:
    assert read(text) == local(expected)


def test_a_weekday_is_today_while_its_time_is_still_ahead() -> None:
    assert read("wed 13:00") == local("2026-12-02 13:00")
    assert read("wednesday 12:01") == local("2026-12-02 12:01")


def test_a_weekday_whose_time_has_passed_today_is_next_week() -> None:
    assert read("wed 11:00") == local("2026-12-09 11:00")
    assert read("wed 12:00") == local("2026-12-09 12:00")  # now is not ahead


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today 18:00", "2026-12-02 18:00"),
        ("Today 6pm", "2026-12-02 18:00"),
        ("tomorrow 20:30", "2026-12-03 20:30"),
        ("tomorrow at 8:30pm", "2026-12-03 20:30"),
        ("tomorrow 00:00", "2026-12-03 00:00"),
        ("in 3 days 18:00", "2026-12-05 18:00"),
        ("in 1 day 18:00", "2026-12-03 18:00"),
        ("in 1 days 09:00", "2026-12-03 09:00"),
        ("in 2 weeks 19:00", "2026-12-16 19:00"),
        ("in 1 week 7pm", "2026-12-09 19:00"),
        ("In 30 Days 10:00", "2027-01-01 10:00"),
        ("2026-12-05 19:00", "2026-12-05 19:00"),
        ("2026-12-05T19:00", "2026-12-05 19:00"),
        ("2026-12-05t19:00", "2026-12-05 19:00"),
        ("2026-12-05 at 7pm", "2026-12-05 19:00"),
        ("2027-06-01 19:00", "2027-06-01 19:00"),  # summer time: +02:00
    ],
)
def test_days_and_dates_are_read_in_the_zone(text: str, expected: str) -> None:
    assert read(text) == local(expected)


def test_the_answer_is_aware_and_in_the_configured_zone() -> None:
    when = talk_time("sat 19:00", datetime(2026, 12, 2, 11, 0, tzinfo=UTC), NEW_YORK)
    assert when.at.tzinfo is NEW_YORK
    assert when.at == local("2026-12-05 19:00", NEW_YORK)
    assert when.at.astimezone(UTC) == datetime(2026, 12, 6, 0, 0, tzinfo=UTC)


def test_today_is_the_day_in_the_zone_not_in_utc() -> None:
    # 23:30 UTC on Wednesday is already Thursday in Berlin.
    now = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    assert read("today 09:00", now) == local("2026-12-03 09:00")
    assert read("tomorrow 09:00", now) == local("2026-12-04 09:00")


# the forms a person types ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 2 hours", "2026-12-02 14:00"),
        ("in 1 hour", "2026-12-02 13:00"),
        ("in an hour", "2026-12-02 13:00"),
        ("in 90 minutes", "2026-12-02 13:30"),
        ("in 1 minute", "2026-12-02 12:01"),
        ("in 45 mins", "2026-12-02 12:45"),
        ("in 3 hrs", "2026-12-02 15:00"),
        ("In 24 Hours", "2026-12-03 12:00"),
        ("in 999 minutes", "2026-12-03 04:39"),
    ],
)
def test_hours_and_minutes_count_from_now(text: str, expected: str) -> None:
    assert read(text) == local(expected)


def test_hours_and_minutes_count_from_the_minute_and_drop_its_seconds() -> None:
    assert read("in 2 hours", WEDNESDAY.replace(second=59, microsecond=9)) == local(
        "2026-12-02 14:00"
    )


def test_hours_are_elapsed_time_across_a_change_of_the_clocks() -> None:
    # 01:30 CEST, then the clocks go back at 03:00: two hours on is 02:30 CET.
    now = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    when = talk_time("in 2 hours", now, BERLIN)
    assert when.at.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert when.at.strftime("%H:%M %Z") == "02:30 CET"
    assert when.note is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("next friday at 7pm", "2026-12-04 19:00"),
        ("next fri 19:00", "2026-12-04 19:00"),
        ("next sat 19:00", "2026-12-05 19:00"),
        ("Next Saturday at 19:00", "2026-12-05 19:00"),
        ("next thu 09:00", "2026-12-03 09:00"),
        ("next tue 09:00", "2026-12-08 09:00"),
        # Strictly after today: on a Wednesday, even with the time still ahead today.
        ("next wed 13:00", "2026-12-09 13:00"),
        ("next wednesday 11:00", "2026-12-09 11:00"),
    ],
)
def test_next_day_is_the_next_such_day_after_today(text: str, expected: str) -> None:
    assert read(text) == local(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at 20:30", "2026-12-02 20:30"),
        ("in 3 days at 18:00", "2026-12-05 18:00"),
        ("05.12.2026 at 19:00", "2026-12-05 19:00"),
        ("tonight at 9pm", "2026-12-02 21:00"),
        ("next sat at 7 pm", "2026-12-05 19:00"),
    ],
)
def test_at_may_come_before_any_time(text: str, expected: str) -> None:
    assert read(text) == local(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tonight 21:00", "2026-12-02 21:00"),
        ("Tonight 9pm", "2026-12-02 21:00"),
        ("tonight 12:30", "2026-12-02 12:30"),
        ("20:30", "2026-12-02 20:30"),
        ("8pm", "2026-12-02 20:00"),
        ("12:01", "2026-12-02 12:01"),
        ("  23:59 ", "2026-12-02 23:59"),
    ],
)
def test_tonight_and_a_clock_alone_are_today(text: str, expected: str) -> None:
    assert read(text) == local(expected)


def test_a_clock_alone_that_has_passed_says_so_and_never_moves_to_tomorrow() -> None:
    assert refusal("08:00") == (
        "'08:00' is Wed 02 Dec 2026 08:00, and that time has already passed;"
        " for tomorrow, write 'tomorrow 08:00'"
    )
    assert "already passed" in refusal("12:00")  # exactly now is not ahead


def test_tonight_whose_time_has_passed_says_so() -> None:
    late = local("2026-12-02 22:00")
    assert refusal("tonight 21:00", late) == (
        "'tonight 21:00' is Wed 02 Dec 2026 21:00, and that time has already passed;"
        " for tomorrow, write 'tomorrow 21:00'"
    )


def test_tonight_with_a_morning_time_is_not_guessed_at() -> None:
    assert refusal("tonight 9:00") == (
        "'tonight 9:00' would be 09:00 in the morning; for the evening, write 'tonight 21:00'"
    )
    assert refusal("tonight 0:30") == (
        "'tonight 0:30' would be 00:30 in the morning; for after midnight, write 'tomorrow 00:30'"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sat 19.00", "2026-12-05 19:00"),
        ("sat 7.30pm", "2026-12-05 19:30"),
        ("tomorrow 8.05", "2026-12-03 08:05"),
        ("19.45", "2026-12-02 19:45"),
        ("05.12.2026 19.00", "2026-12-05 19:00"),
    ],
)
def test_a_dotted_time_reads_like_a_colon(text: str, expected: str) -> None:
    assert read(text) == local(expected)


@pytest.mark.parametrize(
    ("order", "text", "expected"),
    [
        ("dmy", "05.12.2026 19:00", "2026-12-05 19:00"),
        ("dmy", "5.12.2026 19:00", "2026-12-05 19:00"),
        ("dmy", "5/12/2026 19:00", "2026-12-05 19:00"),
        ("dmy", "5.12.26 19:00", "2026-12-05 19:00"),
        ("dmy", "05.12. 19:00", "2026-12-05 19:00"),
        ("dmy", "5.12 19:00", "2026-12-05 19:00"),
        ("dmy", "12/5 19:00", "2027-05-12 19:00"),  # 12 May: the next one is next year's
        ("dmy", "12.01.2027 19:00", "2027-01-12 19:00"),
        ("mdy", "12/5 19:00", "2026-12-05 19:00"),
        ("mdy", "12/05/2026 19:00", "2026-12-05 19:00"),
        ("mdy", "12/5/26 7pm", "2026-12-05 19:00"),
        ("mdy", "1/12 19:00", "2027-01-12 19:00"),
        ("ymd", "2026/12/05 19:00", "2026-12-05 19:00"),
        ("ymd", "2026.12.5 19:00", "2026-12-05 19:00"),
        ("ymd", "12/5 19:00", "2026-12-05 19:00"),  # no year: month, then day
        # The ISO date reads the same in every order.
        ("dmy", "2026-12-05 19:00", "2026-12-05 19:00"),
        ("mdy", "2026-12-05 19:00", "2026-12-05 19:00"),
        ("ymd", "2026-12-05 19:00", "2026-12-05 19:00"),
    ],
)
def test_a_date_of_numbers_is_read_in_the_configured_order(
    order: str, text: str, expected: str
) -> None:
    assert talk_time(text, WEDNESDAY, BERLIN, order).at == local(expected)


def test_one_date_reads_three_ways_by_the_order() -> None:
    def in_order(order: str) -> datetime:
        return talk_time("12/10/2027 19:00", WEDNESDAY, BERLIN, order).at

    assert in_order("dmy") == local("2027-10-12 19:00")
    assert in_order("mdy") == local("2027-12-10 19:00")
    with pytest.raises(WhenError, match="is not a time halfway can read"):
        in_order("ymd")  # year first: 12/10/2027 is no date
    assert talk_time("2027/12/10 19:00", WEDNESDAY, BERLIN, "ymd").at == local("2027-12-10 19:00")


def test_a_date_without_its_year_is_the_next_such_date() -> None:
    assert read("1.12. 19:00") == local("2027-12-01 19:00")  # yesterday's: next year
    assert read("2.12. 19:00") == local("2026-12-02 19:00")  # today, still ahead
    assert read("29.2. 10:00") == local("2028-02-29 10:00")  # the next year that has it
    # Today's, once its time has passed, is said to have passed, not moved a year on.
    assert "already passed" in refusal("2.12. 08:00")


def test_a_date_order_must_be_known() -> None:
    with pytest.raises(ValueError, match="order"):
        talk_time("sat 19:00", WEDNESDAY, BERLIN, "ydm")


@pytest.mark.parametrize(
    ("text", "example"),
    [
        ("monday", "monday 19:00"),
        ("Monday", "Monday 19:00"),
        ("tomorrow", "tomorrow 19:00"),
        ("today", "today 19:00"),
        ("tonight", "tonight 19:00"),
        ("next fri", "next fri 19:00"),
        ("next fri at", "next fri 19:00"),
        ("today at", "today 19:00"),
        ("in 3 days", "in 3 days 19:00"),
        ("in 1 week", "in 1 week 19:00"),
        ("2026-12-05", "2026-12-05 19:00"),
        ("05.12.2026", "05.12.2026 19:00"),
        ("05.12.", "05.12. 19:00"),
    ],
)
def test_a_day_without_a_time_asks_for_one_and_is_never_guessed(text: str, example: str) -> None:
    assert refusal(text) == f"'{text}' has no time: add one, like '{example}'"


# daylight saving ----------------------------------------------------------------

# Berlin: 29 Mar 2026 02:00 CET -> 03:00 CEST; 25 Oct 2026 03:00 CEST -> 02:00 CET.
# New York: 8 Mar 2026 02:00 EST -> 03:00 EDT; 1 Nov 2026 02:00 EDT -> 01:00 EST.


@pytest.mark.parametrize(
    ("zone", "now", "text", "utc"),
    [
        # Friday before the spring change: Saturday is still winter time, Sunday summer.
        (BERLIN, "2026-03-27 12:00", "sat 19:00", "2026-03-28 18:00"),
        (BERLIN, "2026-03-27 12:00", "sun 19:00", "2026-03-29 17:00"),
        (BERLIN, "2026-03-27 12:00", "sun 01:30", "2026-03-29 00:30"),
        (BERLIN, "2026-03-27 12:00", "sun 03:30", "2026-03-29 01:30"),
        # Friday before the autumn change: Saturday summer, Sunday winter.
        (BERLIN, "2026-10-23 12:00", "sat 19:00", "2026-10-24 17:00"),
        (BERLIN, "2026-10-23 12:00", "sun 19:00", "2026-10-25 18:00"),
        (BERLIN, "2026-10-23 12:00", "in 1 week 19:00", "2026-10-30 18:00"),
        (NEW_YORK, "2026-03-06 12:00", "sat 19:00", "2026-03-08 00:00"),
        (NEW_YORK, "2026-03-06 12:00", "sun 19:00", "2026-03-08 23:00"),
        (NEW_YORK, "2026-03-06 12:00", "in 2 days 08:00", "2026-03-08 12:00"),
        (NEW_YORK, "2026-10-30 12:00", "sat 19:00", "2026-10-31 23:00"),
        (NEW_YORK, "2026-10-30 12:00", "sun 19:00", "2026-11-02 00:00"),
        (NEW_YORK, "2026-10-30 12:00", "2026-11-01 03:00", "2026-11-01 08:00"),
    ],
)
def test_a_wall_time_keeps_its_clock_on_both_sides_of_a_change(
    zone: ZoneInfo, now: str, text: str, utc: str
) -> None:
    at = read(text, local(now, zone), zone)
    assert at.astimezone(UTC) == datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert at.strftime("%H:%M") == text[-5:]


@pytest.mark.parametrize(
    ("zone", "now", "text", "moved_to", "utc"),
    [
        (BERLIN, "2026-03-27 12:00", "sun 02:30", "03:30", "2026-03-29 01:30"),
        (BERLIN, "2026-03-27 12:00", "2026-03-29 02:00", "03:00", "2026-03-29 01:00"),
        (BERLIN, "2026-03-27 12:00", "in 2 days 2:59am", "03:59", "2026-03-29 01:59"),
        (NEW_YORK, "2026-03-06 12:00", "sun 02:30", "03:30", "2026-03-08 07:30"),
        (NEW_YORK, "2026-03-06 12:00", "2026-03-08T02:15", "03:15", "2026-03-08 07:15"),
    ],
)
def test_a_time_in_the_spring_gap_moves_forward_by_the_gap_and_says_so(
    zone: ZoneInfo, now: str, text: str, moved_to: str, utc: str
) -> None:
    when = talk_time(text, local(now, zone), zone)
    assert when.at.astimezone(UTC) == datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert when.at.strftime("%H:%M") == moved_to
    assert when.note is not None
    assert "does not exist" in when.note
    assert moved_to in when.note


@pytest.mark.parametrize(
    ("zone", "now", "text", "utc", "named"),
    [
        (BERLIN, "2026-10-23 12:00", "sun 02:30", "2026-10-25 00:30", "CEST"),
        (BERLIN, "2026-10-23 12:00", "2026-10-25 02:00", "2026-10-25 00:00", "CEST"),
        (NEW_YORK, "2026-10-30 12:00", "sun 1:30am", "2026-11-01 05:30", "EDT"),
        (NEW_YORK, "2026-10-30 12:00", "2026-11-01 01:59", "2026-11-01 05:59", "EDT"),
    ],
)
def test_a_time_that_happens_twice_is_its_first_occurrence(
    zone: ZoneInfo, now: str, text: str, utc: str, named: str
) -> None:
    when = talk_time(text, local(now, zone), zone)
    assert when.at.fold == 0
    assert when.at.astimezone(UTC) == datetime.fromisoformat(utc).replace(tzinfo=UTC)
    assert when.note is not None
    assert "happens twice" in when.note
    assert named in when.note


def test_a_weekday_today_in_the_gap_is_still_ahead_before_the_change() -> None:
    now = local("2026-03-29 01:45")  # Sunday, winter time, a quarter hour before the gap
    when = talk_time("sun 02:30", now, BERLIN)
    assert when.at == local("2026-03-29 03:30")
    assert when.note is not None


def test_a_weekday_today_in_the_gap_is_next_week_once_the_clocks_moved() -> None:
    now = local("2026-03-29 03:45")  # Sunday, summer time
    assert read("sun 02:30", now) == local("2026-04-05 02:30")


# refusals -------------------------------------------------------------------------


def test_an_unreadable_form_is_named_in_one_line_with_the_accepted_forms() -> None:
    assert refusal("next blursday") == (
        "'next blursday' is not a time halfway can read; try 'sat 19:00', "
        "'tomorrow 20:30', 'in 2 hours', 'next fri at 7pm' or '2026-12-05 19:00'"
    )


@pytest.mark.parametrize(
    "text",
    [
        "sat 19",  # an hour alone is ambiguous
        "19",
        "",
        "   ",
        "sat 24:00",
        "sat 19:60",
        "sat 19:5",
        "sat 123:00",
        "sat 13pm",
        "sat 0am",
        "sat 19:00pm",
        "sat 7 p.m.",
        "this sat 19:00",
        "blursday 19:00",
        "sat sun 19:00",
        "in 0 days 18:00",
        "in three days 18:00",
        "in 1000 days 18:00",
        "in 3 months 18:00",
        "in -3 days 18:00",
        "in 3 18:00",
        "2026-13-01 19:00",
        "2026-02-30 19:00",
        "2026-2-3 19:00",
        "2026-12-05T",
        "2026-12-05T19",
        "tomorrow ２０:３０",  # full-width digits are not read as digits
        "next 19:00",
        "next next fri 19:00",
        "next tomorrow 19:00",
        "in 2 hours 18:00",
        "in 0 hours",
        "in 1000 minutes",
        "in two hours",
        "in 2 days hours",
        "in 2 seconds",
        "sat 19.5",
        "sat 19,00",
        "31.4. 19:00",  # not on the calendar, in any year
        "13/13 19:00",
        "5.12.202 19:00",  # a year of 3 digits
        "5.12.20261 19:00",
        "5/12.2026 19:00",  # two kinds of separator
        "2026/12/05 19:00",  # year first, but the order is day first
        "05-12-2026 19:00",  # dashes are for 2026-12-05 only
        "1.2.3.4 19:00",
        "tonight tonight 21:00",
    ],
)
def test_forms_outside_the_grammar_are_refused(text: str) -> None:
    message = refusal(text)
    assert "is not a time halfway can read" in message
    assert message.endswith(HINT)


def test_a_refusal_shows_what_was_typed_on_one_printable_line() -> None:
    message = refusal("sat\n25:00\x1b[2J")
    assert message.startswith("'sat 25:00?[2J' is not a time")


@pytest.mark.parametrize(
    ("text", "now"),
    [
        ("today 08:00", WEDNESDAY),
        ("today 12:00", WEDNESDAY),  # exactly now is not ahead
        ("2026-12-01 19:00", WEDNESDAY),
        ("2020-01-01 19:00", WEDNESDAY),
        ("yesterday 10:00", WEDNESDAY),  # read, then refused as passed
        ("yesterday at 23:59", WEDNESDAY),
        # In the repeated hour, 02:30 means its first occurrence, even while the second is ahead.
        ("today 02:30", datetime(2026, 10, 25, 2, 15, fold=1, tzinfo=BERLIN)),
    ],
)
def test_a_time_that_has_passed_is_refused(text: str, now: datetime) -> None:
    assert "that time has already passed" in refusal(text, now)


def test_a_weekday_before_a_date_is_checked_against_it() -> None:
    assert read("sat 2026-12-05 19:00") == local("2026-12-05 19:00")
    assert read("Sat 5.12. 19:00") == local("2026-12-05 19:00")
    assert refusal("fri 2026-12-05 19:00") == "'fri 2026-12-05 19:00': 5 Dec 2026 is a Saturday"
    assert "has no time" in refusal("sat 2026-12-05")


def test_the_passed_time_is_shown_in_local_words() -> None:
    assert refusal("today 08:00") == (
        "'today 08:00' is Wed 02 Dec 2026 08:00, and that time has already passed"
    )


def test_yesterday_is_read_and_refused_as_passed_not_as_unreadable() -> None:
    assert refusal("yesterday 10:00") == (
        "'yesterday 10:00' is Tue 01 Dec 2026 10:00, and that time has already passed"
    )


def test_a_time_beyond_ten_years_is_refused() -> None:
    assert "more than ten years ahead" in refusal("2040-01-01 19:00")
    assert "more than ten years ahead" in refusal("in 999 weeks 19:00")
    assert read("in 500 weeks 19:00") == local("2036-07-02 19:00")  # 3,500 days on


def test_the_edge_of_the_calendar_is_refused_without_a_traceback() -> None:
    assert "too far" in refusal("9999-12-31 23:30", zone=NEW_YORK)
    assert "too far" in refusal("0001-01-01 00:30", zone=ZoneInfo("Asia/Tokyo"))


def test_input_longer_than_the_bound_is_refused_before_reading() -> None:
    padded = "sat 19:00".center(MAX_LENGTH)
    assert read(padded) == local("2026-12-05 19:00")
    message = refusal(padded + " ")
    assert "too long" in message
    assert "sat" not in message.split(";")[0]  # the input is not echoed back


def test_hostile_input_is_refused_quickly() -> None:
    started = time.process_time()
    hostile = ["1" * MAX_LENGTH, "1:" * 32, "in " * 21, "2026-" * 12, "x" * 1_000_000]
    hostile += ["1." * 32, "1/" * 32, "next " * 12, "at " * 21, "1" * 62 + "pm", "9." * 31 + "am"]
    for text in hostile:
        with pytest.raises(WhenError):
            talk_time(text, WEDNESDAY, BERLIN)
    assert time.process_time() - started < 0.5


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        talk_time("sat 19:00", datetime(2026, 12, 2, 12, 0), BERLIN)
