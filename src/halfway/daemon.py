"""`halfway run`: wiring only. APScheduler wakes the outbox's units of work, aiohttp
serves /healthz and the reply page, signals stop and reload it, systemd is told how it is.
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

from halfway import __version__, notify, schedule
from halfway.config import Settings
from halfway.outbox import Outbox, utc_now
from halfway.replies.web import MAX_BODY, ReplyPages
from halfway.store import Store, StoreError

log = logging.getLogger("halfway")

STOP_GRACE_SECONDS = 4.0  # systemd and the tests expect a stop within 5 s
SAFETY_TICK_SECONDS = 30.0  # re-check everything this often: clock jumps, CLI writes
WORKERS = 4


class DaemonError(Exception):
    """The daemon cannot start; the message says what to change."""


class Daemon(Outbox):
    """The outbox, running: scheduled, served over HTTP, stopped and reloaded by signals."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], datetime] = utc_now,
        reload: Callable[[], Settings] | None = None,
    ) -> None:
        super().__init__(settings, store, clock)
        self.reload_settings = reload
        self.planned: dict[str, datetime] = {}
        self.in_flight: set[asyncio.Task[Any]] = set()
        self.abandoned = 0

    # the running service ----------------------------------------------------

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set: schedule fires, send, serve HTTP, then wind down."""
        loop = asyncio.get_running_loop()
        pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="halfway")
        scheduler = AsyncIOScheduler(timezone=UTC, event_loop=loop)

        async def work(func: Callable[..., Any], *args: Any) -> Any:
            """Run blocking work in the pool, tracked so a stop can wait for it."""
            task = asyncio.current_task()
            assert task is not None
            self.in_flight.add(task)
            try:
                return await loop.run_in_executor(pool, func, *args)
            except asyncio.CancelledError:
                log.warning("stopped during %s; what it was sending stays pending", func.__name__)
            except StoreError as error:
                log.error("%s", error)
            except Exception:
                log.exception("%s failed", func.__name__)
            finally:
                self.in_flight.discard(task)
            return None

        def job(job_id: str, when: datetime | None, func: Callable[..., Any], *args: Any) -> None:
            if when is None:
                if scheduler.get_job(job_id):
                    scheduler.remove_job(job_id)
                return
            scheduler.add_job(
                func,
                "date",
                run_date=when,
                args=list(args),
                id=job_id,
                replace_existing=True,
                misfire_grace_time=None,
            )

        async def run_nudge(nudge_id: str, then_send: bool = True) -> None:
            nudge = self.settings.nudge(nudge_id)
            if nudge is None:
                return
            await work(self.tick, nudge)
            wake = await work(self.next_wake, nudge)
            if wake is not None:
                self.planned[nudge_id] = wake
            else:
                self.planned.pop(nudge_id, None)
            job(f"nudge:{nudge_id}", wake, run_nudge, nudge_id)
            if then_send:
                await run_outbox()

        async def run_outbox() -> None:
            claimed = await work(self.claim) or []
            await asyncio.gather(*(work(self.send_claimed, d) for d in claimed))
            job("outbox", await work(self.next_retry), run_outbox)

        async def run_reminders() -> None:
            job("reminders", await work(self.remind), run_reminders)
            await run_outbox()

        async def run_all() -> None:
            for nudge in self.settings.nudges:
                await run_nudge(nudge.id, then_send=False)
            job("reminders", await work(self.remind), run_reminders)
            await run_outbox()
            await work(self.check_alerts)

        async def reload() -> None:
            if self.reload_settings is None:
                return
            notify.notify("RELOADING=1")
            try:
                new = await loop.run_in_executor(None, self.reload_settings)
            except Exception as error:
                lines = getattr(error, "lines", [str(error)])
                for line in lines:
                    log.error("reload refused, the running config stays: %s", line)
            else:
                if new.server.listen != self.settings.server.listen:
                    log.warning("server.listen changed; that takes a restart")
                gone = {n.id for n in self.settings.nudges} - {n.id for n in new.nudges}
                self.settings = new
                for nudge_id in gone:
                    job(f"nudge:{nudge_id}", None, run_nudge, nudge_id)
                    self.planned.pop(nudge_id, None)
                await work(self.start_up)
                await run_all()
                log.info("reloaded: %d nudge(s)", len(new.nudges))
            notify.notify("READY=1")

        await loop.run_in_executor(pool, self.start_up)
        await loop.run_in_executor(pool, self.plan_all)  # /healthz knows the next fire at once
        scheduler.start()
        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        server = self.settings.server
        try:
            await web.TCPSite(runner, server.host, server.port).start()
        except OSError as error:
            scheduler.shutdown(wait=False)
            await runner.cleanup()
            pool.shutdown(wait=False)
            raise DaemonError(
                f"server.listen: cannot listen on {server.listen} ({error.strerror})"
            ) from None
        await run_all()

        def repeat(job_id: str, seconds: float, func: Callable[..., Any], *args: Any) -> None:
            scheduler.add_job(
                func,
                "interval",
                args=list(args),
                id=job_id,
                seconds=seconds,
                misfire_grace_time=None,
                coalesce=True,
            )

        repeat("safety", SAFETY_TICK_SECONDS, run_all)
        if self.settings.imap:
            repeat("imap", self.settings.imap.poll.total_seconds(), work, self.poll_mail)
            scheduler.add_job(work, args=[self.poll_mail])  # and once now
        if self.settings.heartbeat_url:
            repeat("heartbeat", self.settings.heartbeat_every.total_seconds(), work, self.heartbeat)
            scheduler.add_job(work, args=[self.heartbeat])
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(reload()))
        watchdog = asyncio.ensure_future(self.watchdog())
        nxt = self.next_fire_time()
        log.info(
            "halfway %s running: %d nudge(s), next fire %s, health at http://%s/healthz",
            __version__,
            len(self.settings.nudges),
            schedule.clock_text(nxt, self.settings.tz) if nxt else "none planned",
            server.listen,
        )
        notify.notify("READY=1")
        await stop.wait()
        notify.notify("STOPPING=1")
        log.info("stopping")
        watchdog.cancel()
        scheduler.shutdown(wait=False)
        await runner.cleanup()
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=STOP_GRACE_SECONDS)
        self.abandoned = len(self.in_flight)
        if self.abandoned:
            log.warning(
                "%d send(s) still in flight at stop; they stay recorded and go out next start",
                self.abandoned,
            )
        pool.shutdown(wait=False, cancel_futures=True)
        log.info("stopped")

    async def watchdog(self) -> None:
        """WATCHDOG=1 from the event loop itself: if the loop hangs, systemd restarts us."""
        interval = notify.watchdog_interval()
        if interval is None:
            return
        while True:
            notify.notify("WATCHDOG=1")
            await asyncio.sleep(interval)

    def plan_all(self) -> None:
        for nudge in self.settings.nudges:
            wake = self.next_wake(nudge)
            if wake is not None:
                self.planned[nudge.id] = wake

    def next_fire_time(self) -> datetime | None:
        return min(self.planned.values(), default=None)

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get("/healthz", self.healthz)
        ReplyPages(self.store, self.key, self.clock, self.settings.tz, self.replied).add_routes(app)
        return app

    async def healthz(self, request: web.Request) -> web.Response:
        loop = asyncio.get_running_loop()
        pending = await loop.run_in_executor(None, self.store.outbox_pending)
        nxt = self.next_fire_time()
        return web.json_response(
            {
                "status": "ok",
                "version": __version__,
                "pid": os.getpid(),
                "next_fire": nxt.astimezone(self.settings.tz).isoformat() if nxt else None,
                "outbox_pending": pending,
                "nudges": len(self.settings.nudges),
            }
        )


def run(settings: Settings, store: Store, reload: Callable[[], Settings] | None = None) -> int:
    """Run in the foreground until SIGTERM or SIGINT; return the exit code."""
    lock = store.hold_daemon_lock()
    daemon = Daemon(settings, store, reload=reload)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await daemon.serve(stop)

    try:
        asyncio.run(main())
    finally:
        lock.release()
    if daemon.abandoned:
        # Apprise's worker threads would hold the interpreter open until the
        # hung send times out; the delivery is already on disk.
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)
    return 0
