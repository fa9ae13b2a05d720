"""`halfway run`: wiring only. One APScheduler job wakes the units of work at the next
instant anything is due; a safety loop on the monotonic clock notices clock jumps and
changes made by the CLI; aiohttp serves /healthz and the reply page; signals stop and
reload it; systemd is told how it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar, TypeVarTuple

from aiohttp import web

from halfway import __version__
from halfway.care.nudging import CareNudges
from halfway.channels import sdnotify, sending
from halfway.config.models import Settings
from halfway.core import clockjump, schedule
from halfway.core.limits import http as http_limits
from halfway.digest.weekly import DigestNudges
from halfway.digest.yearly import YearNudges
from halfway.engine import httpapp, httpserve, runtime
from halfway.engine.alerts import Alerts
from halfway.engine.outbox import Outbox, Send, utc_now
from halfway.engine.planner import Planner, Player
from halfway.engine.units import Named, Units
from halfway.replies import mail, service
from halfway.store import keys
from halfway.store.database import Record, Store, StoreError
from halfway.words.plural import plural

log = logging.getLogger("halfway")

STOP_GRACE_SECONDS = 4.0  # systemd and the tests expect a stop within 5 s
SAFETY_SECONDS = 30.0  # look for clock jumps and CLI writes this often (monotonic)
COMPACT_EVERY = timedelta(hours=6)  # move finished records to the archives
T = TypeVar("T")  # what a unit of work run in the pool returns
Ts = TypeVarTuple("Ts")  # and the arguments it takes


class Daemon:
    """The units of work, running: scheduled, served over HTTP, stopped and reloaded."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], datetime] = utc_now,
        reload: Callable[[], Settings] | None = None,
        send: Send = sending.send,
        demo: Callable[[datetime], Player] | None = None,
        new_key: bool = False,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        self.demo = demo  # `halfway run --demo`: the planner plays the demo's story
        self.store = store
        self.clock = clock
        self.reload_settings = reload
        self.send = send
        self.key, self.links = keys.start_keys(store, new_key)
        self.watch = clockjump.Watch(clock, monotonic or clockjump.monotonic(clock, utc_now))
        self.monotonic = self.watch.mono  # a jump is not downtime; compaction's clock
        self.use(settings)
        self.ready = False  # every catch-up decided
        self.problem: str | None = None  # why the last pass failed, while it does
        self.logged: str | None = None  # the problem last logged (one line per change)
        self.failures = 0  # failed units of work so far: a pass with none clears the problem
        self.beating: asyncio.Task[None] | None = None  # a heartbeat ping in flight
        self.wake_at: datetime | None = None  # shown: when the next pass is planned
        self.passes = 0  # whole passes since start, failing ones too (shown: tests wait on it)
        self.mail_polls = 0  # polls of the mailbox that worked (shown, as passes)
        self.next_fire_at: datetime | None = None  # shown: the next nudge or talk step
        self.seen: tuple[int, int, int] | None = None  # the hot file as the last plan saw it
        # monotonic; None: compact at start, however short a time the machine has been up
        self.compacted: float | None = None
        self.in_flight: set[asyncio.Task[object]] = set()
        self.busy = 0  # pool threads running a unit of work (see counted)
        self.busy_lock = threading.Lock()
        self.abandoned = 0
        self.beat_ok: bool | None = None  # what the heartbeat last told the monitor

    def use(self, settings: Settings) -> None:
        self.settings = settings
        self.planner = Planner(
            settings, self.store, self.clock, self.key, self.demo, self.watch.spans
        )
        self.outbox = Outbox(settings, self.store, self.clock, self.send)
        self.alerts = Alerts(settings, self.store, self.clock, self.send)
        self.care = CareNudges(settings, self.store, self.clock, self.planner)
        self.digest = DigestNudges(settings, self.store, self.clock, self.links)
        self.year = YearNudges(settings, self.store, self.clock, self.links)
        self.units = Units(self.store, self.clock, self.failed)  # a reload: all tried at once

    # the units of work, in one pass ---------------------------------------------

    def start_up(self) -> None:
        """Cursors for every nudge; sends a dead process left half-done go back in line."""
        self.planner.start_up()
        self.outbox.recover()

    def decide(self) -> list[Record]:
        """Record what is due and claim what is to send: fires, reminders, retries."""
        self.watch.look()  # before the fires: those a jump passed over say so
        full = self.store.space_problem()
        if full:
            raise StoreError(full)  # every write would fail: say so, once, and wait
        self.store.view()  # the hot file itself: a fault there stops the pass, loudly
        self.outbox.recover()
        for name, unit in (
            ("nudges", self.planner.tick),
            ("talks", self.planner.tick_talks),
            ("reminders", self.planner.remind),
            ("care", self.care.tick),  # the weekly look at the trends, when it is due
            ("digest", self.digest.tick),  # the weekly digest, when it is due
            ("year", self.year.tick),  # the year in review, offered once in January
            ("alerts", self.alerts.check),
        ):
            self.units.run(name, unit)  # one failing never stops the others, nor the sends
        self.units.run("archives", self.units.check_archives, hold=False)  # cheap: every pass
        return self.outbox.claim()

    def run_once(self) -> list[Record]:
        """One whole pass, without the event loop: decide, claim, send, record (tests, CLI)."""
        return [self.outbox.send_claimed(delivery) for delivery in self.decide()]

    def plan(self) -> datetime | None:
        """The next instant anything is due; remembers what the hot file looked like."""
        self.seen = self.store.stamp()
        self.next_fire_at = self.planner.first_fire()
        wakes = list(self.planner.next_fires().values())
        later = (
            self.planner.next_reminder(),
            self.outbox.next_retry(),
            self.units.held("care", self.care.next_wake()),
            self.units.held("digest", self.digest.next_wake()),
            self.units.held("year", self.year.next_wake()),
        )
        wakes += [w for w in later if w is not None]
        return min(wakes, default=None)

    def maybe_compact(self) -> None:
        last = self.compacted
        if last is not None and self.monotonic() - last < COMPACT_EVERY.total_seconds():
            return
        moved = self.store.compact(self.clock())
        self.compacted = self.monotonic()
        if moved:
            log.info("moved %s to the archive", plural(moved, "finished record"))

    def stale(self) -> bool:
        """Whether a pass is needed: the clock jumped, the hot file changed, or work is
        due. One stat and two clock reads: cheap enough to run on the event loop itself."""
        jumped = self.watch.look() is not None  # it logs the jump, one line
        due = self.wake_at is not None and self.clock() >= self.wake_at
        return jumped or due or self.store.stamp() != self.seen

    # the running service --------------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """What passes run on, made on `loop`: the pool for the blocking work, the
        scheduler that wakes a pass (`serve` starts it), the lock that keeps one pass at
        a time. `serve` calls it first; so does a test that drives passes itself."""
        self.loop = loop
        self.pool = runtime.pool()
        self.scheduler = runtime.scheduler(loop)
        self.passing = asyncio.Lock()

    async def serve(self, stop: asyncio.Event, sock: socket.socket) -> None:
        """Run until `stop` is set: serve HTTP at once, catch up, then wake when due.
        `sock` is the listening socket `bind` made before anything was written."""
        self.attach(asyncio.get_running_loop())
        http = httpserve.Serving(self.web_app(), sock, http_limits())  # bounded: limits.py
        await http.start()
        server = self.settings.server
        self.scheduler.start()
        # The catch-up may send (and a send may hang): a stop must not wait for it.
        catching_up = asyncio.ensure_future(self.catch_up())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({catching_up, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            catching_up.cancel()
            log.info("stopping")
            self.scheduler.shutdown(wait=False)
            await http.stop()
            await self.wind_down()
            return
        stopped.cancel()
        self.loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(self.reload()))
        tasks = [asyncio.ensure_future(t) for t in self.background()]
        nxt = self.next_fire_at
        log.info(
            "halfway %s running: %s, next fire %s, health at http://%s/healthz",
            __version__,
            plural(len(self.settings.nudges), "nudge"),
            schedule.clock_text(nxt, self.settings.tz) if nxt else "none planned",
            server.listen,
        )
        sdnotify.notify("READY=1")
        await stop.wait()
        sdnotify.notify("STOPPING=1")
        log.info("stopping")
        for task in tasks:
            task.cancel()
        self.scheduler.shutdown(wait=False)
        await http.stop()
        await self.wind_down()

    async def catch_up(self) -> None:
        """Start up: cursors, crash recovery, then every fire owed since the last run."""
        if self.settings.heartbeat_url:
            await self.work(self.alerts.heartbeat, None, "start")
        await self.work(self.start_up)
        await self.wake()
        runtime.settle()
        self.ready = True

    def background(self) -> list[Awaitable[None]]:
        jobs: list[Awaitable[None]] = [self.safety(), sdnotify.watchdog()]
        jobs.append(self.every(COMPACT_EVERY, self.maybe_compact))
        if self.settings.imap:
            jobs.append(self.every(self.settings.imap.poll, self.poll_mail))
        jobs.append(self.heartbeats())
        return jobs

    async def wind_down(self) -> None:
        """Give work in flight STOP_GRACE_SECONDS to finish, then leave it: a send cut
        off here stays claimed by this (soon dead) process, and the next start sends
        it again, marked resent_after_crash."""
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=STOP_GRACE_SECONDS)
        while self.busy and time.monotonic() < deadline:  # a cancelled wait's thread
            await asyncio.sleep(0.05)
        self.abandoned = max(len(self.in_flight), self.busy)
        if self.abandoned:
            log.warning(
                "%s still in flight at stop; recorded, to go out at the next start",
                plural(self.abandoned, "send"),
            )
        self.pool.shutdown(wait=False, cancel_futures=True)
        log.info("stopped")

    async def work(self, func: Callable[[*Ts], T], *args: *Ts) -> T | None:
        """Run blocking work in the pool, tracked so a stop can wait for it. A failure
        is kept as the daemon's problem until a pass succeeds, and logged once per
        change: a failing pass repeated every SAFETY_SECONDS says nothing new."""
        task = asyncio.current_task()
        assert task is not None
        self.in_flight.add(task)
        try:
            return await self.loop.run_in_executor(self.pool, self.counted, func, *args)
        except asyncio.CancelledError:
            log.warning("stopped during %s; what it was sending stays pending", func.__name__)
        except StoreError as error:
            self.failed(str(error), None)
        except Exception as error:
            self.failed(f"{func.__name__} failed: {type(error).__name__}: {error}", func)
        finally:
            self.in_flight.discard(task)
        return None

    def failed(self, problem: str, func: Named | None) -> None:
        """Keep `problem` as the daemon's until a pass succeeds; log it once, not per pass."""
        self.problem = problem
        self.failures += 1
        if problem != self.logged and not self.units.says(problem):
            self.logged = problem
            if func is None:
                log.error("%s", problem)
            else:
                log.exception("%s failed", func.__name__)

    def counted(self, func: Callable[[*Ts], T], *args: *Ts) -> T:
        """`func` in a pool thread, counted while it runs (a stop waits for none past its
        grace: a hung send's thread would otherwise hold the process open)."""
        with self.busy_lock:
            self.busy += 1
        try:
            return func(*args)
        finally:
            with self.busy_lock:
                self.busy -= 1

    async def wake(self) -> None:
        """One pass: decide and claim, send what was claimed, then plan the next wake.

        The problem of an earlier pass stands until a whole pass succeeds: health
        never reads "ok" half-way through a pass that is failing.
        """
        async with self.passing:
            failures = self.failures
            claimed = await self.work(self.decide)
            await asyncio.gather(*(self.work(self.outbox.send_claimed, d) for d in claimed or []))
            self.wake_at = await self.work(self.plan)
            self.passes += 1
            still = self.units.problem()  # a unit failing still, though skipped this pass
            if claimed is not None and self.failures == failures and self.problem != still:
                self.problem = self.logged = still
                if still is None:
                    log.info("working again")
            if self.beat_ok is not None and self.beat_ok != (self.problem is None):
                self.beat_now()
            if self.wake_at is None:
                if self.scheduler.get_job("wake"):
                    self.scheduler.remove_job("wake")
                return
            self.scheduler.add_job(
                self.woken,
                "date",
                run_date=max(self.wake_at, self.clock()),
                id="wake",
                replace_existing=True,
                misfire_grace_time=None,
                max_instances=2,  # due at once (a clock jumped mid-pass): next, not skipped
            )

    async def woken(self) -> None:
        """The scheduler's job: a pass. Cut off by a stop, it ends quietly (the stop
        has said what it left), not with a traceback from the scheduler."""
        with contextlib.suppress(asyncio.CancelledError):
            await self.wake()

    async def safety(self) -> None:
        """Every SAFETY_SECONDS of monotonic time: a pass if anything may have changed."""
        while True:
            await asyncio.sleep(SAFETY_SECONDS)
            if self.problem or self.stale():
                await self.wake()

    async def every(self, span: timedelta, func: Callable[[], object]) -> None:
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

    def wake_soon(self) -> None:
        """A pass now, unless one is under way (it will see what there is to see)."""
        if not self.passing.locked():
            task = asyncio.ensure_future(self.wake())
            self.in_flight.add(task)
            task.add_done_callback(self.in_flight.discard)

    def beat_now(self) -> None:
        """Tell the monitor of a change of health at once (one ping in flight at most)."""
        if self.beating is not None and not self.beating.done():
            return
        self.beating = asyncio.ensure_future(self.work(self.heartbeat))
        self.in_flight.add(self.beating)
        self.beating.add_done_callback(self.in_flight.discard)

    def heartbeat(self) -> None:
        """The plain ping while every pass works, `/fail` with the reason while one fails."""
        ok = self.problem is None
        if self.alerts.heartbeat(self.problem):
            self.beat_ok = ok

    def poll_mail(self) -> int:
        handled = mail.poll(self.settings, self.store, self.key, self.clock, service.logged)
        self.mail_polls += 1
        return handled

    async def reload(self) -> None:
        if self.reload_settings is None:
            return
        sdnotify.notify("RELOADING=1")
        try:
            new = await self.loop.run_in_executor(None, self.reload_settings)
        except Exception as error:
            for line in getattr(error, "lines", [str(error)]):
                log.error("reload refused, the running daemon keeps its current config: %s", line)
        else:
            if new.server.listen != self.settings.server.listen:
                log.warning("server.listen changed; that takes a restart")
            if new.encryption != self.settings.encryption:  # the store keeps the key it opened with
                log.warning("[encryption] changed; that takes a stop, encrypt or decrypt, a start")
            self.use(new)
            await self.work(self.start_up)
            await self.wake()
            log.info("reloaded: %s", plural(len(new.nudges), "nudge"))
        sdnotify.notify("READY=1")

    # HTTP: the routes live in httpapp ----------------------------------------------

    def web_app(self) -> web.Application:
        return httpapp.build(self)
