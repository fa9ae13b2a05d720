"""The reply page's "log a gesture or a moment" form: real HTTP requests to the daemon's
web app, token-checked like a reply, writing the same entry as `halfway log`."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from playwright.sync_api import expect

from halfway.care import triggers
from halfway.digest import figures

from .browser import screenshot
from .conftest import Clock, soon, wait_for
from .engine import deliveries, make_daemon, run_tick

EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'


@pytest.fixture
def sent(tmp_path, http_receiver):
    """A daemon whose evening nudge went out at 20:00; yields (daemon, its token, clock)."""
    clock = Clock("2026-11-25T19:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:00+01:00")
    run_tick(daemon)
    (delivery,) = deliveries(daemon)
    assert delivery["state"] == "sent"
    return daemon, delivery["link"].rsplit("/r/", 1)[1], clock


def entries(daemon) -> list[dict[str, Any]]:
    return daemon.store.view().records("entries")


def talk_to(daemon, steps) -> Any:
    """Run `steps(client)` against the daemon's web app, served on loopback by aiohttp."""

    async def run() -> Any:
        async with TestClient(TestServer(daemon.web_app())) as client:
            return await steps(client)

    return asyncio.run(run())


async def guard_of(client, token: str) -> str:
    page = await (await client.get(f"/r/{token}")).text()
    assert "Log a gesture or a moment" in page
    return re.search(r'name="guard" value="([^"]+)"', page).group(1)


def test_the_form_writes_the_entry_halfway_log_writes(sent, config_file, halfway) -> None:
    daemon, token, clock = sent

    async def steps(client) -> tuple[int, str, str]:
        guard = await guard_of(client, token)
        form = {"guard": guard, "kind": "gesture", "by": "partner", "text": " made me tea "}
        posted = await client.post(f"/r/{token}/log", data=form, allow_redirects=False)
        page = await (await client.get(posted.headers["Location"])).text()
        return posted.status, posted.headers["Location"], page

    status, location, page = talk_to(daemon, steps)
    assert (status, location) == (303, f"/r/{token}?logged=1")
    assert "Noted in your log" in page
    (from_page,) = entries(daemon)

    path = config_file().path  # the same data folder as the daemon's
    ran = halfway("log", "gesture", "made me tea", "--by", "partner", "--config", str(path))
    assert ran.code == 0
    (from_cli,) = [e for e in entries(daemon) if e["id"] != from_page["id"]]
    same = {k: v for k, v in from_page.items() if k not in ("id", "at")}
    assert same == {k: v for k, v in from_cli.items() if k not in ("id", "at")}
    assert same == {"kind": "gesture", "text": "made me tea", "by": "partner"}
    assert set(from_page) == set(from_cli)
    assert from_page["at"] == clock().isoformat()  # the daemon's clock, stored in UTC
    exported = json.loads(halfway("export", "--config", str(path)).out)["entries"]
    assert {e["id"] for e in exported} == {from_page["id"], from_cli["id"]}


def test_an_initiation_without_who_is_mine_like_the_cli(sent) -> None:
    daemon, token, _ = sent

    async def steps(client) -> int:
        form = {"guard": await guard_of(client, token), "kind": "initiation", "by": "", "text": "x"}
        return (await client.post(f"/r/{token}/log", data=form, allow_redirects=False)).status

    assert talk_to(daemon, steps) == 303
    assert [(e["kind"], e["by"]) for e in entries(daemon)] == [("initiation", "me")]


def test_something_that_hurt_is_logged_shown_and_never_counted_as_effort(
    sent, config_file, halfway
) -> None:
    """`hurt` from the page's form and from `halfway log hurt`: recorded, in the history
    and the digest, and never movement or a small moment."""
    daemon, token, _clock = sent

    async def steps(client) -> tuple[int, str]:
        page = await (await client.get(f"/r/{token}")).text()
        guard = re.search(r'name="guard" value="([^"]+)"', page).group(1)
        form = {"guard": guard, "kind": "hurt", "by": "partner", "text": "shouted at me"}
        posted = await client.post(f"/r/{token}/log", data=form, allow_redirects=False)
        return posted.status, page

    status, page = talk_to(daemon, steps)
    assert status == 303
    assert '<option value="hurt">Something that hurt or worried me</option>' in page
    path = config_file().path  # the same data folder as the daemon's
    ran = halfway("log", "hurt", "read my messages", "--by", "partner", "--config", str(path))
    assert (ran.code, ran.err) == (0, "")
    assert [(e["kind"], e["by"], e["text"]) for e in entries(daemon)] == [
        ("hurt", "partner", "shouted at me"),
        ("hurt", "partner", "read my messages"),
    ]
    history = halfway("history", "--config", str(path))
    assert "hurt by partner: shouted at me" in history.out, history.out
    week = triggers.week_of(daemon.clock(), daemon.settings.tz)
    found = triggers.weeks(daemon.store.everything(), daemon.settings.tz, week, count=1)[week]
    assert (found.movement, found.moments, found.active, found.mark) == (0, 0, True, "no_movement")
    shown = figures.build(
        daemon.store.everything(), figures.week_name(week), daemon.settings.tz, daemon.clock()
    )
    assert [h.text for h in shown.hurt] == ["shouted at me"]  # the CLI's is of today
    assert (shown.moved, shown.partner_initiations, shown.gestures) == (0, 0, ())


