"""The demo: the happy path first, every event explained, and never an unexplained skip.

The demo runs here as the daemon runs it (wake when due, decide, send) on an injected
clock: a minute of demo takes no time, and nothing sleeps.
"""

from __future__ import annotations

import argparse
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from halfway.channels.sending import ChannelResult
from halfway.cli.invocation import demo_banner, demo_settings
from halfway.core.instants import parse_instant
from halfway.demo import answers
from halfway.engine.daemon import Daemon
from halfway.store.database import Store

from .conftest import Clock
from .engine import deliveries


def quiet_send(channels: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, ChannelResult]:
    return {name: ChannelResult(True) for name in channels}


def demo_daemon(tmp_path: Path, clock: Clock) -> Daemon:
    settings = demo_settings(argparse.Namespace(data_dir=str(tmp_path / "demo")))
    demo_banner(settings)  # as `halfway run --demo` says it, once its port is taken
    daemon = Daemon(
        settings, Store(settings.data_dir), clock=clock, send=quiet_send, demo=answers.Demo
    )
    daemon.start_up()
    return daemon


def run_for(daemon: Daemon, clock: Clock, seconds: int) -> None:
    """What `halfway run --demo` does for `seconds`: wake when something is due, do it."""
    end = clock() + timedelta(seconds=seconds)
    daemon.run_once()
    while (wake := daemon.plan()) is not None and wake <= end:
        clock.now = max(clock.now, wake)
        daemon.run_once()
    clock.now = end


def gestures(daemon: Daemon) -> list[dict[str, Any]]:
    return [d for d in deliveries(daemon) if d["nudge_id"] == "demo-gesture"]


def answered(daemon: Daemon) -> set[str]:
    return {r["delivery_id"] for r in daemon.store.everything()["replies"]}


def test_the_demo_answers_its_first_nudges_so_it_does_not_ease_off_at_once(
    tmp_path, capsys
) -> None:
    clock = Clock("2026-11-25T18:00:00+00:00")
    daemon = demo_daemon(tmp_path, clock)
    run_for(daemon, clock, 45)
    fires = gestures(daemon)
    assert len(fires) == 7  # every 6 s
    assert [d["state"] for d in fires] == ["sent"] * 7  # nothing skipped in the first 45 s
    assert not any(d.get("offer_pause") for d in deliveries(daemon))  # no "Would a break help?"
    assert {d["id"] for d in fires[:4]} <= answered(daemon)  # the happy path: answered
    assert "answers them for you" in capsys.readouterr().out


def test_when_the_demo_goes_quiet_it_eases_off_and_says_why(tmp_path) -> None:
    clock = Clock("2026-11-25T18:00:00+00:00")
    daemon = demo_daemon(tmp_path, clock)
    run_for(daemon, clock, 60)
    states = [d["state"] for d in gestures(daemon)]
    # four answered, three unanswered, then one skipped and one offering a pause
    assert states[:9] == ["sent"] * 7 + ["skipped", "sent"]
    skipped = gestures(daemon)[7]
    assert (skipped["reason"], skipped["unanswered"]) == ("backoff", 3)
    assert skipped["why"] == "eased off after 3 unanswered"
    assert gestures(daemon)[8]["offer_pause"] is True


def test_every_event_the_demo_logs_is_explained_in_one_line(tmp_path, caplog) -> None:
    clock = Clock("2026-11-25T18:00:00+00:00")
    daemon = demo_daemon(tmp_path, clock)
    with caplog.at_level(logging.INFO, logger="halfway"):
        run_for(daemon, clock, 60)
    lines = [r.getMessage() for r in caplog.records if r.name == "halfway"]
    events = [i for i, line in enumerate(lines) if line.startswith(("fire ", "demo: "))]
    assert len(events) > 10
    for index in events:
        explanation = lines[index + 1]
        assert explanation.startswith("  ↳ "), lines[index]
        assert "\n" not in explanation
    skip = next(line for line in lines if "recorded as skipped" in line)
    assert skip.endswith(": eased off after 3 unanswered")
    assert 'demo: answered demo-gesture for you: "made me tea without asking"' in lines


def test_a_second_demo_run_starts_with_the_happy_path_again(tmp_path, caplog) -> None:
    clock = Clock("2026-11-25T18:00:00+00:00")
    first = demo_daemon(tmp_path, clock)
    run_for(first, clock, 90)  # it ends easing off, its last sends unanswered
    assert "skipped" in [d["state"] for d in gestures(first)]
    clock.advance(hours=1)
    restarted = clock()
    again = demo_daemon(tmp_path, clock)
    with caplog.at_level(logging.INFO, logger="halfway"):
        run_for(again, clock, 30)
    new = [d for d in gestures(again) if parse_instant(d["created_at"]) >= restarted]
    assert new[0]["state"] == "missed"  # the hour it was stopped, counted in one record
    assert (new[0]["reason"], new[0]["why"]) == ("down", "halfway was not running then")
    assert new[0]["count"] > 500
    assert [d["state"] for d in new[1:]] == ["sent"] * 6  # not eased off
    assert new[1]["id"] in answered(again)
    assert "halfway was not running then" in caplog.text


@pytest.mark.parametrize("nudge_id", ["demo-boundary", "demo-breathe"])
def test_the_other_demo_nudges_are_answered_first_too(tmp_path, nudge_id) -> None:
    clock = Clock("2026-11-25T18:00:00+00:00")
    daemon = demo_daemon(tmp_path, clock)
    run_for(daemon, clock, 130)
    fires = [d for d in deliveries(daemon) if d["nudge_id"] == nudge_id]
    assert fires[0]["id"] in answered(daemon)
    assert all(d["state"] == "sent" for d in fires)


def test_the_demo_on_a_busy_port_says_so_in_one_line_before_any_banner(
    halfway, tmp_path, monkeypatch
) -> None:
    import re
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        listen = f"127.0.0.1:{taken.getsockname()[1]}"
        monkeypatch.setenv("HALFWAY_SERVER__LISTEN", listen)
        ran = halfway("run", "--demo", "--data-dir", str(tmp_path / "demo"))
    assert ran.code == 2
    assert ran.out == ""  # no banner for a demo that does not run
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        f"halfway run: cannot listen on {listen} (Address already in use); run the demo on"
        " another port: HALFWAY_SERVER__LISTEN=127.0.0.1:"
    )
    assert re.search(r"=127\.0\.0\.1:(\d+|PORT) halfway run --demo$", lines[0])
    assert not (tmp_path / "demo").exists()  # nothing written
