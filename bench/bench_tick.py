"""What one safety tick costs (every 30 s): tick and next wake for each nudge, then reminders.

Compares the store's parse-once-per-change read cache with parsing on every read.
Run: .venv/bin/python bench/bench_tick.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from halfway import config, deliver, store
from halfway.outbox import Outbox
from halfway.schedule import Fire

NUDGES = 5
DELIVERIES = (500, 2_000, 5_000)


def outbox_with(folder: Path, count: int) -> Outbox:
    body = "".join(
        f'[[nudges]]\nid = "n{i}"\nkind = "gesture_log"\ncron = "{i} 20 * * *"\n'
        for i in range(NUDGES)
    )
    data = tomllib.loads(body)
    data["data_dir"] = str(folder)
    settings = config.build(data, "bench", deliver.url_problem)
    now = datetime.now(UTC)
    outbox = Outbox(settings, store.Store(folder), clock=lambda: now)
    outbox.start_up()
    records = [
        outbox.fire_record(
            settings.nudges[n % NUDGES],
            Fire(f"n{n % NUDGES}", now - timedelta(hours=n), now),
            "sent",
        )
        for n in range(count)
    ]
    outbox.store.record_fires(records)
    old = time.time() - 10
    os.utime(outbox.store.path, (old, old))
    return outbox


def one_tick(outbox: Outbox) -> float:
    start = time.perf_counter()
    for nudge in outbox.settings.nudges:
        outbox.tick(nudge)
        outbox.next_wake(nudge)
    outbox.remind()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    print(f"{'deliveries':>10} {'tick ms, cached':>16} {'tick ms, parse every read':>26}")
    for count in DELIVERIES:
        with tempfile.TemporaryDirectory() as folder:
            outbox = outbox_with(Path(folder), count)
            cached = statistics.median(one_tick(outbox) for _ in range(5))
            real_read = store.Store._read
            store.Store._read = lambda self: store.read_file(self.path) or {}  # type: ignore[method-assign]
            uncached = statistics.median(one_tick(outbox) for _ in range(5))
            store.Store._read = real_read  # type: ignore[method-assign]
            print(f"{count:>10} {cached:>16.1f} {uncached:>26.1f}")


if __name__ == "__main__":
    main()
