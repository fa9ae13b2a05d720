"""Read the WHEN a person types for a talk: `sat 19:00`, `tomorrow 20:30`,
`in 3 days 18:00`, `in 2 hours`, `next friday at 7pm`, `tonight 21:00`, `20:30`,
`2026-12-05 19:00`, and a date in the configured order (`05.12.2026 19:00` for dmy,
`12/5 19:00` for mdy, `2026/12/05 19:00` for ymd; the year may be left out; a weekday
before a date, `sat 2026-12-05 19:00`, is checked against it), in the
configured zone and language: German and Spanish bring their own words
(`morgen um 19 Uhr`, `el viernes que viene a las 7 de la tarde`: `talks/whenwords`),
English is read in every language, and what it says back is in the language.

Pure: the zone, `now` and the date order are passed in. A small grammar of whole
words rather than a date-parsing library: it answers exactly for the forms the CLI
promises, rejects the rest with one line naming them, and costs nothing at import.
A day without a time (`monday`, `tomorrow`) is never guessed at: the answer asks for
the time.

Daylight saving: a wall time that does not exist (the spring gap) is moved
forward by the gap, and a wall time that exists twice (the autumn repeat) is
its first occurrence (`instants.instant_at_wall`, as for a schedule's times); either
way the result carries a note saying so. `in 2 hours` is elapsed time, whatever the
clocks do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from halfway.core import instants
from halfway.talks.whenwords import english, fold
from halfway.words import dates
from halfway.words.language import N_, _, current

MAX_LENGTH = 64
# A talk further ahead than this is taken for a typo (and stays clear of datetime's limits).
MAX_AHEAD = timedelta(days=3653)
HINT = N_(
    "try 'sat 19:00', 'tomorrow 20:30', 'in 2 hours', 'next fri at 7pm' or '2026-12-05 19:00'"
)

# How a date of numbers is read (`date_order` in the config): day, month or year first.
DATE_ORDERS = ("dmy", "mdy", "ymd")

# Fixed-width or bounded pieces, no nested repetition: matching is linear.
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# 05.12.2026, 5.12., 12/5, 12/5/26, 2026/12/05: one kind of separator, a trailing one allowed.
_ORDERED = re.compile(r"([0-9]{1,4})([./])([0-9]{1,2})(?:\2([0-9]{1,4}))?\2?")
_CLOCK_24 = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})")
_CLOCK_12 = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?(am|pm)")
_COUNT = re.compile(r"[0-9]{1,3}")
_TIME_LIKE = re.compile(r"[0-9]{1,2}\.[0-9]{1,2}")  # 19.5: a date in dmy, or a time mistyped

_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}
_UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7}
# `in N hours`, `in 90 minutes`: minutes each.
_LATER = {"hour": 60, "hours": 60, "hr": 60, "hrs": 60}
_LATER |= {"minute": 1, "minutes": 1, "min": 1, "mins": 1}


class WhenError(ValueError):
    """A WHEN that cannot be used; its text is one line, fit to show the user."""


@dataclass(frozen=True)
class When:
    """An instant read from what the person typed: aware, in the configured zone."""

    at: datetime
    note: str | None = None  # set when daylight saving moved or chose the time


@dataclass(frozen=True)
class _Reading:
    day: date | int | None  # a date; a weekday number (0 = Monday); None with `ahead`
    ahead: int  # days after today ('today', 'tomorrow', 'in N days'; -1: 'yesterday')
    clock: time
    today: bool = False  # a clock alone, or 'tonight': today's, never moved on
    tonight: bool = False
    weekday: int | None = None  # the weekday typed before a date ('sat 2026-12-05')


def talk_time(
    text: str, now: datetime, zone: tzinfo, order: str = "dmy", language: str | None = None
) -> When:
    """The instant `text` (a talk's WHEN: `talk add`, `talk move`) names, in `zone`,
    seen from `now` (aware); a date of numbers is read in `order` (one of DATE_ORDERS),
    words in `language` and in English (default: the language halfway speaks).

    Raises WhenError for a form it cannot read, a day without a time, a date not on
    the calendar, or a time that has already passed.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if order not in DATE_ORDERS:
        raise ValueError(f"order must be one of {', '.join(DATE_ORDERS)}")
    if len(text) > MAX_LENGTH:
        too_long = _("that is too long for a time (at most {count} characters); {hint}")
        raise WhenError(too_long.format(count=MAX_LENGTH, hint=_(HINT)))
    # One printable line, whatever was typed, so it can be shown back.
    shown = "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))
    # Compare in UTC: two datetimes in one zone compare by their wall clocks, blind to fold.
    now = now.astimezone(UTC)
    today = now.astimezone(zone).date()
    language = language or current()
    words = english(fold(shown), language, order)
    if (later := _later(words)) is not None:  # elapsed time from this minute
        return _checked(
            When((now.replace(second=0, microsecond=0) + later).astimezone(zone)), shown, now
        )
    reading = _read(words, today, order)
    if reading is None:
        _no_time(shown, words, today, order, language)
        unread = _("'{shown}' is not a time halfway can read; {hint}")
        raise WhenError(unread.format(shown=shown, hint=_(HINT)))
    if isinstance(reading.day, date) and reading.weekday not in (None, reading.day.weekday()):
        wrong = _("'{shown}': {day} is a {weekday}")
        day, weekday = dates.day_month_year(reading.day), dates.weekday_long(reading.day)
        raise WhenError(wrong.format(shown=shown, day=day, weekday=weekday))
    if reading.tonight and reading.clock.hour < 12:  # not guessed at: 9 in the evening?
        _morning(shown, reading.clock)
    try:
        when = _resolve(reading, today, now, zone)
    except OverflowError:  # the edge of the calendar, year 1 or 9999
        far = _("'{shown}' is too far from today; {hint}")
        raise WhenError(far.format(shown=shown, hint=_(HINT))) from None
    tomorrow = _("; for tomorrow, write 'tomorrow {clock}'") if reading.today else ""
    tomorrow = tomorrow.format(clock=dates.clock(reading.clock))
    return _checked(when, shown, now, tomorrow)


def _checked(when: When, shown: str, now: datetime, tomorrow: str = "") -> When:
    """`when`, if it is ahead of `now` (UTC) and not too far."""
    if when.at.astimezone(UTC) <= now:
        local = _("{day} {clock}").format(day=_date_text(when.at), clock=dates.clock(when.at))
        passed = _("'{shown}' is {local}, and that time has already passed{tomorrow}")
        raise WhenError(passed.format(shown=shown, local=local, tomorrow=tomorrow))
    if when.at.astimezone(UTC) - now > MAX_AHEAD:
        ahead = _("'{shown}' is more than ten years ahead; {hint}")
        raise WhenError(ahead.format(shown=shown, hint=_(HINT)))
    return when


def _morning(shown: str, clock: time) -> None:
    """'tonight 9:00' is a morning time: say which evening (or night) time to write."""
    if clock.hour < 5:
        better = _("for after midnight, write 'tomorrow {clock}'").format(clock=f"{clock:%H:%M}")
    else:
        evening = f"{clock.hour + 12}:{clock:%M}"
        better = _("for the evening, write 'tonight {clock}'").format(clock=evening)
    morning = _("'{shown}' would be {clock} in the morning; {better}")
    raise WhenError(morning.format(shown=shown, clock=f"{clock:%H:%M}", better=better))


def _no_time(shown: str, words: list[str], today: date, order: str, language: str) -> None:
    """A day without a time ('monday', 'tomorrow', 'next fri at') is not guessed at."""
    day = words[:-1] if words[-1:] == ["at"] else words
    if day and _day(day, time(0), today, order) is not None:
        named = _without_at(shown, language) if day is not words else shown
        example = _("'{shown}' has no time: add one, like '{example}'")
        raise WhenError(example.format(shown=shown, example=f"{named} 19:00"))


def _without_at(shown: str, language: str) -> str:
    """`shown` without its last words for 'at' ('at', 'um', 'a las')."""
    typed = shown.split(" ")
    for size in (2, 1):
        if len(typed) > size and english(fold(" ".join(typed[-size:])), language) == ["at"]:
            return " ".join(typed[:-size])
    return shown.rsplit(" ", 1)[0]


def _date_text(at: datetime) -> str:
    """'Wed 02 Dec 2026' as halfway has always written it in English; the language's own
    form elsewhere ('Mi., 2. Dez. 2026')."""
    return at.strftime("%a %d %b %Y") if current() == "en" else dates.weekday_day_year(at)


def local_instant(day: date, clock: time, zone: tzinfo) -> When:
    """The wall time `day clock` in `zone`: a time in the spring gap moves forward by the
    gap, a time that happens twice is its first occurrence. Both come with a note."""
    wall = datetime.combine(day, clock)
    real = instants.instant_at_wall(wall, zone).astimezone(zone)
    change = instants.wall_time_change(wall, zone)
    if change not in (instants.GAP, instants.REPEAT):
        return When(real)
    shown = _("{clock} on {day}").format(clock=dates.clock(clock), day=_date_text(wall))
    if change == instants.GAP:
        gap = _("{shown} does not exist in {zone} (the clocks go forward), so it is {clock}")
        return When(real, gap.format(shown=shown, zone=zone, clock=dates.clock(real)))
    twice = _("{shown} happens twice in {zone} (the clocks go back); this is the first, {clock}")
    return When(real, twice.format(shown=shown, zone=zone, clock=f"{real:%H:%M %Z}"))


def _resolve(reading: _Reading, today: date, now: datetime, zone: tzinfo) -> When:
    """The instant of `reading`; `now` is in UTC."""
    if isinstance(reading.day, date):
        return local_instant(reading.day, reading.clock, zone)
    if reading.day is None:
        return local_instant(today + timedelta(days=reading.ahead), reading.clock, zone)
    ahead = (reading.day - today.weekday()) % 7
    when = local_instant(today + timedelta(days=ahead), reading.clock, zone)
    if when.at.astimezone(UTC) <= now:  # today's has passed: the same weekday next week
        when = local_instant(today + timedelta(days=ahead + 7), reading.clock, zone)
    return when


def _later(words: list[str]) -> timedelta | None:
    """'in 2 hours', 'in 90 minutes', 'in an hour': elapsed time; None if not that."""
    if len(words) != 3 or words[0] != "in" or words[2] not in _LATER:
        return None
    count = 1 if words[1] in ("a", "an") else int(words[1]) if _COUNT.fullmatch(words[1]) else 0
    return timedelta(minutes=count * _LATER[words[2]]) if count >= 1 else None


def _read(words: list[str], today: date, order: str) -> _Reading | None:
    """The grammar: [DAY] [at] CLOCK, or DATE'T'CLOCK; None if it is not that."""
    if len(words) == 1 and "t" in words[0]:
        head, _, tail = words[0].partition("t")
        if _DATE.fullmatch(head):
            words = [head, tail]
    if len(words) >= 2 and words[-1] in ("am", "pm"):
        words = [*words[:-2], words[-2] + words[-1]]
    if len(words) >= 2 and words[-2] == "at":
        words = [*words[:-2], words[-1]]
    clock = _clock(words[-1]) if words else None
    if clock is None:
        return None
    if len(words) == 1:  # a clock alone: today
        return _Reading(None, 0, clock, today=True)
    return _day(words[:-1], clock, today, order)


def _day(words: list[str], clock: time, today: date, order: str) -> _Reading | None:
    if len(words) == 1 and words[0] in _NAMED_DAYS:
        ahead, tonight = _NAMED_DAYS[words[0]]
        return _Reading(None, ahead, clock, today=tonight, tonight=tonight)
    if len(words) == 1 and words[0] in _WEEKDAYS:
        return _Reading(_WEEKDAYS[words[0]], 0, clock)
    if len(words) == 2 and words[0] == "next" and words[1] in _WEEKDAYS:
        # The next such day strictly after today: on a Friday, 'next fri' is a week on.
        return _Reading(None, (_WEEKDAYS[words[1]] - today.weekday() - 1) % 7 + 1, clock)
    if len(words) == 3 and words[0] == "in" and _COUNT.fullmatch(words[1]):
        count, unit = int(words[1]), _UNITS.get(words[2])
        if unit is None or count < 1:
            return None
        return _Reading(None, count * unit, clock)
    if len(words) == 2 and words[0] in _WEEKDAYS and not _TIME_LIKE.fullmatch(words[1]):
        # 'Sa 5. Dezember', 'sat 2026-12-05'; not 'sat 19.5' (a time mistyped, unread)
        dated = _day(words[1:], clock, today, order)
        if dated is None or not isinstance(dated.day, date):
            return None
        return replace(dated, weekday=_WEEKDAYS[words[0]])  # checked against the date
    if len(words) != 1:
        return None
    if match := _DATE.fullmatch(words[0]):  # ISO, whatever the order
        try:
            return _Reading(date(*map(int, match.groups())), 0, clock)
        except ValueError:
            return None
    day = _ordered(words[0], today, order)
    return None if day is None else _Reading(day, 0, clock)


# (days after today, whether it is 'tonight'); 'yesterday' is read, so it can be told it
# has passed rather than unread.
_NAMED_DAYS = {
    "today": (0, False),
    "tonight": (0, True),
    "tomorrow": (1, False),
    "yesterday": (-1, False),
}


def _ordered(word: str, today: date, order: str) -> date | None:
    """A date of numbers in `order` ('05.12.2026', '12/5', '2026/12/05'); with no year,
    the next such date from today on. None if it is not one, or not on the calendar."""
    match = _ORDERED.fullmatch(word)
    if match is None:
        return None
    first, second, third = match[1], match[3], match[4]
    year: int | None
    if order == "ymd" and third is not None:
        if len(first) != 4 or len(third) > 2:
            return None
        year, month, day = int(first), int(second), int(third)
    else:  # day and month (month and day in mdy and ymd), then a year of 2 or 4 digits
        if len(first) > 2 or (third is not None and len(third) not in (2, 4)):
            return None
        day, month = (int(first), int(second)) if order == "dmy" else (int(second), int(first))
        year = None if third is None else int(third) + (2000 if len(third) == 2 else 0)
    if year is not None:
        return _calendar(year, month, day)
    # No year: this year's, or the next year that has it (29 February) still ahead.
    found = (_calendar(y, month, day) for y in range(today.year, today.year + 9))
    return next((d for d in found if d is not None and d >= today), None)


def _calendar(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _clock(word: str) -> time | None:
    """'19:00', '7pm', '7:30pm', '12am'; a bare '19' is not a time (7 pm? 19 days?)."""
    if match := _CLOCK_24.fullmatch(word):
        hour, minute = int(match[1]), int(match[2])
    elif match := _CLOCK_12.fullmatch(word):
        hour, minute = int(match[1]), int(match[2] or 0)
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match[3] == "pm" else 0)
    else:
        return None
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
