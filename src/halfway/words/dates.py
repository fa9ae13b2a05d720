"""Dates, weekdays, times and numbers as the configured language writes them, with
Babel's locale data (CLDR): "Sat 5 Dec" in English, "Sa., 5. Dez." in German, "sáb, 5
dic" in Spanish. Every date or time a person reads is written through here; dates a
machine reads (ISO weeks, file names, `2026-12-05 19:00` in a CLI listing) are not.

English is written as in Britain (day before month, a 24-hour clock), the form halfway
has always shown. Pure: imports nothing of halfway's but the language of the moment.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from halfway.words.language import current

LOCALES = {"en": "en_GB", "de": "de_DE", "es": "es_ES"}


def locale() -> str:
    """The Babel locale of the configured language."""
    return LOCALES[current()]


# British CLDR shortens September to "Sept"; halfway has always written "Sep".
_SEPT = re.compile(r"\bSept\b")


def _english(written: str) -> str:
    return _SEPT.sub("Sep", written) if current() == "en" else written


def _skeleton(skeleton: str, day: date) -> str:
    from babel.dates import format_skeleton

    return _english(format_skeleton(skeleton, day, locale=locale()))


def _pattern(pattern: str, day: date | datetime) -> str:
    from babel.dates import format_date

    return _english(format_date(day, pattern, locale=locale()))


def day_month(day: date) -> str:
    """'5 Dec', '5. Dez.', '5 dic'"""
    return _skeleton("MMMd", day)


def day_month_year(day: date) -> str:
    """'5 Dec 2026', '5. Dez. 2026', '5 dic 2026'"""
    return _skeleton("yMMMd", day)


def weekday_day(day: date) -> str:
    """'Sat 5 Dec', 'Sa., 5. Dez.', 'sáb, 5 dic'"""
    return _skeleton("MMMEd", day)


def weekday_day_year(day: date) -> str:
    """'Wed, 2 Dec 2026', 'Mi., 2. Dez. 2026', 'mié, 2 dic 2026'"""
    return _skeleton("yMMMEd", day)


def day_full_month(day: date) -> str:
    """'5 December', '5. Dezember', '5 de diciembre'"""
    return _skeleton("MMMMd", day)


def month(day: date) -> str:
    """'December', 'Dezember', 'diciembre' (the month's name on its own)"""
    return _pattern("LLLL", day)


def month_short(day: date) -> str:
    """'Dec', 'Dez', 'dic'"""
    return _pattern("LLL", day)


def weekday(day: date) -> str:
    """'Sat', 'Sa.', 'sáb'"""
    return _pattern("EEE", day)


def weekday_long(day: date) -> str:
    """'Saturday', 'Samstag', 'sábado'"""
    return _pattern("EEEE", day)


def clock(at: time | datetime) -> str:
    """'19:00' (a 24-hour clock in each of halfway's languages)"""
    from babel.dates import format_time

    return format_time(at, "HH:mm", locale=locale())


def number(value: float) -> str:
    """'1,234.5', '1.234,5', '1234,5'"""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=locale())
