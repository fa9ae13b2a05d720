"""The one home of instants: their stored form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from halfway.core import instants


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
