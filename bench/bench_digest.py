"""The weekly digest at growing history: read, figures, render, for a week inside 1, 5 and
10 years of records made by `bench/history.py` (one year lived through the real write
paths, the other years copies of it).

For each history it times, median and max of `--runs`:
  - digest: what the daemon and `halfway digest` do for the last whole week: read the
    archive months it needs and the hot file, build the figures, render the e-mail HTML
    and the text;
  - a week in the middle of the history (its months only);
  - baseline, same run: reading every record (`Store.everything()`), what a digest that
    read the whole history would pay before any figure.
Run: .venv/bin/python bench/bench_digest.py [--runs 20] [--dir DIR]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import history

from halfway.digest import figures, render, weekly
from halfway.store.database import Store


def timed(func: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def one_digest(folder: Path, week: str) -> None:
    settings = history.settings_for(folder)
    store = Store(folder)
    found = weekly.build(store, settings, week, datetime.now(UTC))
    render.mail_html(found, "http://127.0.0.1:8470/digest/x?t=y")
    render.text(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="halfway-digest-", dir=args.dir))
    try:
        base = root / "1y"
        started = time.perf_counter()
        history.make(base, 1)
        print(f"<!-- 1 year lived through in {time.perf_counter() - started:.0f} s -->")
        print(
            f"Machine: {platform.processor() or platform.machine()}, Python "
            f"{platform.python_version()}; {datetime.now(UTC):%Y-%m-%d}; {args.runs} runs.\n"
        )
        print(
            "| years | deliveries | last week's digest (median / max) | a week mid-history "
            "| baseline: read every record |"
        )
        print("|---:|---:|---:|---:|---:|")
        for years in (1, 5, 10):
            folder = root / f"{years}y"
            if years > 1:
                shutil.copytree(base, folder)
                history.clone_years(Store(folder), years - 1)
            store = Store(folder)
            count = len(store.everything()["deliveries"])
            zone = history.settings_for(folder).tz
            now = datetime.now(UTC)
            last = figures.last_complete_week(now, zone)
            middle = figures.week_name(
                figures.monday_of(last, now, zone) - timedelta(weeks=26 * years)
            )
            one_digest(folder, last)  # warm: templates compiled, modules loaded
            latest = timed(lambda f=folder, w=last: one_digest(f, w), args.runs)
            mid = timed(lambda f=folder, w=middle: one_digest(f, w), args.runs)
            everything = timed(lambda s=store: s.everything(), max(3, args.runs // 4))
            print(
                f"| {years} | {count:,} | {latest[0]:.0f} / {latest[1]:.0f} ms "
                f"| {mid[0]:.0f} / {mid[1]:.0f} ms | {everything[0]:.0f} / {everything[1]:.0f} ms |"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
