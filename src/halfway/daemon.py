"""`halfway run`: wiring only. APScheduler drives the fires, aiohttp serves /healthz.

One unit of work, repeated: `Daemon.process(fire)` records the delivery,
sends it, and records each channel's result. It is a plain function a test
can call. The store, not APScheduler's memory, is the record of what fired:
each job is one dated fire that plans its successor when it runs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from halfway import __version__, deliver, practices, schedule
from halfway.config import Nudge, Settings
from halfway.store import Record, Store

log = logging.getLogger("halfway")

STOP_GRACE_SECONDS = 4.0  # systemd and the tests expect a stop within 5 s


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class Daemon:
    def __init__(
        self, settings: Settings, store: Store, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.planned: dict[str, schedule.Fire] = {}
        self.in_flight: set[asyncio.Task[Any]] = set()
        self.abandoned = 0

    # the unit of work -----------------------------------------------------

    def process(self, fire: schedule.Fire, manual: bool = False) -> Record | None:
        """Record the fire as a delivery, send it, record each channel's result.

        Returns the finished delivery, or None if this fire was already recorded.
        """
        nudge = self.settings.nudge(fire.nudge_id)
        if nudge is None:
            return None
        channels = self.settings.channels_of(nudge.channels)
        title, body = practices.render(nudge.kind, nudge.text)
        record = self.store.add_delivery(
            {
                "nudge_id": nudge.id,
                "kind": nudge.kind,
                "scheduled_for": iso(fire.scheduled_for),
                "due_at": iso(fire.due_at),
                "created_at": iso(self.clock()),
                "manual": manual,
                "title": title,
                "body": body,
                "state": "pending",
                "channels": {
                    name: {"state": "pending", "attempts": 0, "sent_at": None, "error": None}
                    for name in channels
                },
            }
        )
        if record is None:
            log.info(
                "fire %s @ %s was already recorded; not sending it again",
                fire.nudge_id,
                iso(fire.scheduled_for),
            )
            return None
        log.info(
            "fire %s (%s) scheduled %s -> %s",
            nudge.id,
            nudge.kind,
            iso(fire.scheduled_for),
            ", ".join(channels) or "no channel",
        )
        results = deliver.send(channels, title, body, self.settings.send_timeout.total_seconds())
        finished = iso(self.clock())
        changes = {
            name: {
                "state": "sent" if result.ok else "failed",
                "attempts": record["channels"][name]["attempts"] + 1,
                "sent_at": finished if result.ok else None,
                "error": result.error,
            }
            for name, result in results.items()
        }
        for name, result in results.items():
            if result.ok:
                log.info("sent %s to %s", record["id"], name)
            else:
                log.warning("send %s to %s failed: %s", record["id"], name, result.error)
        return self.store.update_channels(record["id"], changes)

    # planning -------------------------------------------------------------

    def next_fire(
        self, nudge: Nudge, after: datetime, anchor: datetime | None
    ) -> schedule.Fire | None:
        return schedule.next_fire(nudge, self.settings.tz, self.settings.quiet_hours, after, anchor)

    def first_anchor(self, nudge: Nudge, now: datetime) -> datetime:
        """Where an `every` nudge counts from: its last recorded fire, else now."""
        last = self.store.last_scheduled(nudge.id)
        return datetime.fromisoformat(last) if last else now.replace(microsecond=0)

    def next_fire_time(self) -> datetime | None:
        return min((fire.due_at for fire in self.planned.values()), default=None)

    # the running service ----------------------------------------------------

    async def serve(self, stop: asyncio.Event, ready: Callable[[], None] | None = None) -> None:
        """Run until `stop` is set: schedule fires, serve HTTP, then wind down."""
        loop = asyncio.get_running_loop()
        pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="send")
        scheduler = AsyncIOScheduler(timezone=UTC, event_loop=loop)

        def plan(nudge: Nudge, after: datetime, anchor: datetime | None) -> None:
            fire = self.next_fire(nudge, after, anchor)
            if fire is None:
                self.planned.pop(nudge.id, None)
                return
            self.planned[nudge.id] = fire
            scheduler.add_job(
                run_fire,
                "date",
                run_date=fire.due_at,
                args=[nudge, fire],
                id=nudge.id,
                replace_existing=True,
                misfire_grace_time=None,
            )

        async def run_fire(nudge: Nudge, fire: schedule.Fire) -> None:
            # Plan the successor first, so a slow send never delays the next fire.
            plan(nudge, max(fire.scheduled_for, self.clock()), fire.scheduled_for)
            task = asyncio.current_task()
            assert task is not None
            self.in_flight.add(task)
            try:
                await loop.run_in_executor(pool, self.process, fire)
            except asyncio.CancelledError:
                # Only at stop, after the grace period: the delivery stays pending on disk.
                log.warning("stopped while sending %s; it stays recorded as pending", fire.nudge_id)
            except Exception:
                log.exception("fire %s failed", fire.nudge_id)
            finally:
                self.in_flight.discard(task)

        now = self.clock()
        scheduler.start()
        for nudge in self.settings.nudges:
            plan(nudge, now, self.first_anchor(nudge, now))
        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        server = self.settings.server
        try:
            await web.TCPSite(runner, server.host, server.port).start()
        except OSError as error:
            scheduler.shutdown(wait=False)
            await runner.cleanup()
            raise DaemonError(
                f"server.listen: cannot listen on {server.listen} ({error.strerror})"
            ) from None
        nxt = self.next_fire_time()
        log.info(
            "halfway %s running: %d nudge(s), next fire %s, health at http://%s/healthz",
            __version__,
            len(self.settings.nudges),
            schedule.clock_text(nxt, self.settings.tz) if nxt else "none planned",
            server.listen,
        )
        if ready:
            ready()
        await stop.wait()
        log.info("stopping")
        scheduler.shutdown(wait=False)
        await runner.cleanup()
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=STOP_GRACE_SECONDS)
        self.abandoned = len(self.in_flight)
        if self.abandoned:
            log.warning(
                "%d send(s) still in flight at stop; they stay recorded as pending", self.abandoned
            )
        pool.shutdown(wait=False, cancel_futures=True)
        log.info("stopped")

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024)
        app.router.add_get("/healthz", self.healthz)
        return app

    async def healthz(self, request: web.Request) -> web.Response:
        loop = asyncio.get_running_loop()
        pending = await loop.run_in_executor(None, self.store.outbox_pending)
        nxt = self.next_fire_time()
        return web.json_response(
            {
                "status": "ok",
                "version": __version__,
                "next_fire": nxt.astimezone(self.settings.tz).isoformat() if nxt else None,
                "outbox_pending": pending,
                "nudges": len(self.settings.nudges),
            }
        )


class DaemonError(Exception):
    """The daemon cannot start; the message says what to change."""


def run(settings: Settings, store: Store) -> int:
    """Run in the foreground until SIGTERM or SIGINT; return the exit code."""
    daemon = Daemon(settings, store)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await daemon.serve(stop)

    asyncio.run(main())
    if daemon.abandoned:
        # Apprise's worker threads would hold the interpreter open until the
        # hung send times out; the delivery is already on disk as pending.
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)
    return 0
