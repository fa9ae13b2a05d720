"""Instants, as pure rules: the one stored form of an instant, and the one way a wall
time in the configured zone becomes an instant across a change of daylight saving.

Every stored instant is ISO 8601 text in UTC, written by `format_instant`; rules read
it back with `parse_instant` and compare the datetimes, never the text. What a person
types (a config value, a talk's WHEN, `--until`) has a grammar of its own and is read
where that grammar lives.

Nothing here reads the clock or the disk.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

# What daylight saving does to a wall time (`wall_time_change`).
GAP = "gap"  # it does not exist (the clocks go forward): it is moved forward by the gap
REPEAT = "repeat"  # it exists twice (the clocks go back): it is its first occurrence


def format_instant(moment: datetime) -> str:
    """The one stored form of an instant: ISO 8601 text in UTC."""
    if moment.tzinfo is None:
        raise ValueError(f"a naive datetime cannot be stored: {moment!r}")
    return moment.astimezone(UTC).isoformat()


def parse_instant(text: str) -> datetime:
    """A stored instant, read back as an aware datetime (any offset is accepted and kept:
    old files carry local ones, and readers show local texts)."""
    return datetime.fromisoformat(text)


def instant_at_wall(wall: datetime, zone: tzinfo) -> datetime:
    """The instant (UTC) of the naive wall time `wall` in `zone`: a wall time in the
    spring gap is moved forward by the gap, one that happens twice (the autumn repeat)
    is its first occurrence."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def wall_time_change(wall: datetime, zone: tzinfo) -> str | None:
    """GAP if the naive wall time `wall` does not exist in `zone`, REPEAT if it exists
    twice, else None (see `instant_at_wall` for the instant either way)."""
    if instant_at_wall(wall, zone).astimezone(zone).replace(tzinfo=None) != wall:
        return GAP
    if (
        wall.replace(tzinfo=zone, fold=0).utcoffset()
        != wall.replace(tzinfo=zone, fold=1).utcoffset()
    ):
        return REPEAT
    return None
