"""A reload that changes `timezone` reaches the reply page at once,
as it reaches the calendar and the digest pages (each reads the settings per request)."""

from __future__ import annotations

import argparse
import asyncio
import re
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient, TestServer

from halfway.cli.invocation import load_settings
from halfway.engine.daemon import Daemon
from halfway.store.database import Store

from .conftest import Clock
from .engine import first_start

NUDGE = '[[nudges]]\nid = "calls"\nkind = "boundary"\ncron = "0 9 * * *"\n'


def test_the_reply_page_reads_the_time_zone_at_each_request(config_file, halfway) -> None:
    berlin = config_file(NUDGE, channels={"phone": "halfway://terminal"})
    tokyo = berlin.path.with_name("tokyo.toml")  # the same data, another zone
    text = berlin.path.read_text("utf-8")
    assert 'timezone = "Europe/Berlin"' in text
    tokyo.write_text(text.replace("Europe/Berlin", "Asia/Tokyo"), "utf-8")
    first_start(berlin.data_dir)  # the reply key, as the daemon's first start makes it
    sent = halfway("send", "calls", "--config", str(berlin.path))
    assert sent.code == 0, sent.err
    settings = load_settings(argparse.Namespace(config=str(berlin.path), checks_channels=False))
    clock = Clock(datetime.now(UTC).isoformat())
    daemon = Daemon(settings, Store(settings.data_dir, clock=clock), clock=clock)
    (link,) = [d["link"] for d in daemon.store.view().records("deliveries") if d.get("link")]
    path = "/r/" + link.split("/r/")[1]

    async def closes() -> str:
        async with TestClient(TestServer(daemon.web_app())) as client:
            before = await (await client.get(path)).text()
            daemon.use(load_settings(argparse.Namespace(config=str(tokyo), checks_channels=False)))
            after = await (await client.get(path)).text()
        found = [re.search(r"change your answer until ([^.]+)\.", page) for page in (before, after)]
        assert all(found), "the page says until when an answer can change"
        return " | ".join(m.group(1) for m in found if m)

    shown_before, shown_after = asyncio.run(closes()).split(" | ")
    assert shown_before != shown_after  # Berlin's clock, then Tokyo's (7 or 8 hours apart)
