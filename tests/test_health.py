"""/healthz tells the truth: starting until every catch-up is decided, failing while passes fail."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from halfway.engine.alerts import ping_url

from .conftest import Clock
from .engine import make_daemon

EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'


async def health_of(daemon: Any) -> tuple[int, dict[str, Any]]:
    daemon.attach(asyncio.get_running_loop())
    return await asked(daemon)


async def asked(daemon: Any) -> tuple[int, dict[str, Any]]:
    """/healthz of a daemon already attached to the running loop."""
    async with TestClient(TestServer(daemon.web_app())) as client:
        answer = await client.get("/healthz")
        return answer.status, await answer.json()


def test_health_says_starting_until_the_catch_up_is_decided(tmp_path) -> None:
    daemon = make_daemon(tmp_path, EVENING, Clock("2026-11-25T10:00:00+01:00"))
    status, body = asyncio.run(health_of(daemon))
    assert (status, body["status"]) == (503, "starting")
    daemon.ready = True
    status, body = asyncio.run(health_of(daemon))
    assert (status, body["status"], body["outbox_pending"]) == (200, "ok", 0)


def test_health_says_failing_with_the_problem_while_a_pass_fails(tmp_path) -> None:
    daemon = make_daemon(tmp_path, EVENING, Clock("2026-11-25T10:00:00+01:00"))
    daemon.ready = True
    daemon.store.path.write_text("{not json")  # the data file damaged under the daemon

    async def one_pass() -> tuple[int, dict[str, Any]]:
        daemon.attach(asyncio.get_running_loop())
        await daemon.wake()
        return await asked(daemon)

    status, body = asyncio.run(one_pass())
    assert (status, body["status"]) == (503, "failing")
    assert "the data file is damaged" in body["problem"]
    assert (body["passes"], body["passing"]) == (1, False)  # a failing pass is a pass


def test_the_heartbeat_says_fail_with_the_reason_and_ok_again_once_healthy(
    tmp_path, http_receiver
) -> None:
    """Healthchecks' conventions: the plain URL while passes work, `/fail` (with the
    problem as the body) as soon as one fails, the plain URL again once they work."""
    ping = http_receiver.url("/ping/abc")
    daemon = make_daemon(
        tmp_path, f'heartbeat_url = "{ping}"\n' + EVENING, Clock("2026-11-25T10:00:00+01:00")
    )
    daemon.ready = True
    good = daemon.store.path.read_bytes()

    async def passes() -> None:
        daemon.attach(asyncio.get_running_loop())
        await daemon.work(daemon.heartbeat)  # the periodic ping, while all is well
        daemon.store.path.write_text("{not json")  # the data file damaged under the daemon
        await daemon.wake()
        await wait_until(lambda: len(http_receiver.requests) == 2)
        daemon.store.path.write_bytes(good)
        await daemon.wake()
        await wait_until(lambda: len(http_receiver.requests) == 3)

    asyncio.run(passes())
    paths = [r["path"] for r in http_receiver.requests]
    assert paths == ["/ping/abc", "/ping/abc/fail", "/ping/abc"]
    assert "the data file is damaged" in http_receiver.requests[1]["body"]


async def wait_until(check: Any, timeout: float = 5.0) -> None:
    for _ in range(int(timeout / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def test_ping_urls_follow_healthchecks() -> None:
    assert ping_url("https://hc-ping.com/uuid", "") == "https://hc-ping.com/uuid"
    assert ping_url("https://hc-ping.com/uuid/", "fail") == "https://hc-ping.com/uuid/fail"
    assert ping_url("https://hc.local/ping/k/x?create=1", "start") == (
        "https://hc.local/ping/k/x/start?create=1"
    )


def test_health_shows_the_next_fire_not_the_next_wake_in_quiet_hours(tmp_path) -> None:
    """In quiet hours the daemon wakes at their end (to send what waited), but the next
    fire it shows is the next nudge's own time, as `upcoming` shows it."""
    body = '[quiet_hours]\nstart = "22:00"\nend = "07:30"\n' + EVENING
    daemon = make_daemon(tmp_path, body, Clock("2026-11-26T03:00:00+01:00"))
    daemon.ready = True
    daemon.wake_at = daemon.plan()
    assert daemon.wake_at is not None
    assert daemon.wake_at.isoformat().startswith("2026-11-26T06:30")  # 07:30 Berlin, in UTC
    status, body_seen = asyncio.run(health_of(daemon))
    assert status == 200
    assert body_seen["next_fire"] == "2026-11-26T20:00:00+01:00"
    assert body_seen["next_wake"] == "2026-11-26T07:30:00+01:00"  # the wake is shown too
