"""How long one crash-safe, locked write and one read take as the data file grows.

Run: .venv/bin/python bench/bench_store.py   (figures go to docs/benchmarks.md by hand)
A year of daily use is roughly 2,000 records (five nudges a day plus logs).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from halfway.store import Store

SIZES = (100, 1_000, 5_000, 20_000)
SAMPLES = 30


def fill(store: Store, count: int) -> None:
    with store.transaction() as db:  # one write for the bulk fill
        table = db.table("entries")
        table.insert_multiple(
            {
                "id": f"e_{n:08x}",
                "kind": "gesture",
                "text": "made tea, asked about my day",
                "at": "2026-11-25T19:00:00+01:00",
            }
            for n in range(count)
        )


def main() -> None:
    print(
        f"{'records':>8} {'file KiB':>9} {'write ms (median)':>18} {'write ms (p90)':>15} {'read ms':>8}"
    )
    for size in SIZES:
        with tempfile.TemporaryDirectory() as folder:
            store = Store(Path(folder))
            fill(store, size)
            writes = []
            for _ in range(SAMPLES):
                start = time.perf_counter()
                store.add(
                    "entries", {"kind": "note", "text": "x", "at": "2026-11-25T19:00:00+01:00"}
                )
                writes.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            for _ in range(SAMPLES):
                store.entries()
            read = (time.perf_counter() - start) * 1000 / SAMPLES
            kib = store.path.stat().st_size / 1024
            writes.sort()
            print(
                f"{size:>8} {kib:>9.0f} {statistics.median(writes):>18.2f} "
                f"{writes[int(len(writes) * 0.9)]:>15.2f} {read:>8.2f}"
            )


if __name__ == "__main__":
    main()
