"""Reference lines: one fsynced insert into TinyDB's default JSONStorage and into SQLite.

With N realistic records already stored (a real delivery with its reply, about 1.5 KB
as JSON, copied from tests/fixtures/layout1/halfway.json with fresh ids and shifted
timestamps), time inserting one more record:
  - TinyDB: plain `TinyDB(path)`; each insert parses and rewrites the whole file and
    fsyncs it (JSONStorage.write calls os.fsync);
  - SQLite: journal_mode=WAL, synchronous=FULL, one row (id TEXT PRIMARY KEY, body TEXT
    JSON) per record, one transaction per insert; json.dumps is inside the timing.
Run: .venv/bin/python bench/reference.py [--sizes 1000,20000,100000] [--samples 100]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tinydb import TinyDB

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "layout1" / "halfway.json"
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)")
Record = dict[str, Any]


def load_pool(path: Path) -> tuple[list[str], timedelta]:
    """Each delivery that has a reply, as the JSON text of {id, delivery, reply}."""
    data = json.loads(path.read_text())
    replies = {r["delivery_id"]: r for r in data.get("replies", {}).values()}
    pool = [
        json.dumps({"id": d["id"], "delivery": d, "reply": replies[d["id"]]})
        for d in data.get("deliveries", {}).values()
        if d["id"] in replies
    ]
    if not pool:
        sys.exit(f"{path}: no delivery with a reply to copy")
    instants = [datetime.fromisoformat(m) for text in pool for m in INSTANT.findall(text)]
    days = math.ceil((max(instants) - min(instants)) / timedelta(days=1)) + 1
    return pool, timedelta(days=days)


class Records:
    """Copy k of the pool: fresh delivery and reply ids, timestamps moved back k//len rounds."""

    def __init__(self, pool: list[str], span: timedelta) -> None:
        self.pool = pool
        self.span = span
        self.ids = [json.loads(t)["id"] for t in pool]
        self.reply_ids = [json.loads(t)["reply"]["id"] for t in pool]

    def text(self, k: int) -> str:
        template = self.pool[k % len(self.pool)]
        shift = self.span * (k // len(self.pool))
        text = template.replace(self.ids[k % len(self.pool)], f"d_{k:012x}")
        text = text.replace(self.reply_ids[k % len(self.pool)], f"r_{k:012x}")
        if not shift:
            return text
        return INSTANT.sub(lambda m: (datetime.fromisoformat(m[0]) - shift).isoformat(), text)

    def record(self, k: int) -> Record:
        result: Record = json.loads(self.text(k))
        return result


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: with fewer than 100 samples, p99 is the largest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timed(samples: list[Record], insert: Callable[[Record], None]) -> list[float]:
    insert(samples[0])  # one warm-up insert, not counted
    result = []
    for record in samples[1:]:
        start = time.perf_counter()
        insert(record)
        result.append((time.perf_counter() - start) * 1000)
    return result


def bench_tinydb(folder: Path, records: Records, size: int, samples: list[Record]) -> list[float]:
    path = folder / "tiny.json"
    with path.open("w") as out:  # what TinyDB itself writes, without 100k json.loads
        out.write('{"_default": {')
        out.write(", ".join(f'"{n + 1}": {records.text(n)}' for n in range(size)))
        out.write("}}")
        out.flush()
        os.fsync(out.fileno())
    db = TinyDB(path)
    assert len(db) == size, f"TinyDB sees {len(db)} records, wrote {size}"

    def insert(record: Record) -> None:
        db.insert(record)

    try:
        return timed(samples, insert)
    finally:
        db.close()


def bench_sqlite(folder: Path, records: Records, size: int, samples: list[Record]) -> list[float]:
    db = sqlite3.connect(folder / "ref.sqlite", isolation_level=None)
    assert db.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE records (id TEXT PRIMARY KEY, body TEXT NOT NULL)")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO records VALUES (?, ?)", ((f"d_{n:012x}", records.text(n)) for n in range(size))
    )
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def insert(record: Record) -> None:
        db.execute("BEGIN")
        db.execute("INSERT INTO records VALUES (?, ?)", (record["id"], json.dumps(record)))
        db.execute("COMMIT")

    try:
        return timed(samples, insert)
    finally:
        db.close()


def size_mb(folder: Path, prefix: str) -> float:
    return sum(p.stat().st_size for p in folder.glob(prefix + "*")) / 1e6


def fs_type(path: Path) -> str:
    best, kind = "", "?"
    for line in Path("/proc/mounts").read_text().splitlines():
        _, point, fstype = line.split()[:3]
        if str(path).startswith(point) and len(point) > len(best):
            best, kind = point, fstype
    return kind


def work_folder(given: str | None) -> Path:
    """--dir, else the temp dir if it is a real disk (same device as this repo), else bench/."""
    if given:
        Path(given).mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="halfway-ref-", dir=given))
    tmp = Path(tempfile.gettempdir()).resolve()
    same = tmp.stat().st_dev == ROOT.stat().st_dev
    base = tmp if same and fs_type(tmp) not in {"tmpfs", "ramfs"} else ROOT / "bench"
    return Path(tempfile.mkdtemp(prefix=".halfway-ref-", dir=base))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,20000,100000")
    parser.add_argument("--samples", type=int, default=100, help="timed inserts per line")
    parser.add_argument("--few", type=int, default=5, help="TinyDB samples above --full-up-to")
    parser.add_argument("--full-up-to", type=int, default=20_000)
    parser.add_argument("--dir", help="where the files go (default: a temp dir on disk)")
    parser.add_argument("--fixture", type=Path, default=FIXTURE)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    pool, span = load_pool(args.fixture)
    records = Records(pool, span)
    mean = sum(len(records.text(k)) for k in range(len(pool))) / len(pool)
    root = work_folder(args.dir)
    print(f"Files in {root} ({fs_type(root.resolve())}); {len(pool)} real delivery+reply pairs")
    print(f"from {args.fixture.name}, {mean:,.0f} bytes each as JSON; one untimed warm-up insert.")
    print()
    print("| store | records before | samples | p50 ms | p99 ms | file MB |")
    print("|---|---:|---:|---:|---:|---:|")
    few = False
    try:
        for size in sizes:
            for name, bench, prefix in (
                ("TinyDB JSONStorage", bench_tinydb, "tiny"),
                ("SQLite WAL, synchronous=FULL", bench_sqlite, "ref.sqlite"),
            ):
                count = args.samples
                if bench is bench_tinydb and size > args.full_up_to and args.few < count:
                    count, few = args.few, True
                folder = root / f"{prefix}-{size}"
                folder.mkdir()
                samples = [records.record(size + n) for n in range(count + 1)]
                took = bench(folder, records, size, samples)
                mb = size_mb(folder, prefix)
                print(
                    f"| {name} | {size:,} | {len(took)} | {percentile(took, 50):.2f} "
                    f"| {percentile(took, 99):.2f} | {mb:.1f} |",
                    flush=True,
                )
                shutil.rmtree(folder)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print()
    print("p99 is the nearest rank: with fewer than 100 samples it is the slowest one.")
    if few:
        print(
            f"TinyDB above {args.full_up_to:,} records: only {args.few} samples "
            "(each insert parses and rewrites the whole file)."
        )


if __name__ == "__main__":
    main()
