"""A planned talk's chain across a restart of the real daemon: the CLI plans it while one
daemon runs, that daemon stops, the next one wakes at the step's time and sends it to a
real loopback receiver."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .conftest import wait_for

BERLIN = ZoneInfo("Europe/Berlin")
AHEAD = 10  # seconds from now to the self-regulation step: room for two starts and a stop


def test_a_step_planned_before_a_restart_goes_out_at_its_time(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    now = datetime.now(UTC)
    # The talk on a whole minute (WHEN has no seconds), its self-regulation AHEAD s from now.
    talk_at = datetime.fromtimestamp(math.ceil((now.timestamp() + 40) / 60) * 60, UTC)
    due = now.replace(microsecond=0) + timedelta(seconds=AHEAD)
    before = int((talk_at - due).total_seconds())
    body = f'discreet = false\n[talks]\nself_regulation_before = "{before}s"\n'
    written = config_file(body, server=True, channels={"push": http_receiver.json_url()})
    path, listen = str(written.path), written.listen

    first = start_daemon("--config", path)
    wait_for(lambda: (first.health(listen) or {}).get("status") == "ok")
    when = talk_at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")
    ran = halfway("talk", "add", when, "--topic", "the move", "--config", path)
    assert ran.code == 0, ran.err
    shown = due.astimezone(BERLIN).strftime("%a %Y-%m-%d %H:%M:%S %Z")
    assert f"  self_regulation  {shown}" in ran.out.splitlines()
    assert "not running" not in ran.out  # the daemon holds the data: no word of waiting
    assert first.stop() == 0
    assert http_receiver.posts() == []  # its time had not come

    again = start_daemon("--config", path)
    wait_for(lambda: (again.health(listen) or {}).get("status") == "ok")
    seen = http_receiver.posts()  # read before the clock: a post seen now was sent by now
    ready = datetime.now(UTC)
    if ready < due:  # a slow machine may take longer than AHEAD to start twice
        assert seen == []  # never before its time
    wait_for(lambda: http_receiver.posts(), timeout=AHEAD + 10)
    arrived = datetime.now(UTC)
    # It went out when due (or at once, if the restart took longer), woken for it, not by
    # a later safety pass (every 30 s).
    assert due <= arrived < max(due, ready) + timedelta(seconds=5)
    assert again.stop() == 0
    [body_sent] = http_receiver.bodies()
    assert body_sent["title"] == "A calm minute for you"

    export = json.loads(halfway("export", "--format", "json", "--config", path).out)
    [delivery] = export["deliveries"]  # one message, sent once
    assert delivery["kind"] == "self_regulation"
    assert delivery["state"] == "sent"
    [talk] = export["talks"]
    assert delivery["talk_id"] == talk["id"]
    assert datetime.fromisoformat(delivery["scheduled_for"]) == due
    steps = {e["kind"]: e["state"] for e in talk["chain"]}
    assert steps == {
        "clarity_ask": "left_out",
        "reframe": "left_out",
        "self_regulation": "sent",
        "talk_reflection": "planned",
    }
