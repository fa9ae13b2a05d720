"""The config's value types: durations, clock times, cron text and names, each a parser
plus the pydantic field type that uses it. Pure; knows nothing of the settings' tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from halfway import cron

_DURATION = re.compile(r"(\d+)([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
#: A nudge id or a choice code (with '_' read as '-').
NAME = re.compile(r"[a-z0-9-]+")
#: A key of [channels].
CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")


def parse_duration(text: str) -> timedelta:
    """'90s', '6h', '3d', '1h30m' -> timedelta; ValueError if not of that form."""
    cleaned = text.strip().replace(" ", "")
    if not cleaned or _DURATION.sub("", cleaned):
        raise ValueError(
            f"'{text}' is not a duration (use a number and a unit s, m, h, d or w, e.g. '6h')"
        )
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _DURATION.findall(cleaned))
    if seconds <= 0:
        raise ValueError(f"'{text}' must be longer than zero")
    return timedelta(seconds=seconds)


def duration_text(span: timedelta) -> str:
    """A timedelta as config writes it: 90 s -> '1m30s', 6 h -> '6h'."""
    seconds, parts = int(span.total_seconds()), []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"'{value}' is not a duration (write it as text, e.g. '6h')")
    return parse_duration(value)


def _clock(value: Any) -> time:
    if isinstance(value, time):
        return value
    match = _CLOCK.fullmatch(str(value).strip())
    if not match:
        raise ValueError(f"'{value}' is not a time of day (use HH:MM, e.g. '22:00')")
    return time(int(match.group(1)), int(match.group(2)))


def as_list(value: Any) -> Any:
    """A lone name written as a string counts as a list of one."""
    return [value] if isinstance(value, str) else value


def _cron(value: str) -> str:
    try:
        cron.parse(value)
    except cron.CronError as error:
        raise ValueError(f"'{value}' is not a valid cron expression ({error})") from None
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
CronText = Annotated[str, AfterValidator(_cron)]
Clock = Annotated[time, BeforeValidator(_clock)]
NameList = Annotated[list[str], BeforeValidator(as_list)]


def _name(value: str) -> str:
    if not NAME.fullmatch(value):
        raise ValueError(f"'{value}' may only use a-z, 0-9 and '-'")
    return value


#: A nudge's or a boundary's id: [a-z0-9-].
NameId = Annotated[str, AfterValidator(_name)]


def _one_line(limit: int) -> Callable[[str], str]:
    """A check for a text of one line, not empty, at most `limit` characters (trimmed)."""

    def check(value: str) -> str:
        text = value.strip()
        if not text:
            raise ValueError("must be a text that is not empty")
        if "\n" in text or "\r" in text:
            raise ValueError("must be one line")
        if len(text) > limit:
            raise ValueError(f"must be at most {limit} characters (it has {len(text)})")
        return text

    return check


#: A lock-screen title: one short line.
TitleText = Annotated[str, AfterValidator(_one_line(40))]
#: A line shown in every page's footer (a helpline's name and number).
LineText = Annotated[str, AfterValidator(_one_line(200))]

_WEB = re.compile(r"https?://[^/\s?#]+\S*")


def _web_address(value: str) -> str:
    if not _WEB.fullmatch(value.strip()):
        raise ValueError(f"'{value}' is not an http:// or https:// address")
    return value.strip()


#: An http(s) address, e.g. where a page's quick-exit link goes.
WebAddress = Annotated[str, AfterValidator(_web_address)]