def test_forged_token_or_guard_is_403_and_bad_text_422_and_nothing_is_written(sent) -> None:
    daemon, token, _ = sent
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")

    async def steps(client) -> list[int]:
        guard = await guard_of(client, token)
        good = {"guard": guard, "kind": "gesture", "text": "a hug"}
        answers = [
            await client.post(f"/r/{forged}/log", data=good, allow_redirects=False),
            await client.post(f"/r/{token}/log", data={**good, "guard": "x"}),
            await client.post(
                f"/r/{token}/log", data=good, headers={"Sec-Fetch-Site": "cross-site"}
            ),
            await client.post(f"/r/{token}/log", data={**good, "text": "   "}),
            await client.post(f"/r/{token}/log", data={**good, "text": "x" * 2001}),
            await client.post(f"/r/{token}/log", data={**good, "kind": "verdict"}),
            await client.post(f"/r/{token}/log", data={**good, "by": "them"}),
        ]
        return [a.status for a in answers]

    assert talk_to(daemon, steps) == [403, 403, 403, 422, 422, 422, 422]
    assert entries(daemon) == []


def test_a_json_request_gets_a_json_answer(sent) -> None:
    daemon, token, _ = sent

    async def steps(client) -> tuple[int, dict[str, Any]]:
        payload = {"kind": "note", "text": "quiet evening, that's okay"}
        answer = await client.post(f"/r/{token}/log", json=payload)
        return answer.status, await answer.json()

    status, body = talk_to(daemon, steps)
    assert status == 200
    assert body["status"] == "noted"
    assert entries(daemon) == [body["entry"]]


def test_an_expired_link_is_410_for_the_log_too(sent) -> None:
    daemon, token, clock = sent
    clock.advance(days=8)  # past the reply window (7 days)

    async def steps(client) -> int:
        return (await client.post(f"/r/{token}/log", json={"kind": "note", "text": "x"})).status

    assert talk_to(daemon, steps) == 410
    assert entries(daemon) == []


# in a real browser, against the real daemon ------------------------------------------


def test_log_a_moment_from_the_phone(
    phone_page, config_file, http_receiver, start_daemon, halfway
) -> None:
    path = config_file(
        f'[[nudges]]\nid = "evening"\nkind = "gesture_log"\nat = "{soon()}"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    ).path
    daemon = start_daemon("--config", str(path))
    try:
        wait_for(lambda: len(http_receiver.posts()) == 1)
        link = re.search(r"http://\S+/r/\S+", http_receiver.bodies()[0]["message"]).group(0)
        phone_page.goto(link)
        phone_page.get_by_text("Log a gesture or a moment").tap()
        phone_page.get_by_label("What happened, in a few words").fill("a hand on my shoulder")
        phone_page.get_by_label("Who").select_option("partner")
        phone_page.get_by_role("button", name="Add to my log").tap()
        phone_page.wait_for_url(re.compile(r"\?logged=1$"))
        expect(phone_page.get_by_text("Noted in your log")).to_be_visible()
        screenshot(phone_page, "reply-page-logged")
        (entry,) = json.loads(halfway("export", "--config", str(path)).out)["entries"]
        assert (entry["kind"], entry["text"], entry["by"]) == (
            "gesture",
            "a hand on my shoulder",
            "partner",
        )
    finally:
        daemon.stop()


def test_the_command_line_offers_exactly_the_kinds_the_ledger_writes() -> None:
    """cli keeps its own copy (it loads no tinydb to build its parser): the two agree."""
    from halfway.cli import main
    from halfway.ledger import book

    assert main.ENTRY_KINDS == book.ENTRY_KINDS
