"""How long planning takes: next fire of a cron nudge, and a year of upcoming fires.

Run: .venv/bin/python bench/bench_schedule.py
"""

from __future__ import annotations

import timeit
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from halfway.config.models import Nudge
from halfway.config.practices import QuietHours
from halfway.core.schedule import next_fire, upcoming

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
QUIET = QuietHours(start=time(22, 0), end=time(7, 30))


def main() -> None:
    daily = Nudge(id="d", kind="gesture_log", cron="0 20 * * *")
    minutely = Nudge(id="m", kind="custom", cron="* * * * *")
    every = Nudge(id="e", kind="custom", every="1s")
    cases = {
        "next fire, daily cron": lambda: next_fire(daily, ZONE, QUIET, NOW),
        "next fire, every minute, inside quiet hours (coalesces ~570)": lambda: next_fire(
            minutely, ZONE, QUIET, NOW.replace(hour=21, minute=30)
        ),
        "next fire, every 1s, inside quiet hours (coalesces ~34,000)": lambda: next_fire(
            every, ZONE, QUIET, NOW.replace(hour=21, minute=30), NOW
        ),
        "a year of upcoming fires, daily cron (365)": lambda: upcoming(
            [daily], ZONE, QUIET, NOW, NOW + timedelta(days=365)
        ),
    }
    for name, case in cases.items():
        runs, total = timeit.Timer(case).autorange()
        print(f"{name}: {total / runs * 1000:.3f} ms")


if __name__ == "__main__":
    main()
