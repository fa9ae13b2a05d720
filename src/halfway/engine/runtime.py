"""What the running daemon runs on, made in one place: the pool its blocking work goes
to and the scheduler that wakes it, both on the daemon's event loop (`Daemon.attach`
makes them, for `serve` and for a test that drives passes itself); and the collector
settled once the daemon has started.
"""

from __future__ import annotations

import asyncio
import gc
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

WORKERS = 4


def pool() -> ThreadPoolExecutor:
    """The threads a pass, its sends, a mail poll and /healthz's reads run in."""
    return ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="halfway")


def scheduler(loop: asyncio.AbstractEventLoop) -> AsyncIOScheduler:
    """The scheduler whose one job wakes a pass when something is due (not started)."""
    return AsyncIOScheduler(timezone=UTC, event_loop=loop)


def settle() -> None:
    """Once started, move every object made so far out of the collector's sight: a
    full collection then walks only what a reply or a pass makes, not the modules
    and settings (it took a reply's p99 from 21 ms to 5 ms; docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
