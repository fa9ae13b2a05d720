"""How long a reply takes from POST to answer, with the reply fsynced before the answer.

Runs the real reply endpoints (aiohttp, in this process) on loopback against a
store pre-filled with deliveries, and posts replies from a client thread.
Run: .venv/bin/python bench/bench_replies.py
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import threading
import time
import tomllib
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from halfway import config, deliver
from halfway.daemon import Daemon
from halfway.schedule import Fire
from halfway.store import Store

DELIVERIES = (100, 1_000, 5_000)
REPLIES = 100


def daemon_with(folder: Path, count: int) -> tuple[Daemon, list[str]]:
    data = tomllib.loads('[[nudges]]\nid = "b"\nkind = "boundary"\nevery = "1d"\n')
    data["data_dir"] = str(folder)
    settings = config.build(data, "bench", deliver.url_problem)
    daemon = Daemon(settings, Store(folder))
    nudge = settings.nudges[0]
    now = datetime.now(UTC)
    records = [
        daemon.fire_record(
            nudge, Fire("b", now.replace(year=2000 + n // 300, microsecond=n), now), "sent"
        )
        for n in range(count)
    ]
    daemon.store.record_fires(records)
    return daemon, [r["link"] for r in records]


def main() -> None:
    print(f"{'deliveries':>10} {'reply ms (median)':>18} {'p90':>8}")
    for count in DELIVERIES:
        with tempfile.TemporaryDirectory() as folder:
            daemon, links = daemon_with(Path(folder), count)
            loop = asyncio.new_event_loop()
            runner = web.AppRunner(daemon.web_app())
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            thread = threading.Thread(target=loop.run_forever, daemon=True)
            thread.start()
            timings = []
            for link in links[:REPLIES]:
                url = link.replace("http://127.0.0.1:8470", f"http://127.0.0.1:{port}")
                body = json.dumps({"value": "held"}).encode()
                request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
                start = time.perf_counter()
                with urllib.request.urlopen(request) as answer:
                    assert answer.status == 200
                timings.append((time.perf_counter() - start) * 1000)
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            timings.sort()
            print(
                f"{count:>10} {statistics.median(timings):>18.1f} {timings[int(len(timings) * 0.9)]:>8.1f}"
            )


if __name__ == "__main__":
    main()
