"""`halfway run`: wiring only. One APScheduler job wakes the units of work at the next
instant anything is due; a safety loop on the monotonic clock notices clock jumps and
changes made by the CLI; aiohttp serves /healthz and the reply page; signals stop and
reload it; systemd is told how it is.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from halfway import __version__, deliver, notify, runlock, schedule
from halfway.alerts import Alerts
from halfway.config import Settings
from halfway.outbox import Outbox, utc_now
from halfway.planner import Planner
from halfway.replies import mail, tokens
from halfway.replies.web import MAX_BODY, ReplyPages
from halfway.store import Record, Store, StoreError

log = logging.getLogger("halfway")

STOP_GRACE_SECONDS = 4.0  # systemd and the tests expect a stop within 5 s
SAFETY_SECONDS = 30.0  # look for clock jumps and CLI writes this often (monotonic)
CLOCK_JUMP = timedelta(seconds=2)  # wall clock moved this much against the monotonic one
COMPACT_EVERY = timedelta(hours=6)  # move finished records to the archives
WORKERS = 4


class DaemonError(Exception):
    """The daemon cannot start; the message says what to change."""


class Daemon:
    """The units of work, running: scheduled, served over HTTP, stopped and reloaded."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], datetime] = utc_now,
        reload: Callable[[], Settings] | None = None,
        send: Callable[..., Any] = deliver.send,
        demo: bool = False,
    ) -> None:
        self.demo = demo  # `halfway run --demo`: the planner plays the demo's story
        self.store = store
        self.clock = clock
        self.reload_settings = reload
        self.send = send
        self.key = tokens.load_key(store.data_dir)
        self.use(settings)
        self.ready = False  # every catch-up decided
        self.problem: str | None = None  # why the last pass failed, while it does
        self.wake_at: datetime | None = None
        self.seen: tuple[int, int, int] | None = None  # the hot file as the last plan saw it
        self.offset = time.time() - time.monotonic()
        self.compacted = 0.0  # monotonic time of the last compaction
        self.in_flight: set[asyncio.Task[Any]] = set()
        self.abandoned = 0
        self.beat_ok: bool | None = None  # what the heartbeat last told the monitor

    def use(self, settings: Settings) -> None:
        self.settings = settings
        self.planner = Planner(settings, self.store, self.clock, self.key, self.demo)
        self.outbox = Outbox(settings, self.store, self.clock, self.send)
        self.alerts = Alerts(settings, self.store, self.clock, self.send)

    # the units of work, in one pass ---------------------------------------------

    def start_up(self) -> None:
        """Cursors for every nudge; sends a dead process left half-done go back in line."""
        self.planner.start_up()
        self.outbox.recover()

    def decide(self) -> list[Record]:
        """Record what is due and claim what is to send: fires, reminders, retries."""
        self.outbox.recover()
        self.planner.tick()
        self.planner.remind()
        self.alerts.check()
        return self.outbox.claim()

    def run_once(self) -> list[Record]:
        """One whole pass, without the event loop: decide, claim, send, record (tests, CLI)."""
        return [self.outbox.send_claimed(delivery) for delivery in self.decide()]

    def plan(self) -> datetime | None:
        """The next instant anything is due; remembers what the hot file looked like."""
        self.seen = self.store.stamp()
        wakes = list(self.planner.next_fires().values())
        later = (self.planner.next_reminder(), self.outbox.next_retry())
        wakes += [w for w in later if w is not None]
        return min(wakes, default=None)

    def maybe_compact(self) -> None:
        if time.monotonic() - self.compacted < COMPACT_EVERY.total_seconds():
            return
        moved = self.store.compact(self.clock())
        self.compacted = time.monotonic()
        if moved:
            log.info("moved %d finished record(s) to the archive", moved)

    def stale(self) -> bool:
        """Whether a pass is needed: the clock jumped, the hot file changed, or work is due.

        One stat and two clock reads: cheap enough to run on the event loop itself.
        """
        offset = time.time() - time.monotonic()
        jumped = abs(offset - self.offset) > CLOCK_JUMP.total_seconds()
        self.offset = offset
        if jumped:
            log.info("the clock jumped; looking again at what is due")
        due = self.wake_at is not None and self.clock() >= self.wake_at
        return jumped or due or self.store.stamp() != self.seen

    # the running service --------------------------------------------------------

    async def serve(self, stop: asyncio.Event, sock: socket.socket | None = None) -> None:
        """Run until `stop` is set: serve HTTP at once, catch up, then wake when due.

        `sock` is the listening socket `bind` made before anything was written.
        """
        self.loop = asyncio.get_running_loop()
        self.pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="halfway")
        self.scheduler = AsyncIOScheduler(timezone=UTC, event_loop=self.loop)
        self.passing = asyncio.Lock()
        runner = web.AppRunner(self.web_app(), access_log=None)
        await runner.setup()
        server = self.settings.server
        try:
            await web.SockSite(runner, sock or bind(server.listen)).start()
        except DaemonError:
            await runner.cleanup()
            self.pool.shutdown(wait=False)
            raise
        self.scheduler.start()
        if self.settings.heartbeat_url:
            await self.work(self.alerts.heartbeat, None, "start")
        await self.work(self.start_up)
        await self.wake()
        self.ready = True
        self.loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(self.reload()))
        tasks = [asyncio.ensure_future(t) for t in self.background()]
        nxt = self.wake_at
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
        for task in tasks:
            task.cancel()
        self.scheduler.shutdown(wait=False)
        await runner.cleanup()
        await self.wind_down()

    def background(self) -> list[Any]:
        jobs = [self.safety(), self.watchdog(), self.every(COMPACT_EVERY, self.maybe_compact)]
        if self.settings.imap:
            jobs.append(self.every(self.settings.imap.poll, self.poll_mail))
        jobs.append(self.heartbeats())
        return jobs

    async def wind_down(self) -> None:
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=STOP_GRACE_SECONDS)
        self.abandoned = len(self.in_flight)
        if self.abandoned:
            log.warning(
                "%d send(s) still in flight at stop; they stay recorded and go out next start",
                self.abandoned,
            )
        self.pool.shutdown(wait=False, cancel_futures=True)
        log.info("stopped")

    async def work(self, func: Callable[..., Any], *args: Any) -> Any:
        """Run blocking work in the pool, tracked so a stop can wait for it.

        A failure is logged and kept as the daemon's problem until a pass succeeds.
        """
        task = asyncio.current_task()
        assert task is not None
        self.in_flight.add(task)
        try:
            return await self.loop.run_in_executor(self.pool, func, *args)
        except asyncio.CancelledError:
            log.warning("stopped during %s; what it was sending stays pending", func.__name__)
        except StoreError as error:
            self.problem = str(error)
            log.error("%s", error)
        except Exception as error:
            self.problem = f"{func.__name__} failed: {type(error).__name__}: {error}"
            log.exception("%s failed", func.__name__)
        finally:
            self.in_flight.discard(task)
        return None

    async def wake(self) -> None:
        """One pass: decide and claim, send what was claimed, then plan the next wake."""
        async with self.passing:
            problem = self.problem
            self.problem = None
            claimed = await self.work(self.decide)
            if claimed is None and self.problem is None:
                self.problem = problem  # stopped mid-way: nothing was learnt
            await asyncio.gather(*(self.work(self.outbox.send_claimed, d) for d in claimed or []))
            self.wake_at = await self.work(self.plan)
            if self.beat_ok is not None and self.beat_ok != (self.problem is None):
                beat = asyncio.ensure_future(self.work(self.heartbeat))  # tell it at once
                self.in_flight.add(beat)
                beat.add_done_callback(self.in_flight.discard)
            if self.wake_at is None:
                if self.scheduler.get_job("wake"):
                    self.scheduler.remove_job("wake")
                return
            self.scheduler.add_job(
                self.wake,
                "date",
                run_date=max(self.wake_at, self.clock()),
                id="wake",
                replace_existing=True,
                misfire_grace_time=None,
            )

    async def safety(self) -> None:
        """Every SAFETY_SECONDS of monotonic time: a pass if anything may have changed."""
        while True:
            await asyncio.sleep(SAFETY_SECONDS)
            if self.problem or self.stale():
                await self.wake()

    async def every(self, span: timedelta, func: Callable[[], Any]) -> None:
        """Run `func` now and then every `span` of monotonic time (immune to clock jumps)."""
        while True:
            await self.work(func)
            await asyncio.sleep(span.total_seconds())

    async def heartbeats(self) -> None:
        """Ping the monitor every heartbeat_every (read again after a reload)."""
        while True:
            if self.settings.heartbeat_url:
                await self.work(self.heartbeat)
            await asyncio.sleep(self.settings.heartbeat_every.total_seconds())

    def heartbeat(self) -> None:
        """The plain ping while every pass works, `/fail` with the reason while one fails."""
        ok = self.problem is None
        if self.alerts.heartbeat(self.problem):
            self.beat_ok = ok

    def poll_mail(self) -> int:
        return mail.poll(self.settings, self.store, self.key, self.clock, self.replied)

    async def reload(self) -> None:
        if self.reload_settings is None:
            return
        notify.notify("RELOADING=1")
        try:
            new = await self.loop.run_in_executor(None, self.reload_settings)
        except Exception as error:
            for line in getattr(error, "lines", [str(error)]):
                log.error("reload refused, the running config stays: %s", line)
        else:
            if new.server.listen != self.settings.server.listen:
                log.warning("server.listen changed; that takes a restart")
            self.use(new)
            await self.work(self.start_up)
            await self.wake()
            log.info("reloaded: %d nudge(s)", len(new.nudges))
        notify.notify("READY=1")

    async def watchdog(self) -> None:
        """WATCHDOG=1 from the event loop itself: if the loop hangs, systemd restarts us."""
        interval = notify.watchdog_interval()
        if interval is None:
            return
        while True:
            notify.notify("WATCHDOG=1")
            await asyncio.sleep(interval)

    def replied(self, delivery: Record, reply: Record, first: bool) -> None:
        """A reply arrived (any way): log it."""
        log.info(
            "reply to %s (%s) via %s%s",
            delivery["id"],
            delivery["nudge_id"],
            reply["via"],
            "" if first else ", changed",
        )

    # HTTP -------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get("/healthz", self.healthz)
        pages = ReplyPages(self.store, self.key, self.clock, self.settings.tz, self.replied)
        pages.add_routes(app)
        return app

    async def healthz(self, request: web.Request) -> web.Response:
        nxt = self.wake_at
        answer: dict[str, Any] = {
            "status": "ok",
            "version": __version__,
            "pid": os.getpid(),
            "next_fire": nxt.astimezone(self.settings.tz).isoformat() if nxt else None,
            "nudges": len(self.settings.nudges),
        }
        try:
            answer["outbox_pending"] = await self.loop.run_in_executor(
                self.pool, self.outbox.pending
            )
        except StoreError as error:
            self.problem = str(error)
        if not self.ready:
            answer["status"] = "starting"
        if self.problem:
            answer.update(status="failing", problem=self.problem)
        return web.json_response(answer, status=200 if answer["status"] == "ok" else 503)


