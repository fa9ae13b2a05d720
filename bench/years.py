"""Cost against years of history of every record kind: the hot file, a reply, a fire, idle RSS.

Each history is the sample-data story (`halfway demo-data`: the real daemon's units of
work on a simulated clock, with the person's replies, asks, talks, boundaries and log
entries through the commands' own functions, the weekly digests, the care notes and the
compactions), played for 1, 5 and 10 years up to now, with three daily nudges beside the
demo's four (about five nudges a day in all). 0 years is an empty folder, measured in
the same run as the baseline. Building skips fsync (it is not what is measured).

For each history: the hot file's size and what it holds; a reply's p50 and p99 (POST to
the real reply endpoint on loopback, fsynced before it answers, `--replies` of them, to
boundary nudges fired just before for every size alike); the CPU of this process per fire
(recorded, claimed, sent to a fake channel, its outcome recorded, the next wake
planned: as `core.py`); the idle RSS of the real daemon process on a copy of the folder
(`daemon.py --only idle`, 5 s after ready). Each is measured on a copy of the history,
compacted first as the daemon does when it starts.

Run: .venv/bin/python bench/years.py [--years 0,1,5,10] [--replies 200] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from halfway import config, demodata
from halfway.daemon import Daemon
from halfway.deliveries import expired
from halfway.store import Store

HERE = Path(__file__).resolve().parent
EXTRA_NUDGES = (
    ("bench-morning-boundary", "boundary", "0 9 * * *"),
    ("bench-breath", "self_regulation", "30 12 * * *"),
    ("bench-reframe", "reframe", "30 21 * * *"),
)
demodata.DEMO_NUDGES = (*demodata.DEMO_NUDGES, *EXTRA_NUDGES)


def settings_for(folder: Path) -> config.Settings:
    return config.build(
        {"timezone": "Europe/Berlin", "data_dir": str(folder), "channels": {"phone": "json://x"}},
        "bench",
    )


@contextlib.contextmanager
def no_fsync() -> Iterator[None]:
    real = os.fsync
    os.fsync = lambda fd: None
    try:
        yield
    finally:
        os.fsync = real


def build(folder: Path, years: int, end: datetime) -> float:
    """`years` of the story up to `end` in `folder` (empty for 0); seconds taken."""
    started = time.perf_counter()
    if years:
        with no_fsync():
            demodata.fill(settings_for(folder), 52 * years, demodata.DEFAULT_SEED, end)
    else:
        Store(folder)
    return time.perf_counter() - started


def fresh(folder: Path) -> Daemon:
    daemon = Daemon(
        demodata.demo_settings(settings_for(folder)), Store(folder), send=demodata.local_send
    )
    daemon.start_up()
    daemon.settle()  # as `serve` does once started
    return daemon


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def reply_figures(daemon: Daemon, count: int) -> tuple[float, float]:
    nudge = next(n for n in daemon.settings.nudges if n.kind == "boundary")
    for _ in range(5):  # fresh links, for every size alike
        record = daemon.planner.manual(nudge)
        daemon.outbox.drain(only=record["id"])
    now = datetime.now(UTC)
    links = [
        d["link"]
        for d in daemon.store.view().records("deliveries")
        if d.get("link") and d["kind"] == "boundary" and d.get("manual") and not expired(d, now)
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
            if answer.status != 200:
                raise SystemExit(f"reply answered {answer.status}")
        timings.append((time.perf_counter() - start) * 1000)
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.run_until_complete(runner.cleanup())
    return pct(timings, 0.5), pct(timings, 0.99)


def fire_figure(daemon: Daemon, count: int = 40) -> float:
    """CPU (this process) per fire, in ms: median of `count`."""
    nudge = next(n for n in daemon.settings.nudges if n.kind == "gesture_log")
    each = []
    for _ in range(count):
        start = time.process_time()
        record = daemon.planner.manual(nudge)
        daemon.outbox.drain(only=record["id"])
        daemon.plan()
        each.append((time.process_time() - start) * 1000)
    return statistics.median(each)


def idle_rss(folder: Path) -> str:
    short = ("--idle-seconds", "5", "--settle", "5")
    ran = subprocess.run(
        [
            sys.executable,
            str(HERE / "daemon.py"),
            "--only",
            "idle",
            "--data-dir",
            str(folder),
            *short,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    row = next(line for line in ran.stdout.splitlines() if line.startswith("| idle RSS"))
    return row.split("|")[2].strip()


def held(folder: Path) -> dict[str, Any]:
    hot = json.loads((folder / "halfway.json").read_bytes())
    every = Store(folder).everything()
    kinds = Counter(d["kind"] for d in every["deliveries"])
    return {
        "hot": (folder / "halfway.json").stat().st_size,
        "hot_tables": {name: len(table) for name, table in hot.items() if name != "meta"},
        "all": {name: len(records) for name, records in every.items()},
        "digests": kinds["digest"],
        "care": sum(n for kind, n in kinds.items() if kind.startswith(("step_back", "care"))),
        "answers": sum(len(b.get("answers", [])) for b in every["boundaries"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--years", default="0,1,5,10")
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="build the folders here and keep them")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="halfway-years-"))
    work.mkdir(parents=True, exist_ok=True)
    end = datetime.now(UTC)
    rows = []
    try:
        for years in (int(y) for y in args.years.split(",")):
            folder = work / f"y{years}"
            took = build(folder, years, end) if not (folder / "halfway.json").exists() else 0.0
            measure = work / f"m{years}"  # measured on a copy: the history stays as built
            shutil.rmtree(measure, ignore_errors=True)
            shutil.copytree(folder, measure)
            Store(measure).compact(datetime.now(UTC))  # as the daemon does when it starts
            found = held(measure)
            rss = idle_rss(measure)
            daemon = fresh(measure)
            p50, p99 = reply_figures(daemon, args.replies)
            fire = fire_figure(daemon)
            shutil.rmtree(measure, ignore_errors=True)
            rows.append((years, found, p50, p99, fire, rss))
            print(
                f"| {years} | {found['hot'] / 1000:.1f} KB | {p50:.1f} ms | {p99:.1f} ms"
                f" | {fire:.1f} ms | {rss} | {found['all']['deliveries']:,}"
                f" · {found['digests']} · {found['care']} · {found['all']['asks']}"
                f" · {found['all']['talks']} · {found['all']['boundaries']}/{found['answers']}"
                f" · {found['all']['entries']:,} | {took:.0f} s |",
                flush=True,
            )
            print(f"<!-- hot tables at {years} y: {found['hot_tables']} -->", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    print(
        "| years | hot file | reply p50 | reply p99 | CPU per fire | idle RSS"
        " | deliveries · digests · care · asks · talks · boundaries/answers · entries | build |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|---:|", flush=True)
    main()
