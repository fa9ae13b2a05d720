"""Instants, as pure rules: the one stored form of an instant.

Every stored instant is ISO 8601 text in UTC, written by `format_instant`; rules read
it back with `parse_instant` and compare the datetimes, never the text. What a person
types (a config value, a talk's WHEN, `--until`) has a grammar of its own and is read
where that grammar lives.

Nothing here reads the clock or the disk.
"""

from __future__ import annotations

from datetime import UTC, datetime


def format_instant(moment: datetime) -> str:
    """The one stored form of an instant: ISO 8601 text in UTC."""
    if moment.tzinfo is None:
        raise ValueError(f"a naive datetime cannot be stored: {moment!r}")
    return moment.astimezone(UTC).isoformat()


def parse_instant(text: str) -> datetime:
    """A stored instant, read back as an aware datetime (any offset is accepted and kept:
    old files carry local ones, and readers show local texts)."""
    return datetime.fromisoformat(text)
