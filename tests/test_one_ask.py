"""One ask at a time: the clarity-ask nudge (scheduled, or a talk's step) is skipped while
an ask said waits for its answer, and history says why; a draft never holds it back.
And the reply page's "I have said it", which turns a draft into an ask said."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from halfway.ledger import book
from halfway.replies import service
from halfway.talks import planning

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick

DAILY = '[[nudges]]\nid = "ask-shape"\nkind = "clarity_ask"\ncron = "0 19 * * *"\n'
SKIPPED_WHY = "one ask at a time: the last one you said is still waiting for its answer"


def clarity_states(daemon) -> list[tuple[str, str, str | None]]:
    """(local day, state, reason) of each clarity-ask delivery, oldest first."""
    return [
        (
            datetime.fromisoformat(d["scheduled_for"])
            .astimezone(daemon.settings.tz)
            .strftime("%d"),
            d["state"],
            d.get("reason"),
        )
        for d in deliveries(daemon)
        if d["kind"] == "clarity_ask"
    ]


def answer_with_a_draft(daemon, clock: Clock) -> None:
    latest = [d for d in deliveries(daemon) if d["state"] == "sent"][-1]
    service.accept(daemon.store, dict(latest), "A walk on Sunday?", "web", clock())


def test_the_clarity_ask_waits_while_an_ask_said_waits_and_history_says_why(
    tmp_path, http_receiver, config_file, halfway, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="halfway")
    clock = Clock("2026-11-20T18:00:00+01:00")
    body = DAILY + '[asks]\nrest_after = "5d"\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    clock.set("2026-11-20T19:00:00+01:00")
    run_tick(daemon)
    answer_with_a_draft(daemon, clock)  # a draft: nothing waits on it
    clock.set("2026-11-21T19:00:00+01:00")
    run_tick(daemon)
    assert clarity_states(daemon)[-1] == ("21", "sent", None)

    said = book.add_ask(daemon.store, "Twenty minutes on Saturday", clock())
    clock.set("2026-11-22T19:00:00+01:00")
    run_tick(daemon)
    assert clarity_states(daemon)[-1] == ("22", "skipped", "ask_waiting")
    (gap,) = [d for d in deliveries(daemon) if d["state"] == "skipped"]
    assert gap["why"] == SKIPPED_WHY
    assert len(http_receiver.posts()) == 2  # nothing went out
    assert (
        f"fire ask-shape scheduled {gap['scheduled_for']} recorded as skipped: {SKIPPED_WHY}"
        in (caplog.text)
    )

    path = config_file(body).path  # the daemon's data folder
    history = halfway("history", "--config", str(path)).out
    assert f"2026-11-22 19:00  ask-shape (clarity_ask): skipped ({SKIPPED_WHY})" in history

    book.update_ask(daemon.store, said["id"], "agreed", clock())  # answered
    clock.set("2026-11-23T19:00:00+01:00")
    run_tick(daemon)
    assert clarity_states(daemon)[-1] == ("23", "sent", None)

    book.add_ask(daemon.store, "A film night", clock())  # said on the 23rd, 19:00
    answer_with_a_draft(daemon, clock)
    clock.set("2026-11-24T19:00:00+01:00")
    run_tick(daemon)
    assert clarity_states(daemon)[-1] == ("24", "skipped", "ask_waiting")
    for day in ("25", "26", "27", "28"):  # 5 days after it was said, it rests
        clock.set(f"2026-11-{day}T19:00:00+01:00")
        run_tick(daemon)
    assert clarity_states(daemon)[-4:] == [
        ("25", "skipped", "ask_waiting"),
        ("26", "skipped", "ask_waiting"),
        ("27", "skipped", "ask_waiting"),
        ("28", "sent", None),
    ]
    rested = [a for a in daemon.store.view().records("asks") if a["state"] == "resting"]
    assert {a["text"] for a in rested} == {"A film night", "A walk on Sunday?"}  # drafts too


def test_one_at_a_time_false_never_skips(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-20T18:00:00+01:00")
    body = DAILY + "[asks]\none_at_a_time = false\n"
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    book.add_ask(daemon.store, "Twenty minutes on Saturday", clock())
    for day in ("20", "21"):
        clock.set(f"2026-11-{day}T19:00:00+01:00")
        run_tick(daemon)
        answer_with_a_draft(daemon, clock)
    assert clarity_states(daemon) == [("20", "sent", None), ("21", "sent", None)]


def test_a_talks_clarity_step_is_left_out_while_an_ask_waits(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-26T10:00:00+01:00")
    daemon = make_daemon(tmp_path, "", clock, push=http_receiver.json_url())
    book.add_ask(daemon.store, "Twenty minutes on Saturday", clock())
    talk_at = datetime.fromisoformat("2026-11-28T19:00:00+01:00")
    talk = planning.add(daemon.store, daemon.settings, talk_at, "weekend time", clock())
    clock.set("2026-11-27T19:00:00+01:00")  # the evening before: the clarity ask is due
    run_tick(daemon)
    clock.set("2026-11-27T19:30:00+01:00")  # then the reframe
    run_tick(daemon)
    kinds = {d["kind"]: d for d in deliveries(daemon)}
    assert kinds["reframe"]["state"] == "sent"
    gap = kinds["clarity_ask"]
    assert (gap["state"], gap["reason"], gap["talk_id"]) == ("skipped", "ask_waiting", talk["id"])
    chain = daemon.store.view().get("talks", talk["id"])["chain"]
    (step,) = [e for e in chain if e["kind"] == "clarity_ask"]
    assert step["state"] == "left_out"
    assert "still waiting for its answer" in step["reason"]
    assert len(http_receiver.posts()) == 1  # the reframe only


# "I have said it" on the reply page -------------------------------------------------


def talk_to(daemon, steps) -> Any:
    async def run() -> Any:
        async with TestClient(TestServer(daemon.web_app())) as client:
            return await steps(client)

    return asyncio.run(run())


def test_i_have_said_it_on_the_clarity_asks_page_makes_the_draft_asked(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-20T18:00:00+01:00")
    daemon = make_daemon(tmp_path, DAILY, clock, push=http_receiver.json_url())
    clock.set("2026-11-20T19:00:00+01:00")
    run_tick(daemon)
    other = book.add_ask(daemon.store, "not this page's", clock(), draft=True)
    answer_with_a_draft(daemon, clock)
    (clarity,) = deliveries(daemon)
    token = clarity["link"].rsplit("/r/", 1)[1]
    (draft,) = [a for a in daemon.store.view().records("asks") if a["id"] != other["id"]]

    async def steps(client) -> tuple[str, int, int, str]:
        page = await (await client.get(f"/r/{token}")).text()
        guard = re.search(r'name="guard" value="([^"]+)"', page).group(1)
        refused = await client.post(
            f"/r/{token}/said", data={"guard": guard, "ask": other["id"]}, allow_redirects=False
        )
        posted = await client.post(
            f"/r/{token}/said", data={"guard": guard, "ask": draft["id"]}, allow_redirects=False
        )
        after = await (await client.get(posted.headers["Location"])).text()
        return page, refused.status, posted.status, after

    page, refused, posted, after = talk_to(daemon, steps)
    assert "Just for you until you have said it." in page
    assert "I have said it" in page
    assert (refused, posted) == (422, 303)
    states = {a["id"]: a["state"] for a in daemon.store.view().records("asks")}
    assert states == {draft["id"]: "asked", other["id"]: "draft"}
    assert "Noted: you have said it." in after
    assert "I have said it" not in after  # nothing left to mark on this page


def test_each_page_offers_only_its_own_drafts() -> None:
    from halfway.ledger import asks

    t0 = datetime.fromisoformat("2026-11-20T19:00:00+01:00")
    own = asks.new_ask("a_own", "this clarity ask's", t0, "d_clarity", "t_1", state="draft")
    said = asks.new_ask("a_said", "said already", t0, "d_other", "t_1")
    newest = asks.new_ask("a_new", "the latest", t0.replace(day=21), state="draft")
    records = [own, said, newest]

    def offered(kind: str, **more: str) -> list[str]:
        delivery = {"id": more.pop("id", "d_x"), "kind": kind, **more}
        return [a["id"] for a in asks.said_here(records, delivery)]

    assert offered("clarity_ask", id="d_clarity") == ["a_own"]
    assert offered("talk_reflection", talk_id="t_1") == ["a_own"]  # the talk's drafts only
    assert offered("pattern_review") == ["a_new"]  # the latest, as the review shows it
    assert offered("talk_reflection") == ["a_new"]  # a reflection of no planned talk
    assert offered("gesture_log") == []
    records[2] = asks.moved(newest, "asked", t0.replace(day=22))
    assert offered("pattern_review") == []  # the latest is said: nothing to mark
