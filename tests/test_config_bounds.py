"""Every duration and instant of the config is bounded where it is read (exit 2,
one line naming the key and the bound), and a value that still overflows at run time
skips its own nudge only; nudge texts are held to the [words] limits."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from halfway.cli import main
from halfway.words import catalog

from .conftest import Clock, config_text
from .engine import make_daemon

NUDGE = '[[nudges]]\nid = "n"\nkind = "custom"\n'
PHONE = {"phone": "json://127.0.0.1:9/hook"}
CRON = 'cron = "0 9 * * *"\n'


def refused(halfway, config_file, body: str, **kwargs) -> str:
    """`check` on a config of `body`: exit 2 and the one line it says (the file's name off)."""
    config = config_file(body, channels=PHONE, **kwargs)
    ran = halfway("check", "--config", str(config.path))
    assert ran.code == 2, (ran.out, ran.err)
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in ran.err
    assert "Error" not in ran.err
    prefix = f"{config.path}: "
    assert lines[0].startswith(prefix), lines[0]
    return lines[0].removeprefix(prefix)


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (
            NUDGE + CRON + 'reply_window = "999999999d"\n',
            "nudges[0].reply_window: '999999999d' is longer than 366d (a year), the most it may be",
        ),
        (
            NUDGE + 'every = "999999999d"\n',
            "nudges[0].every: '999999999d' is longer than 366d (a year), the most it may be",
        ),
        (
            NUDGE + CRON + 'catch_up = "99999999999999999999d"\n',
            "nudges[0].catch_up: '99999999999999999999d' is longer than 366d (a year),"
            " the most it may be",
        ),
        (
            NUDGE + CRON + 'snooze = "367d"\n',
            "nudges[0].snooze: '367d' is longer than 366d (a year), the most it may be",
        ),
        (
            NUDGE + 'at = "0001-01-01T00:00"\n',
            "nudges[0].at: '0001-01-01T00:00:00' is outside the years 1970 to 9000",
        ),
        (
            NUDGE + "at = 9999-12-31T23:59:00\n",
            "nudges[0].at: '9999-12-31T23:59:00' is outside the years 1970 to 9000",
        ),
        (
            NUDGE + CRON + "remind_max = 99999999999\n",
            "nudges[0].remind_max: Input should be less than or equal to 20",
        ),
        (
            NUDGE + CRON + '[outbox]\ngive_up_after = "9999999w"\n',
            "outbox.give_up_after: '9999999w' is longer than 366d (a year), the most it may be",
        ),
        (
            NUDGE + CRON + '[talks]\nreply_window = "400d"\n',
            "talks.reply_window: '400d' is longer than 366d (a year), the most it may be",
        ),
        (
            'heartbeat_every = "2d"\n' + NUDGE + CRON,
            "heartbeat_every: '2d' is longer than 1d, the most it may be",
        ),
    ],
)
def test_a_huge_duration_or_instant_is_one_line_naming_the_key_and_its_bound(
    halfway, config_file, body, line
) -> None:
    assert refused(halfway, config_file, body) == line


def test_a_send_timeout_is_at_most_an_hour(halfway, config_file) -> None:
    assert (
        refused(halfway, config_file, NUDGE + CRON, send_timeout="99999999999999999999s")
        == "send_timeout: '99999999999999999999s' is longer than 1h, the most it may be"
    )


def test_the_bounds_themselves_are_taken(halfway, config_file) -> None:
    body = (
        NUDGE
        + 'every = "366d"\ncatch_up = "366d"\nreply_window = "52w2d"\nremind_after = "366d"\n'
        + "remind_max = 20\n"
        + '[[nudges]]\nid = "m"\nkind = "custom"\nat = "9000-12-31T23:59"\n'
        + '[[nudges]]\nid = "o"\nkind = "custom"\nat = "1970-01-01T00:00"\n'
    )
    config = config_file(body, channels=PHONE)
    ran = halfway("check", "--config", str(config.path))
    assert ran.code == 0, ran.err


