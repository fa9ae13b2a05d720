"""Read the WHEN a person types for a talk: `sat 19:00`, `tomorrow 20:30`,
`in 3 days 18:00`, `2026-12-05 19:00`, in the configured zone.

Pure: the zone and `now` are passed in. A small grammar of whole words rather
than a date-parsing library: it answers exactly for the forms the CLI promises,
rejects the rest with one line naming them, and costs nothing at import.

Daylight saving: a wall time that does not exist (the spring gap) is moved
forward by the gap, and a wall time that exists twice (the autumn repeat) is
its first occurrence; either way the result carries a note saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

MAX_LENGTH = 64
# A talk further ahead than this is taken for a typo (and stays clear of datetime's limits).
MAX_AHEAD = timedelta(days=3653)
HINT = "try 'sat 19:00', 'tomorrow 20:30', 'in 3 days 18:00' or '2026-12-05 19:00'"

# Fixed-width or bounded pieces, no nested repetition: matching is linear.
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_CLOCK_24 = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_CLOCK_12 = re.compile(r"([0-9]{1,2})(?::([0-9]{2}))?(am|pm)")
_COUNT = re.compile(r"[0-9]{1,3}")

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


def parse_when(text: str, now: datetime, zone: tzinfo) -> When:
    """The instant `text` names, in `zone`, seen from `now` (aware).

    Raises WhenError for a form it cannot read, a date not on the calendar, or a
    time that has already passed.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if len(text) > MAX_LENGTH:
        raise WhenError(f"that is too long for a time (at most {MAX_LENGTH} characters); {HINT}")
    # One printable line, whatever was typed, so it can be shown back.
    shown = "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))
    reading = _read(shown.lower())
    if reading is None:
        raise WhenError(f"'{shown}' is not a time halfway can read; {HINT}")
    # Compare in UTC: two datetimes in one zone compare by their wall clocks, blind to fold.
    now = now.astimezone(UTC)
    today = now.astimezone(zone).date()
    try:
        when = _resolve(reading, today, now, zone)
    except OverflowError:  # the edge of the calendar, year 1 or 9999
        raise WhenError(f"'{shown}' is too far from today; {HINT}") from None
    if when.at.astimezone(UTC) <= now:
        local = when.at.strftime("%a %d %b %Y %H:%M")
        raise WhenError(f"'{shown}' is {local}, and that time has already passed")
    if when.at.astimezone(UTC) - now > MAX_AHEAD:
        raise WhenError(f"'{shown}' is more than ten years ahead; {HINT}")
    return when


def local_instant(day: date, clock: time, zone: tzinfo) -> When:
    """The wall time `day clock` in `zone`: a time in the spring gap moves forward by the
    gap, a time that happens twice is its first occurrence. Both come with a note."""
    wall = datetime.combine(day, clock)
    first = wall.replace(tzinfo=zone, fold=0)
    real = first.astimezone(UTC).astimezone(zone)
    name = str(zone)
    shown = f"{clock:%H:%M} on {day:%a %d %b %Y}"
    if real.replace(tzinfo=None) != wall:
        return When(
            real,
            f"{shown} does not exist in {name} (the clocks go forward), so it is {real:%H:%M}",
        )
    if first.utcoffset() != wall.replace(tzinfo=zone, fold=1).utcoffset():
        return When(
            real,
            f"{shown} happens twice in {name} (the clocks go back); this is the first, {real:%H:%M %Z}",
        )
    return When(real)


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


def _read(text: str) -> _Reading | None:
    """The grammar: DAY [at] CLOCK, or DATE'T'CLOCK; None if it is not that."""
    words = text.split()
    if len(words) == 1 and "t" in words[0]:
        head, _, tail = words[0].partition("t")
        if _DATE.fullmatch(head):
            words = [head, tail]
    if len(words) >= 2 and words[-1] in ("am", "pm"):
        words = [*words[:-2], words[-2] + words[-1]]
    if len(words) >= 3 and words[-2] == "at":
        words = [*words[:-2], words[-1]]
    if len(words) < 2:
        return None
    clock = _clock(words[-1])
    if clock is None:
        return None
    return _day(words[:-1], clock)


def _day(words: list[str], clock: time) -> _Reading | None:
    if words == ["today"]:
        return _Reading(None, 0, clock)
    if words == ["tomorrow"]:
        return _Reading(None, 1, clock)
    if words == ["yesterday"]:  # read, so it can be told it has passed rather than unread
        return _Reading(None, -1, clock)
    if len(words) == 1 and words[0] in _WEEKDAYS:
        return _Reading(_WEEKDAYS[words[0]], 0, clock)
    if len(words) == 3 and words[0] == "in" and _COUNT.fullmatch(words[1]):
        count, unit = int(words[1]), _UNITS.get(words[2])
        if unit is None or count < 1:
            return None
        return _Reading(None, count * unit, clock)
    if len(words) == 1 and (match := _DATE.fullmatch(words[0])):
        try:
            return _Reading(date(*map(int, match.groups())), 0, clock)
        except ValueError:
            return None
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
