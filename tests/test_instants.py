"""The one home of instants: their stored form, and a wall time across daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from halfway.core import instants

BERLIN = ZoneInfo("Europe/Berlin")


def test_an_instant_is_stored_as_utc_text_and_read_back_unchanged():
    moment = datetime(2026, 11, 25, 19, 30, tzinfo=timezone(timedelta(hours=1)))
    text = instants.format_instant(moment)
    assert text == "2026-11-25T18:30:00+00:00"
    assert instants.parse_instant(text) == moment


def test_a_naive_datetime_is_never_stored():
    with pytest.raises(ValueError, match="naive"):
        instants.format_instant(datetime(2026, 11, 25, 19, 30))


def test_an_old_local_offset_is_read_as_the_same_instant():
    parsed = instants.parse_instant("2026-11-25T19:30:00+01:00")
    assert parsed.utcoffset() == timedelta(hours=1)
    assert parsed.astimezone(UTC) == datetime(2026, 11, 25, 18, 30, tzinfo=UTC)


def test_a_wall_time_in_the_spring_gap_moves_forward_by_the_gap():
    wall = datetime(2026, 3, 29, 2, 30)
    assert instants.wall_time_change(wall, BERLIN) == instants.GAP
    assert instants.instant_at_wall(wall, BERLIN) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert instants.instant_at_wall(wall, BERLIN).astimezone(BERLIN).hour == 3


def test_a_wall_time_that_happens_twice_is_its_first_occurrence():
    wall = datetime(2026, 10, 25, 2, 30)
    assert instants.wall_time_change(wall, BERLIN) == instants.REPEAT
    assert instants.instant_at_wall(wall, BERLIN) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_an_ordinary_wall_time_is_its_one_instant():
    wall = datetime(2026, 11, 25, 19, 30)
    assert instants.wall_time_change(wall, BERLIN) is None
    assert instants.instant_at_wall(wall, BERLIN) == datetime(2026, 11, 25, 18, 30, tzinfo=UTC)
