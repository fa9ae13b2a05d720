"""One genuine link cannot grow the hot file without end.

The same link POSTed 1,500 times, an answer with a long note and a long log entry by
turns: the reply keeps its newest REPLY_VERSIONS earlier versions, the link writes at
most LINK_ENTRIES entries, and past its burst it is answered 429, calmly. A person's
use (a few answers, a few entries, at a person's pace) is never refused.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from halfway.core import limits
from halfway.replies import service

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick

EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
POSTS = 1500
HOT_BOUND = 300_000  # bytes: ~10 KB to start, 21 answers with 4,000-character notes, 50 entries


@pytest.fixture
def sent(tmp_path, http_receiver) -> tuple[Any, str, str]:
    """A daemon whose evening nudge went out; (daemon, its token, a value it takes)."""
    clock = Clock("2026-11-25T19:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:00+01:00")
    run_tick(daemon)
    (delivery,) = deliveries(daemon)
    choices = service.shape_of(delivery).choices
    return daemon, delivery["link"].rsplit("/r/", 1)[1], choices[0][0]


def flood(daemon: Any, token: str, value: str, posts: int) -> list[tuple[str, int, str]]:
    """`posts` JSON POSTs by turns to the reply and to its log form: (which, status, text)."""

    async def run() -> list[tuple[str, int, str]]:
        found = []
        async with TestClient(TestServer(daemon.web_app())) as client:
            for n in range(posts):
                if n % 2:
                    path, body = f"/r/{token}/log", {"kind": "note", "text": f"{n} " + "x" * 1990}
                else:
                    path, body = f"/r/{token}", {"value": value, "note": f"{n} " + "y" * 3990}
                answer = await client.post(path, json=body)
                found.append((path.rsplit("/", 1)[1], answer.status, await answer.text()))
                if answer.status == 429:
                    assert answer.headers["Retry-After"] == "6"
        return found

    return asyncio.run(run())


def hot_size(daemon: Any) -> int:
    return (daemon.store.data_dir / "halfway.json").stat().st_size


def test_1500_posts_keep_the_versions_and_entries_capped(sent, monkeypatch) -> None:
    daemon, token, value = sent
    monkeypatch.setattr(limits.LinkWrites, "take", lambda self, link: True)  # caps alone
    found = flood(daemon, token, value, POSTS)
    replies = [status for which, status, _ in found if which == token]
    logs = [status for which, status, _ in found if which == "log"]
    assert replies == [200] * (POSTS // 2)
    assert logs == [200] * limits.LINK_ENTRIES + [422] * (POSTS // 2 - limits.LINK_ENTRIES)
    refused = next(text for which, status, text in found if status == 422)
    assert f"{limits.LINK_ENTRIES} entries" in json.loads(refused)["error"]
    assert "halfway" not in json.loads(refused)["error"]  # a reply page may be seen by others
    (reply,) = daemon.store.view().records("replies")
    assert len(reply["history"]) == limits.REPLY_VERSIONS
    assert reply["note"].startswith(f"{POSTS - 2} ")  # the newest answer, and the newest
    assert reply["history"][-1]["note"].startswith(f"{POSTS - 4} ")  # earlier ones kept
    assert len(daemon.store.view().records("entries")) == limits.LINK_ENTRIES
    assert hot_size(daemon) < HOT_BOUND


def test_past_its_burst_a_link_is_answered_429_and_nothing_is_written(sent) -> None:
    daemon, token, value = sent
    found = flood(daemon, token, value, POSTS)
    statuses = [status for _, status, _ in found]
    assert statuses[: limits.LINK_BURST] == [200] * limits.LINK_BURST
    assert set(statuses[limits.LINK_BURST :]) == {429}
    assert "wait a minute" in json.loads(found[-1][2])["error"]
    assert hot_size(daemon) < HOT_BOUND


def test_a_persons_use_is_never_refused(sent) -> None:
    daemon, token, value = sent

    async def run() -> list[int]:
        async with TestClient(TestServer(daemon.web_app())) as client:
            statuses = []
            for text in ("made tea", "a long walk", "called my sister"):
                log = {"kind": "gesture", "text": text}
                statuses.append((await client.post(f"/r/{token}/log", json=log)).status)
            for note in ("first thought", "on second thought", "no, really", "last word"):
                answer = await client.post(f"/r/{token}", json={"value": value, "note": note})
                statuses.append(answer.status)
            return statuses

    assert asyncio.run(run()) == [200] * 7


def test_the_bucket_refills_at_a_persons_pace() -> None:
    now = [0.0]
    writes = limits.LinkWrites(clock=lambda: now[0])
    assert all(writes.take("d_1") for _ in range(limits.LINK_BURST))
    assert not writes.take("d_1")
    assert writes.take("d_2")  # another link has its own
    now[0] += limits.LINK_REFILL_SECONDS
    assert writes.take("d_1")
    assert not writes.take("d_1")
    # one write a minute for a day: never refused
    for _ in range(24 * 60):
        now[0] += 60
        assert writes.take("d_1")
