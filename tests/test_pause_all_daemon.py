"""Pause everything, with the real `halfway run` and a real loopback receiver: once
`halfway pause --all` is written, neither a nudge's reminder nor a planned talk's step
reach the phone; each is recorded as skipped when its time comes."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .conftest import soon, wait_for

BERLIN = ZoneInfo("Europe/Berlin")
STEP_AHEAD = 13  # seconds from now to the talk's self-regulation step


def test_nothing_arrives_from_the_running_daemon_during_a_pause_of_everything(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    now = datetime.now(UTC)
    talk_at = datetime.fromtimestamp(math.ceil((now.timestamp() + 40) / 60) * 60, UTC)
    step_due = now.replace(microsecond=0) + timedelta(seconds=STEP_AHEAD)
    before = int((talk_at - step_due).total_seconds())
    body = (
        f'discreet = false\n[talks]\nself_regulation_before = "{before}s"\n'
        '[[nudges]]\nid = "b"\nkind = "boundary"\n'
        f'at = "{soon(2)}"\nremind_after = "8s"\nremind_max = 1\n'
    )
    written = config_file(body, server=True, channels={"push": http_receiver.json_url()})
    path, listen = str(written.path), written.listen
    when = talk_at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")
    assert halfway("talk", "add", when, "--config", path).code == 0

    daemon = start_daemon("--config", path)
    wait_for(lambda: (daemon.health(listen) or {}).get("status") == "ok")
    wait_for(lambda: http_receiver.posts(), timeout=15)  # the nudge itself, before the pause
    ran = halfway("pause", "--all", "--config", path)
    assert ran.code == 0, ran.err

    def skipped() -> list[dict]:
        export = json.loads(halfway("export", "--format", "json", "--config", path).out)
        return [d for d in export["deliveries"] if d["state"] == "skipped"]

    # The reminder (due 8 s after the nudge) and the step (13 s from the start) come due
    # in the pause; there is room for a slow start before the pause is written.
    wait_for(lambda: len(http_receiver.posts()) > 1 or len(skipped()) == 2, timeout=30)
    assert len(http_receiver.posts()) == 1  # nothing at all arrived during the pause
    found = skipped()
    assert sorted(d["kind"] for d in found) == ["boundary", "self_regulation"]
    assert {d["reason"] for d in found} == {"paused"}
    health = daemon.health(listen) or {}
    assert health.get("status") == "ok"
    assert daemon.stop() == 0
    assert len(http_receiver.posts()) == 1
