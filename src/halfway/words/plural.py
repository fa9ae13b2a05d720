"""A count said with its noun, as a person would: '1 nudge', '3 nudges', never a noun
with '(s)' after it. Pure: imports nothing of halfway's."""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 nudge', '0 nudges', '2 nudges'; `nouns` where the plural is not `noun` + 's'."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def were(count: int) -> str:
    """The verb after a count: '1 record was', '2 records were'."""
    return "was" if count == 1 else "were"
