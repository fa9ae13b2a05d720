"""Every kind a config may name, end to end: its words render (a variant per delivery),
and its reply shape takes exactly its values — from the reply page (anything else is
422) and from the CLI (anything else is exit 2, nothing written)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from freezegun import freeze_time

from halfway.config.values import KINDS
from halfway.core import kinds, tokens

from .conftest import Clock
from .engine import make_daemon, run_tick

NOT_A_CHOICE = "definitely_not_a_choice"


def accepted(kind: str) -> list[dict[str, str]]:
    """Replies the kind's shape takes: each choice, free text where it takes words,
    and the 1–5 scale beside the value where it asks one."""
    shape = kinds.shape(kind)
    values = [code for code, _ in shape.choices] + (["my own words"] if shape.free_text else [])
    extra = {"scale": "4"} if shape.scale else {}
    return [{"value": value, **extra} for value in values]


def nudges() -> str:
    return "discreet = false\n" + "".join(
        f'[[nudges]]\nid = "k-{kind.replace("_", "-")}"\nkind = "{kind}"\ncron = "0 20 * * *"\n'
        for kind in KINDS
    )


async def post_all(daemon: Any, attempts: list[tuple[str, dict[str, str]]]) -> list[int]:
    daemon.attach(asyncio.get_running_loop())
    statuses = []
    async with TestClient(TestServer(daemon.web_app())) as client:
        for delivery_id, body in attempts:
            token = tokens.make(daemon.key, delivery_id)
            answer = await client.post(f"/r/{token}", json=body)
            statuses.append(answer.status)
    return statuses


@pytest.fixture
def fired(tmp_path, http_receiver) -> tuple[Any, dict[str, dict[str, Any]]]:
    clock = Clock("2026-11-25T19:59:00+01:00")
    daemon = make_daemon(tmp_path, nudges(), clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:00+01:00")
    run_tick(daemon)
    by_kind = {d["kind"]: d for d in daemon.store.view().records("deliveries")}
    return daemon, by_kind


def test_every_kind_fires_with_its_own_words_and_takes_exactly_its_values(fired) -> None:
    daemon, by_kind = fired
    assert set(by_kind) == set(KINDS)
    for kind, delivery in by_kind.items():
        practice = kinds.PRACTICES[kind]
        assert delivery["words_title"] == practice.title
        # the variant this delivery's id picks, placeholders in their empty form
        assert delivery["words"] == kinds.render(kind, None, seed=delivery["id"])[1]
    good = [(by_kind[kind]["id"], body) for kind in KINDS for body in accepted(kind)]
    bad = [
        (by_kind[kind]["id"], {"value": NOT_A_CHOICE})
        for kind in KINDS
        if not kinds.shape(kind).free_text
    ]
    bad += [(by_kind["pattern_review"]["id"], {"value": "none", "scale": "9"})]
    statuses = asyncio.run(post_all(daemon, bad + good))
    assert statuses[: len(bad)] == [422] * len(bad)
    assert statuses[len(bad) :] == [200] * len(good)
    replies = {r["delivery_id"]: r for r in daemon.store.view().records("replies")}
    for kind in KINDS:  # the last accepted value of each kind is what is kept
        assert replies[by_kind[kind]["id"]]["value"] == accepted(kind)[-1]["value"]


def test_the_cli_refuses_what_a_kind_does_not_take_and_writes_nothing(
    fired, halfway, tmp_path
) -> None:
    daemon, by_kind = fired
    path = tmp_path / "config.toml"
    path.write_text(
        f'timezone = "Europe/Berlin"\ndata_dir = "{daemon.store.data_dir}"\n' + nudges()
    )
    before = daemon.store.path.read_bytes()
    for kind in KINDS:
        if kinds.shape(kind).free_text:
            continue
        ran = halfway("reply", by_kind[kind]["id"], NOT_A_CHOICE, "--config", str(path))
        assert ran.code == 2, kind
        assert len(ran.err.strip().splitlines()) == 1
    assert daemon.store.path.read_bytes() == before
    with freeze_time("2026-11-25T20:05:00+01:00"):  # the CLI answers on the day it fired
        ran = halfway("reply", by_kind["boundary"]["id"], "held", "--config", str(path))
    assert ran.code == 0, ran.err
    exported = json.loads(halfway("export", "--config", str(path)).out)
    assert [r["value"] for r in exported["replies"]] == ["held"]
