"""The times halfway shows: as precise as the schedule, cut to a readable length, and
exactly the times it fires (computed by the code that fires, pauses included)."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

from freezegun import freeze_time

from halfway.channels import sending
from halfway.channels.sending import ChannelResult
from halfway.cli import status
from halfway.config import loader
from halfway.core import cursors, schedule
from halfway.core.instants import parse_instant
from halfway.engine.daemon import Daemon
from halfway.store import pauses
from halfway.store.database import Store

from .conftest import Clock, config_text
from .engine import deliveries

# Takes no reply, so halfway never eases off it: every fire it owes is sent.
OFTEN = '[[nudges]]\nid = "often"\nkind = "custom"\nevery = "15s"\nreply = "none"\n'
EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
CHANNELS = {"push": "json://127.0.0.1:9/never-reached"}


def quiet_send(channels: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, ChannelResult]:
    return {name: ChannelResult(True) for name in channels}


def daemon_on(tmp_path: Path, body: str, clock: Clock) -> Daemon:
    data = tomllib.loads(config_text(body, data_dir=tmp_path / "data", channels=CHANNELS))
    settings = loader.build(data, "test config", sending.url_problem)
    daemon = Daemon(settings, Store(settings.data_dir), clock=clock, send=quiet_send)
    daemon.start_up()
    return daemon


def shown_by_status(daemon: Daemon) -> str:
    view = daemon.store.view()
    hot = {name: view.records(name) for name in ("deliveries", "nudges", "channels")}
    return status.render(daemon.settings, hot, None, daemon.clock(), daemon.planner.cursor_times())


@freeze_time("2026-11-25T12:00:00Z")
def test_upcoming_shows_seconds_for_a_nudge_every_15_seconds(halfway, config_file) -> None:
    path = str(config_file(OFTEN).path)
    ran = halfway("upcoming", "--limit", "3", "--config", path)
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[:3] == [
        "Wed 2026-11-25 13:00:15 CET  often (custom)",
        "Wed 2026-11-25 13:00:30 CET  often (custom)",
        "Wed 2026-11-25 13:00:45 CET  often (custom)",
    ]


@freeze_time("2026-11-25T12:00:00Z")
def test_upcoming_shows_twenty_by_default_and_says_when_it_cut_the_list(
    halfway, config_file
) -> None:
    path = str(config_file(OFTEN + EVENING).path)
    ran = halfway("upcoming", "--config", path)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert len(lines) == 21  # not 40,331
    assert lines[-1] == "… and more; use --limit to see more than 20"
    few = halfway("upcoming", "--limit", "2", "--days", "1", "--config", path).out.splitlines()
    assert few == [
        "Wed 2026-11-25 13:00:15 CET  often (custom)",
        "Wed 2026-11-25 13:00:30 CET  often (custom)",
        "… and more; use --limit to see more than 2",
    ]
    whole = halfway("upcoming", "--limit", "9", "--config", str(config_file(EVENING).path))
    assert "… and more" not in whole.out  # 7 fires in 7 days: nothing was cut
    assert len(whole.out.splitlines()) == 7


@freeze_time("2026-11-25T12:00:00Z")
def test_check_shows_every_time_in_its_list_to_the_same_precision(halfway, config_file) -> None:
    # one nudge every 15 s: every time in the list has its seconds, never 20:00 beside
    # 13:00:15, the pause's end too
    path = str(config_file(OFTEN + EVENING).path)
    assert halfway("pause", "evening", "--until", "2026-11-27", "--config", path).code == 0
    lines = halfway("check", "--config", path).out.splitlines()
    listed = lines[lines.index("nudges (next 3 fires, local time):") + 1 :]
    assert listed[0] == "  paused: evening until Fri 2026-11-27 00:00:00 CET"
    assert listed[1].startswith("  often (custom): Wed 2026-11-25 13:00:15 CET, ")
    assert listed[2].startswith("  evening (gesture_log): Wed 2026-11-25 20:00:00 CET, ")
    alone = halfway("check", "--config", str(config_file(EVENING).path)).out
    assert "  evening (gesture_log): Wed 2026-11-25 20:00 CET, " in alone  # none needs them


@freeze_time("2026-11-25T12:00:00Z")
def test_upcoming_shows_a_pause_to_the_precision_of_its_list(halfway, config_file) -> None:
    path = str(config_file(OFTEN + EVENING).path)
    assert halfway("pause", "evening", "--until", "2026-11-27", "--config", path).code == 0
    lines = halfway("upcoming", "--limit", "1", "--config", path).out.splitlines()
    assert lines[0] == "Wed 2026-11-25 13:00:15 CET  often (custom)"
    assert lines[-1].startswith("paused: evening until Fri 2026-11-27 00:00:00 CET (")


@freeze_time("2026-11-25T12:00:07Z")
def test_a_fire_merely_off_the_minute_shows_no_seconds(halfway, config_file) -> None:
    # counted from a start at 13:00:07, every 3 days: the schedule needs no seconds
    body = '[[nudges]]\nid = "sometimes"\nkind = "custom"\nevery = "3d"\n'
    ran = halfway("upcoming", "--limit", "1", "--config", str(config_file(body + EVENING).path))
    assert ran.out.splitlines()[0] == "Wed 2026-11-25 20:00 CET  evening (gesture_log)"
    ran = halfway("check", "--config", str(config_file(body).path))
    assert "  sometimes (custom): Sat 2026-11-28 13:00 CET, " in ran.out


@freeze_time("2026-11-25T12:00:00Z")
def test_upcoming_says_a_fire_moved_by_quiet_hours_in_one_parenthesis(halfway, config_file) -> None:
    quiet = '[quiet_hours]\nstart = "19:00"\nend = "21:00"\n'
    ran = halfway("upcoming", "--limit", "1", "--config", str(config_file(EVENING + quiet).path))
    assert ran.out.splitlines()[0] == (
        "Wed 2026-11-25 21:00 CET  evening (gesture_log, after quiet hours)"
    )


def test_upcoming_refuses_a_limit_that_is_not_a_count(halfway, config_file) -> None:
    path = str(config_file(OFTEN).path)
    ran = halfway("upcoming", "--limit", "0", "--config", path)
    assert ran.code == 2
    assert ran.err.strip().splitlines() == [
        "halfway upcoming: argument --limit: '0' is not a whole number of 1 or more"
        " (see 'halfway upcoming --help')"
    ]


@freeze_time("2026-11-25T12:00:00Z")
def test_upcoming_leaves_out_the_fires_a_pause_skips_and_says_so(halfway, config_file) -> None:
    path = str(config_file(EVENING).path)
    assert halfway("pause", "evening", "--until", "2026-11-27", "--config", path).code == 0
    ran = halfway("upcoming", "--days", "4", "--config", path)
    assert ran.out.splitlines() == [
        "Fri 2026-11-27 20:00 CET  evening (gesture_log)",
        "Sat 2026-11-28 20:00 CET  evening (gesture_log)",
        "paused: evening until Fri 2026-11-27 00:00 CET (its fires and reminders are skipped meanwhile)",
    ]


def test_status_shows_a_paused_nudge_apart_not_under_next_fires(tmp_path) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    noon = '[[nudges]]\nid = "noon"\nkind = "custom"\ncron = "0 12 * * *"\n'
    daemon = daemon_on(tmp_path, EVENING + noon, clock)
    pauses.pause(daemon.store, ["noon"], clock(), None)
    text = shown_by_status(daemon)
    upcoming = text.split("next fires:")[1].split("\n\n")[0]
    assert "evening" in upcoming
    assert "noon" not in upcoming
    assert "paused: noon until you resume (its fires and reminders are skipped meanwhile)" in text


def test_status_shows_seconds_when_the_schedule_needs_them(tmp_path) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = daemon_on(tmp_path, OFTEN, clock)
    pauses.pause(daemon.store, ["often"], clock(), clock() + timedelta(seconds=40))
    clock.advance(seconds=31)
    daemon.run_once()
    text = shown_by_status(daemon)
    assert "  Wed 2026-11-25 10:00:45 CET  often" in text  # the first fire after the pause
    assert (
        "skipped: often Wed 2026-11-25 10:00:15 CET (2 fires, to Wed 2026-11-25 10:00:30 CET)"
        in text
    )
    assert text.rstrip().endswith(": paused")


def test_status_shows_every_time_on_its_page_to_the_same_precision(tmp_path) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = daemon_on(tmp_path, OFTEN + EVENING, clock)
    pauses.pause(daemon.store, ["evening"], clock(), clock() + timedelta(days=2))
    view = daemon.store.view()
    hot = {name: view.records(name) for name in ("deliveries", "nudges", "channels")}
    since = daemon.planner.cursor_times()
    digest = parse_instant("2026-11-30T08:00:00+01:00")
    text = status.render(
        daemon.settings, hot, None, clock(), since, (), [("weekly digest", digest, False)]
    )
    assert "  Wed 2026-11-25 10:00:15 CET  often" in text
    assert "paused: evening until Fri 2026-11-27 10:00:00 CET (" in text
    assert "weekly digest: next Mon 2026-11-30 08:00:00 CET" in text


def test_the_fires_shown_are_the_fires_it_sends(tmp_path) -> None:
    # an `every` under a minute, quiet hours, a pause: what `upcoming` and `status`
    # show must be what the daemon then sends, to the second
    clock = Clock("2026-11-25T21:59:10+01:00")
    body = OFTEN + EVENING + '[quiet_hours]\nstart = "22:00"\nend = "22:02"\n'
    daemon = daemon_on(tmp_path, body, clock)
    clock.advance(seconds=20)
    daemon.run_once()  # a fire at 21:59:25, so the cursor has moved once
    pauses.pause(daemon.store, ["often"], clock(), clock() + timedelta(minutes=3))
    settings, now = daemon.settings, clock()
    rows = daemon.store.view().records("nudges")
    shown = schedule.upcoming(
        settings.nudges,
        settings.tz,
        settings.quiet_hours,
        now,
        now + timedelta(minutes=10),
        since=daemon.planner.cursor_times(),
        pauses=cursors.all_pauses(rows, [n.id for n in settings.nudges]),
    )
    end = now + timedelta(minutes=10)
    while (wake := daemon.plan()) is not None and wake <= end:
        clock.now = max(clock.now, wake)
        daemon.run_once()
    sent = [
        (d["nudge_id"], parse_instant(d["scheduled_for"]), parse_instant(d["due_at"]))
        for d in deliveries(daemon)
        if d["state"] == "sent" and parse_instant(d["scheduled_for"]) > now
    ]
    assert sent == [(f.nudge_id, f.scheduled_for, f.due_at) for f in shown]
    assert len(sent) == 28  # 22:02:40 … 22:09:25 CET, every 15 s, from the end of the pause