def bind(listen: str) -> socket.socket:
    """The listening socket for `server.listen`, made before anything touches the data
    folder: a second daemon on a busy port leaves nothing behind."""
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    try:
        family = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)[0][0]
        sock = socket.create_server((host, int(port)), family=family, backlog=128)
    except OSError as error:
        reason = error.strerror or str(error)
        hint = "; is another halfway running? see 'halfway status'"
        raise DaemonError(
            f"server.listen: cannot listen on {listen} ({reason})"
            + (hint if error.errno == errno.EADDRINUSE else "")
        ) from None
    sock.setblocking(False)
    return sock


def run(
    settings: Settings,
    make_store: Callable[[], Store],
    reload: Callable[[], Settings] | None = None,
    demo: bool = False,
) -> int:
    """Run in the foreground until SIGTERM or SIGINT; return the exit code.

    The port is taken first, then the data folder: a daemon that cannot serve
    writes nothing.
    """
    try:
        sock = bind(settings.server.listen)
    except DaemonError:
        pid = runlock.running(settings.data_dir) if runlock.present(settings.data_dir) else None
        if pid:  # the port is busy because we already run: say that
            raise StoreError(
                f"{settings.data_dir}: another halfway daemon is already running on this data"
                f" (pid {pid})"
            ) from None
        raise
    try:
        store = make_store()
        lock = runlock.hold(store.data_dir)
    except runlock.AlreadyRunning as error:
        sock.close()
        raise StoreError(str(error)) from None
    except BaseException:
        sock.close()
        raise
    daemon = Daemon(settings, store, reload=reload, demo=demo)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await daemon.serve(stop, sock)

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