def test_a_nudge_whose_times_overflow_is_skipped_alone_and_logged_once(tmp_path, caplog) -> None:
    """Were a value past the config's bounds to reach the planner, its nudge is skipped
    (one log line) and the healthy nudge beside it still fires."""
    clock = Clock("2026-12-01T09:00:00+01:00")
    body = (
        '[[nudges]]\nid = "healthy"\nkind = "custom"\nevery = "1m"\n'
        '[[nudges]]\nid = "huge"\nkind = "custom"\nevery = "1m"\n'
    )
    daemon = make_daemon(tmp_path, body, clock, phone="json://127.0.0.1:9/hook")
    healthy, huge = daemon.settings.nudges
    huge = huge.model_copy(update={"reply_window": timedelta(days=999_999_999)})
    daemon.use(daemon.settings.model_copy(update={"nudges": [healthy, huge]}))
    with caplog.at_level(logging.INFO, logger="halfway"):
        for _ in range(3):
            clock.advance(minutes=1)
            fired = daemon.planner.tick()
            assert [r["nudge_id"] for r in fired] == ["healthy"]
    skipped = [r.getMessage() for r in caplog.records if "huge" in r.getMessage()]
    assert skipped == ["nudge huge is skipped: its times overflow (date value out of range)"]
    assert "huge" not in daemon.planner.next_fires()  # no wake-up loop on it either


def test_a_nudge_text_is_held_to_the_words_limit(halfway, config_file) -> None:
    long = "x" * (catalog.MAX_VARIANT + 1)
    line = refused(halfway, config_file, NUDGE + CRON + f'text = "{long}"\n')
    assert line == (
        f"nudges[0].text: must be at most {catalog.MAX_VARIANT} characters"
        f" (it has {catalog.MAX_VARIANT + 1})"
    )
    body = NUDGE + CRON + f'text = "{"x" * catalog.MAX_VARIANT}"\n'
    ran = halfway("check", "--config", str(config_file(body, channels=PHONE).path))
    assert ran.code == 0, ran.err


DURATION_KEYS = ["every", "catch_up", "remind_after", "snooze", "reply_window"]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    key=st.sampled_from(DURATION_KEYS),
    number=st.one_of(st.integers(1, 400), st.integers(1, 10**22)),
    unit=st.sampled_from("smhdw"),
    moment=st.datetimes(),
)
def test_any_duration_or_instant_is_taken_or_refused_by_name_never_a_crash(
    key, number, unit, moment
) -> None:
    """`check` on one nudge with a drawn duration and another with a drawn instant: exit
    0, or exit 2 with a line naming the key; never exit 1."""
    timing = "" if key == "every" else 'cron = "0 9 * * *"\n'
    body = NUDGE + timing + f'{key} = "{number}{unit}"\n'
    body += f'[[nudges]]\nid = "m"\nkind = "custom"\nat = "{moment.isoformat()}"\n'
    with tempfile.TemporaryDirectory() as home:
        path = Path(home) / "config.toml"
        path.write_text(config_text(body, data_dir=Path(home) / "data", channels=PHONE))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main.main(["check", "--config", str(path)])
    assert code in (0, 2), err.getvalue()
    if code == 2:
        lines = err.getvalue().splitlines()
        assert lines
        assert all(
            re.match(rf"{re.escape(str(path))}: nudges\[[01]\]\.(at|{key}): ", line)
            for line in lines
        ), lines


def test_the_longest_durations_at_the_last_instant_still_fire(tmp_path) -> None:
    """The bounds leave room for the sums the planner does: a one-off at the end of year
    9000 with every span at its most fires, and its reply link's end is written down."""
    clock = Clock("9000-12-31T23:58:00+01:00")
    body = (
        '[[nudges]]\nid = "last"\nkind = "custom"\nat = "9000-12-31T23:59"\n'
        'catch_up = "366d"\nreply_window = "366d"\nremind_after = "366d"\nremind_max = 20\n'
        'snooze = "366d"\n'
        '[[nudges]]\nid = "yearly"\nkind = "custom"\nevery = "366d"\ncatch_up = "366d"\n'
        'reply_window = "366d"\n'
    )
    daemon = make_daemon(tmp_path, body, clock, phone="json://127.0.0.1:9/hook")
    clock.advance(minutes=2)
    fired = daemon.planner.tick()
    assert [r["nudge_id"] for r in fired] == ["last"]
    assert fired[0]["expires_at"].startswith("9002-01-01")
    clock.advance(days=366)
    daemon.planner.remind()
    assert [r["nudge_id"] for r in daemon.planner.tick()] == ["yearly"]
    assert daemon.planner.broken == set()


@pytest.mark.parametrize("days", ["3661", "3660000", "99999999999"])
def test_upcoming_looks_at_most_ten_years_ahead(halfway, config_file, days) -> None:
    path = config_file(NUDGE + CRON, channels=PHONE).path
    ran = halfway("upcoming", "--days", days, "--config", str(path))
    assert ran.code == 2, ran.err  # it overflowed: exit 1
    assert f"'{days}' is more than 3660 days (10 years)" in ran.err
    assert len(ran.err.strip().splitlines()) == 1
    assert halfway("upcoming", "--days", "3660", "--config", str(path)).code == 0
