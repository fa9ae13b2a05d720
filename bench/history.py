"""Make a realistic data folder of N years of use, through halfway's own write paths.

The first year (`--simulate`, default 1) is lived through for real with an injected
clock: five daily nudges fire (tick, claim, send, outcome), about three in four are
answered through the reply service with a note, a gesture is logged most days, and
the store compacts once a day, exactly as the daemon does. Sends go to a recording
fake (no network). The remaining years are copies of the simulated months, shifted
back a year at a time with fresh ids, written by the store's own archive writer.
A year comes to about 1,800 deliveries of ~1.5 KB each with their replies.

Run: .venv/bin/python bench/history.py --years 10 --out /tmp/halfway-10y
"""

from __future__ import annotations

import argparse
import random
import secrets
import shutil
import time
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from halfway.channels.sending import ChannelResult
from halfway.config import loader
from halfway.core.instants import format_instant, parse_instant
from halfway.engine.daemon import Daemon
from halfway.replies import service
from halfway.store.database import Store

NUDGES = """
[[nudges]]
id = "morning-boundary"
kind = "boundary"
cron = "0 9 * * *"
[[nudges]]
id = "midday-breath"
kind = "self_regulation"
cron = "30 12 * * *"
[[nudges]]
id = "one-ask"
kind = "clarity_ask"
cron = "0 17 * * *"
[[nudges]]
id = "evening-gestures"
kind = "gesture_log"
cron = "0 20 * * *"
remind_after = "2h"
[[nudges]]
id = "reframe"
kind = "reframe"
cron = "30 21 * * *"
"""
NOTES = (
    "Talked a little over dinner; it felt lighter than last week.",
    "Hard day. I noticed I wanted to push and I did not.",
    "They made tea without asking. Small, but I saw it.",
    "I kept my evening for myself and felt better for it.",
)
WORDS = (
    "I would love twenty minutes on Saturday to talk about what makes us feel close.",
    "I feel lonely when plans fall through; I would love us to pick one evening a week.",
    "held the door, asked about my day, sent a photo from work",
)


def fake_send(channels: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, ChannelResult]:
    return {name: ChannelResult(True) for name in channels}


def settings_for(folder: Path) -> loader.Settings:
    data = tomllib.loads(
        'timezone = "Europe/Berlin"\nquiet_hours = { start = "23:00", end = "07:00" }\n' + NUDGES
    )
    data["data_dir"] = str(folder)
    data["channels"] = {"phone": "ntfy://ntfy.example.net/halfway-bench"}
    return loader.build(data, "bench config")


def simulate(folder: Path, start: datetime, days: int, rng: random.Random) -> None:
    """Live through `days` of use from `start`, one wake per minute something is due."""
    now = [start]
    daemon = Daemon(settings_for(folder), Store(folder), clock=lambda: now[0], send=fake_send)
    daemon.start_up()
    end = start + timedelta(days=days)
    compacted = start.date()
    while now[0] < end:
        wake = daemon.plan()
        now[0] = max(now[0], wake or end) + timedelta(seconds=1)
        for delivery in daemon.run_once():
            if delivery.get("reminder_of") or rng.random() > 0.75:
                continue
            shape = service.shape_of(delivery)
            value = shape.choices[rng.randrange(len(shape.choices))][0] if shape.choices else ""
            value = value or rng.choice(WORDS)
            answered = now[0] + timedelta(minutes=rng.randrange(1, 90))
            service.accept(daemon.store, delivery, value, "push", answered, note=rng.choice(NOTES))
        if now[0].astimezone(daemon.settings.tz).hour == 12 and rng.random() < 0.8:
            daemon.store.add(
                "entries",
                {
                    "kind": "gesture",
                    "text": rng.choice(NOTES),
                    "at": format_instant(now[0]),
                    "by": "partner",
                },
            )
        if now[0].date() != compacted:  # the daemon compacts every few hours
            daemon.store.compact(now[0])
            compacted = now[0].date()
    daemon.store.compact(now[0])


def shifted(record: dict[str, Any], years: int, ids: dict[str, str]) -> dict[str, Any]:
    """A copy of `record` moved back `years` years, with fresh ids (links stay consistent)."""
    copy: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, str) and value[:2] == "20" and value[10:11] == "T":
            moment = parse_instant(value)
            value = format_instant(
                moment.replace(year=moment.year - years, day=min(moment.day, 28))
            )
        elif key in ("id", "delivery_id", "reminder_of") and isinstance(value, str):
            value = ids.setdefault(value, value[:2] + secrets.token_hex(6))
        elif isinstance(value, dict):
            value = shifted(value, years, ids)
        copy[key] = value
    return copy


def clone_years(store: Store, years: int) -> None:
    """Fill `years` more years before the simulated one with shifted copies of its months."""
    months = store.months()
    for back in range(1, years + 1):
        ids: dict[str, str] = {}
        for month in months:
            tables = store.archive(month)
            copies = {name: [shifted(r, back, ids) for r in rs] for name, rs in tables.items()}
            year, number = month.split("-")
            store.append_archive(f"{int(year) - back}-{number}", copies)


def make(out: Path, years: float, simulate_years: int = 1, seed: int = 2026) -> dict[str, int]:
    """Write `years` of history to `out` (replaced); counts of what it holds."""
    shutil.rmtree(out, ignore_errors=True)
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    days = max(1, round(min(years, simulate_years) * 365))
    simulate(out, now - timedelta(days=days), days, rng)
    store = Store(out)
    if years > simulate_years:
        clone_years(store, round(years - simulate_years))
    everything = store.everything()
    return {name: len(records) for name, records in everything.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--years", type=float, default=1.0)
    parser.add_argument("--simulate", type=int, default=1, help="years lived through for real")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = make(args.out, args.years, args.simulate)
    size = sum(p.stat().st_size for p in args.out.rglob("*.json"))
    print(f"{args.out}: {counts} in {size / 2**20:.1f} MiB, {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
