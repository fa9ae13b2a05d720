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
compacted first as the daemon does when it starts. Replies and fires are measured in
`--rounds` (3) rounds, the sizes in turn, each round on a fresh copy; p50/p99 and the
median are over all rounds.

With `--sealed`, each copy is measured twice in each round, as it is and encrypted at
rest (`halfway encrypt`'s switch, a new key): a second table sets the reply's and the
fire's cost sealed beside the plain one (issue 20: within 2x).

Run: .venv/bin/python bench/years.py [--years 0,1,5,10] [--replies 200] [--rounds 3] [--keep DIR]
     [--sealed]
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

from halfway.cli import demodata
from halfway.config import loader
from halfway.core.deliveries import expired
from halfway.engine import runtime
from halfway.engine.daemon import Daemon
from halfway.store import atrest, sealing
from halfway.store.database import Store

HERE = Path(__file__).resolve().parent
EXTRA_NUDGES = (
    ("bench-morning-boundary", "boundary", "0 9 * * *"),
    ("bench-breath", "self_regulation", "30 12 * * *"),
    ("bench-reframe", "reframe", "30 21 * * *"),
)
demodata.DEMO_NUDGES = (*demodata.DEMO_NUDGES, *EXTRA_NUDGES)


def settings_for(folder: Path) -> loader.Settings:
    return loader.build(
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


def build(folder: Path, years: int, end: datetime) -> None:
    """`years` of the story up to `end` in `folder` (empty for 0)."""
    if years:
        with no_fsync():
            demodata.fill(settings_for(folder), 52 * years, demodata.DEFAULT_SEED, end)
    else:
        Store(folder)


def fresh(folder: Path, key: bytes | None = None) -> Daemon:
    daemon = Daemon(
        demodata.demo_settings(settings_for(folder)),
        Store(folder, key=key),
        send=demodata.local_send,
    )
    daemon.start_up()
    runtime.settle()  # as `serve` does once started
    return daemon


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def reply_timings(daemon: Daemon, count: int) -> list[float]:
    nudge = next(n for n in daemon.settings.nudges if n.kind == "boundary")
    # Fresh links, for every size alike: at most 10 replies each, below a link's write
    # burst (core/limits.LINK_BURST), which would answer 429.
    for _ in range(max(5, -(-count // 10))):
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
    return timings


def fire_timings(daemon: Daemon, count: int = 40) -> list[float]:
    """CPU (this process) of each of `count` fires, in ms."""
    nudge = next(n for n in daemon.settings.nudges if n.kind == "gesture_log")
    each = []
    for _ in range(count):
        start = time.process_time()
        record = daemon.planner.manual(nudge)
        daemon.outbox.drain(only=record["id"])
        daemon.plan()
        each.append((time.process_time() - start) * 1000)
    return each


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
        # a care note goes out once: as a nudge of its own, or in that week's digest
        "care": sum(n for kind, n in kinds.items() if kind.startswith(("step_back", "care")))
        + sum(len(d.get("care") or ()) for d in every["deliveries"] if d["kind"] == "digest"),
        "answers": sum(len(b.get("answers", [])) for b in every["boundaries"]),
    }


def print_sealed(
    sizes: list[int],
    replies: dict[int, list[float]],
    fires: dict[int, list[float]],
    sealed: dict[int, tuple[list[float], list[float]]],
) -> None:
    """Plain beside sealed: reply p50 and p99, CPU per fire, and sealed over plain."""
    print("\n| years | reply p50 plain / sealed | reply p99 plain / sealed", end="")
    print(" | CPU per fire plain / sealed | sealed ÷ plain (p50 reply · fire) |")
    print("|---:|---:|---:|---:|---:|")
    for y in sizes:
        p50, s50 = pct(replies[y], 0.5), pct(sealed[y][0], 0.5)
        fire, sfire = statistics.median(fires[y]), statistics.median(sealed[y][1])
        print(
            f"| {y} | {p50:.1f} / {s50:.1f} ms"
            f" | {pct(replies[y], 0.99):.1f} / {pct(sealed[y][0], 0.99):.1f} ms"
            f" | {fire:.1f} / {sfire:.1f} ms | {s50 / p50:.2f} · {sfire / fire:.2f} |",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--years", default="0,1,5,10")
    parser.add_argument("--replies", type=int, default=200, help="per size and round")
    parser.add_argument("--rounds", type=int, default=3, help="sizes measured in turn")
    parser.add_argument("--keep", type=Path, help="build the folders here and keep them")
    parser.add_argument("--sealed", action="store_true", help="also measure each encrypted")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="halfway-years-"))
    work.mkdir(parents=True, exist_ok=True)
    end = datetime.now(UTC)
    sizes = [int(y) for y in args.years.split(",")]
    base: dict[int, Path] = {}
    found: dict[int, dict[str, Any]] = {}
    rss: dict[int, str] = {}
    took: dict[int, float] = {}
    replies: dict[int, list[float]] = {y: [] for y in sizes}
    fires: dict[int, list[float]] = {y: [] for y in sizes}
    sealed: dict[int, tuple[list[float], list[float]]] = {y: ([], []) for y in sizes}
    key = sealing.new_key()
    try:
        for years in sizes:
            folder = work / f"y{years}"
            started = time.perf_counter()
            if not (folder / "halfway.json").exists():
                build(folder, years, end)
            took[years] = time.perf_counter() - started
            base[years] = work / f"c{years}"  # a copy, compacted as the daemon does at start
            shutil.rmtree(base[years], ignore_errors=True)
            shutil.copytree(folder, base[years])
            Store(base[years]).compact(datetime.now(UTC))
            found[years] = held(base[years])
            rss[years] = idle_rss(base[years])
        # The sizes in turn, each round on a fresh copy, so that a busy moment of the
        # machine falls on every size alike.
        for _ in range(args.rounds):
            for years in sizes:
                measure = work / f"m{years}"
                shutil.rmtree(measure, ignore_errors=True)
                shutil.copytree(base[years], measure)
                daemon = fresh(measure)
                replies[years] += reply_timings(daemon, args.replies)
                fires[years] += fire_timings(daemon)
                shutil.rmtree(measure, ignore_errors=True)
                if args.sealed:
                    shutil.copytree(base[years], measure)
                    atrest.switch(measure, key, True)
                    daemon = fresh(measure, key)
                    sealed[years][0].extend(reply_timings(daemon, args.replies))
                    sealed[years][1].extend(fire_timings(daemon))
                    shutil.rmtree(measure, ignore_errors=True)
        for years in sizes:
            got, p50 = found[years], pct(replies[years], 0.5)
            built = " (reused)" if took[years] < 1 and years else ""
            print(
                f"| {years} | {got['hot'] / 1000:.1f} KB | {p50:.1f} ms"
                f" | {pct(replies[years], 0.99):.1f} ms | {statistics.median(fires[years]):.1f} ms"
                f" | {rss[years]} | {got['all']['deliveries']:,}"
                f" · {got['digests']} · {got['care']} · {got['all']['asks']}"
                f" · {got['all']['talks']} · {got['all']['boundaries']}/{got['answers']}"
                f" · {got['all']['entries']:,} | {took[years]:.0f} s{built} |",
                flush=True,
            )
        for years in sizes:
            print(f"<!-- hot tables at {years} y: {found[years]['hot_tables']} -->")
        if args.sealed:
            print_sealed(sizes, replies, fires, sealed)
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
