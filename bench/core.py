"""The core's figures at growing history: a reply, a safety tick, CLI calls, the upgrade.

Histories are made by `bench/history.py` (the first year lived through the real write
paths, the rest copies of it); sizes are given in deliveries (`--sizes`, default
1000,20000,100000) and also read as years at about 1,800 a year. For each size:
  - reply: POST /r/{token} (JSON) to the real reply endpoint (aiohttp, this process)
    on loopback, fsynced before the answer; p50 and p99 over `--replies` requests;
  - tick: one safety look (clock and hot file unchanged: the idle case), and one whole
    pass (recover, tick every nudge, reminders, claim, plan the next wake) with
    nothing due; p50 over 50;
  - CLI: wall time of `halfway log gesture …`, `history` and `export --format json`
    as a subprocess (the CLI user's view, interpreter start included);
  - upgrade: the history flattened into one file of halfway 0.1's layout, then the
    time `Store()` takes to move it to the hot file and archives (20k deliveries and up).
Run: .venv/bin/python bench/core.py [--sizes 1000,20000,100000] [--replies 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))

import history

from halfway.core.deliveries import expired
from halfway.engine import runtime
from halfway.engine.daemon import Daemon
from halfway.store import layout
from halfway.store.database import Store

PER_YEAR = 1_825  # five daily nudges


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def daemon_on(folder: Path) -> Daemon:
    daemon = Daemon(history.settings_for(folder), Store(folder), send=history.fake_send)
    runtime.settle()  # as `serve` does once started
    return daemon


def reply_figures(folder: Path, count: int) -> tuple[float, float]:
    daemon = daemon_on(folder)
    # Fresh boundary links (they take "held"), at most 10 replies each: a link's write
    # burst (core/limits.LINK_BURST) would answer 429 beyond it.
    nudge = next(n for n in daemon.settings.nudges if n.kind == "boundary")
    for _ in range(-(-count // 10)):
        record = daemon.planner.manual(nudge)
        daemon.outbox.drain(only=record["id"])
    now = datetime.now(UTC)
    links = [
        d["link"]
        for d in daemon.store.view().records("deliveries")
        if d.get("link") and d.get("manual") and not expired(d, now) and d["kind"] == "boundary"
    ]
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(daemon.web_app())
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    timings = []
    for n in range(count):
        token = links[n % len(links)].split("/r/")[1]
        body = json.dumps({"value": "held", "note": f"reply {n}"}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/r/{token}", body, {"Content-Type": "application/json"}
        )
        start = time.perf_counter()
        with urllib.request.urlopen(request) as answer:
            status = answer.status
        timings.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise SystemExit(f"reply answered {status}")
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    return pct(timings, 0.5), pct(timings, 0.99)


def tick_figures(folder: Path) -> tuple[float, float]:
    daemon = daemon_on(folder)
    daemon.start_up()
    daemon.run_once()  # whatever came due since the history ends
    time.sleep(0.3)  # a file changed in the last 200 ms is always read again
    daemon.wake_at = daemon.plan()
    looks, passes = [], []
    for _ in range(50):
        start = time.perf_counter()
        if daemon.stale():
            raise SystemExit("the idle safety look found work to do")
        looks.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        daemon.run_once()
        daemon.plan()
        passes.append((time.perf_counter() - start) * 1000)
    return statistics.median(looks), statistics.median(passes)


def fire_figure(folder: Path, count: int = 30) -> float:
    """CPU (this process) per fire: recorded, claimed, sent to a fake channel, outcome."""
    daemon = daemon_on(folder)
    nudge = daemon.settings.nudges[0]
    start = time.process_time()
    for _ in range(count):
        record = daemon.planner.manual(nudge)
        daemon.outbox.drain(only=record["id"])
        daemon.plan()
    return (time.process_time() - start) / count * 1000


def cli_figures(folder: Path) -> dict[str, float]:
    config = folder.parent / f"{folder.name}.toml"
    config.write_text(
        f'timezone = "Europe/Berlin"\ndata_dir = "{folder}"\n'
        '[channels]\nphone = "ntfy://ntfy.example.net/halfway-bench"\n' + history.NUDGES
    )
    walls = {}
    for name, args in (
        ("log", ["log", "gesture", "they made me tea"]),
        ("history", ["history"]),
        ("export", ["export", "--format", "json"]),
    ):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "halfway", *args, "--config", str(config)],
            stdout=subprocess.DEVNULL,
            check=True,
        )
        walls[name] = time.perf_counter() - start
    return walls


def as_single_file(folder: Path, out: Path) -> int:
    """The history as one halfway 0.1 data file (schema 1, no archives); its deliveries."""
    store = Store(folder)
    tables = store.everything()
    data: dict[str, Any] = {"meta": {"1": {"schema_version": 1}}}
    for name in layout.TABLES:
        data[name] = {str(n): r for n, r in enumerate(tables[name], 1)}
    data["nudges"] = {
        str(n): {"nudge_id": c["id"], "since": c["since"], "pauses": c["pauses"]}
        for n, c in enumerate(store.view().records("nudges"), 1)
    }
    out.mkdir(parents=True)
    (out / "halfway.json").write_text(json.dumps(data))
    shutil.copy(folder / "secret.key", out / "secret.key")
    return len(tables["deliveries"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,20000,100000")
    parser.add_argument("--replies", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="halfway-bench-", dir=os.environ.get("BENCH_DIR")))
    print(
        "| deliveries | years | reply p50 | reply p99 | safety look | whole pass |"
        " CPU per fire | log | history | export | upgrade of one file |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            folder = work / f"h{size}"
            counts = history.make(folder, size / PER_YEAR)
            p50, p99 = reply_figures(folder, args.replies)
            look, whole = tick_figures(folder)
            fire = fire_figure(folder)
            cli = cli_figures(folder)
            upgrade = "—"
            if size >= 20_000:
                old = work / f"v1-{size}"
                as_single_file(folder, old)
                start = time.perf_counter()
                Store(old)
                upgrade = f"{time.perf_counter() - start:.1f} s"
            print(
                f"| {counts['deliveries']:,} | {size / PER_YEAR:.1f} | {p50:.1f} ms | {p99:.1f} ms"
                f" | {look:.3f} ms | {whole:.2f} ms | {fire:.1f} ms | {cli['log']:.2f} s"
                f" | {cli['history']:.2f} s | {cli['export']:.2f} s | {upgrade} |",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
