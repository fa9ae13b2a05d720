"""The config's value types: durations, clock times, cron text and names, each a parser
plus the pydantic field type that uses it. Pure; knows nothing of the settings' tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BeforeValidator

from halfway.config import cron
from halfway.words.language import N_, _

_DURATION = re.compile(r"(\d+)([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
#: A nudge id or a choice code (with '_' read as '-').
NAME = re.compile(r"[a-z0-9-]+")
#: A key of [channels].
CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")


#: The longest a duration may be anywhere (a config key has its own, shorter, bound):
#: past it, time arithmetic overflows (`timedelta` ends at 999,999,999 days).
LONGEST = timedelta(days=3660)
LONGEST_SAID = N_("3660d (10 years)")
#: The instants a config may name: outside them a date and a duration overflow.
FIRST_YEAR, LAST_YEAR = 1970, 9000


def parse_duration(text: str, longest: timedelta = LONGEST, said: str = LONGEST_SAID) -> timedelta:
    """'90s', '6h', '3d', '1h30m' -> timedelta; ValueError if not of that form, or longer
    than `longest` (`said` as a person reads it, e.g. '366d (a year)')."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned or _DURATION.sub("", cleaned):
        raise ValueError(
            _(
                "'{text}' is not a duration (use a number and a unit s, m, h, d or w, e.g. '6h')"
            ).format(text=text)
        )
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _DURATION.findall(cleaned))
    if seconds <= 0:
        raise ValueError(_("'{text}' must be longer than zero").format(text=text))
    if seconds > longest.total_seconds():
        raise ValueError(too_long(text, said))
    return timedelta(seconds=seconds)


def too_long(text: str, said: str) -> str:
    return _("'{text}' is longer than {most}, the most it may be").format(text=text, most=_(said))


def duration_text(span: timedelta) -> str:
    """A timedelta as config writes it: 90 s -> '1m30s', 6 h -> '6h'."""
    seconds, parts = int(span.total_seconds()), []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def _duration_upto(longest: timedelta, said: str) -> Callable[[Any], timedelta]:
    """A config key's duration, no longer than `longest` (`said` as a person reads it)."""

    def check(value: Any) -> timedelta:
        if isinstance(value, timedelta):
            if value > longest:
                raise ValueError(too_long(duration_text(value), said))
            return value
        if not isinstance(value, str):
            raise ValueError(
                _("'{value}' is not a duration (write it as text, e.g. '6h')").format(value=value)
            )
        return parse_duration(value, longest, said)

    return check


def instant_problem(moment: datetime) -> str | None:
    """Why a date-time cannot be a config's instant (outside FIRST_YEAR..LAST_YEAR), or None."""
    if FIRST_YEAR <= moment.year <= LAST_YEAR:
        return None
    return _("'{moment}' is outside the years {first} to {last}").format(
        moment=moment.isoformat(), first=FIRST_YEAR, last=LAST_YEAR
    )


def _clock(value: Any) -> time:
    if isinstance(value, time):
        return value
    match = _CLOCK.fullmatch(str(value).strip())
    if not match:
        raise ValueError(
            _("'{value}' is not a time of day (use HH:MM, e.g. '22:00')").format(value=value)
        )
    return time(int(match.group(1)), int(match.group(2)))


def as_list(value: Any) -> Any:
    """A lone name written as a string counts as a list of one."""
    return [value] if isinstance(value, str) else value


def _cron(value: str) -> str:
    try:
        cron.parse(value)
    except cron.CronError as error:
        raise ValueError(
            _("'{value}' is not a valid cron expression ({problem})").format(
                value=value, problem=error
            )
        ) from None
    return value


#: A duration of at most a year: every schedule's, reply's and retry's span.
Duration = Annotated[
    timedelta, BeforeValidator(_duration_upto(timedelta(days=366), N_("366d (a year)")))
]
#: A duration of at most a day: how often halfway looks or pings.
DayDuration = Annotated[timedelta, BeforeValidator(_duration_upto(timedelta(days=1), N_("1d")))]
#: A duration of at most an hour: how long one send may take.
HourDuration = Annotated[timedelta, BeforeValidator(_duration_upto(timedelta(hours=1), N_("1h")))]
CronText = Annotated[str, AfterValidator(_cron)]
Clock = Annotated[time, BeforeValidator(_clock)]
NameList = Annotated[list[str], BeforeValidator(as_list)]
# How a typed date of numbers is read: day, month or year first (when.DATE_ORDERS).
DateOrder = Literal["dmy", "mdy", "ymd"]


def _name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise ValueError(_("'{value}' may only use a-z, 0-9 and '-'").format(value=value))
    return value


#: A nudge's or a boundary's id: [a-z0-9-].
NameId = Annotated[str, AfterValidator(_name)]


def at_most(limit: int, length: int) -> str:
    return _("must be at most {limit} characters (it has {length})").format(
        limit=limit, length=length
    )


def _one_line(limit: int) -> Callable[[str], str]:
    """A check for a text of one line, not empty, at most `limit` characters (trimmed)."""

    def check(value: str) -> str:
        text = value.strip()
        if not text:
            raise ValueError(_("must be a text that is not empty"))
        if "\n" in text or "\r" in text:
            raise ValueError(_("must be one line"))
        if len(text) > limit:
            raise ValueError(at_most(limit, len(text)))
        return text

    return check


#: A lock-screen title: one short line.
TitleText = Annotated[str, AfterValidator(_one_line(40))]
#: A line shown in every page's footer (a helpline's name and number).
LineText = Annotated[str, AfterValidator(_one_line(200))]

_WEB = re.compile(r"https?://[^/\s?#]+\S*")


def not_web(value: str) -> str:
    return _("'{value}' is not an http:// or https:// address").format(value=value)


def _web_address(value: str) -> str:
    if not _WEB.fullmatch(value.strip()):
        raise ValueError(not_web(value))
    return value.strip()


#: An http(s) address, e.g. where a page's quick-exit link goes.
WebAddress = Annotated[str, AfterValidator(_web_address)]


# The kinds a [[nudges]] entry may name.
Kind = Literal[
    "self_regulation",
    "clarity_ask",
    "reframe",
    "boundary",
    "gesture_log",
    "talk_reflection",
    "pattern_review",
    "custom",
]
KINDS: tuple[str, ...] = get_args(Kind)
