"""The daemon's HTTP side: its routes (the reply pages, the calendar feed, the digest
pages) behind one set of hardening, and /healthz, which never says ok while the
work fails.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

from halfway import __version__
from halfway.app.card import CardPages
from halfway.app.digest import HOME_COMING, DigestPages
from halfway.app.engage import EngagePages
from halfway.app.ledger import LedgerPages
from halfway.app.moments import MomentPages
from halfway.app.pages import Door
from halfway.app.session import Sessions
from halfway.app.summary import SummaryPages
from halfway.app.talks import TalkPages
from halfway.app.year import YearPages
from halfway.core import kinds, limits, weeks
from halfway.engine import reminding, upcoming
from halfway.feeds.ical import Feed
from halfway.replies import expect, service
from halfway.replies.web import MAX_BODY, ReplyPages, harden, is_loopback
from halfway.store.database import Record, StoreError
from halfway.talks import display
from halfway.talks.rules import TALK_REFLECTION
from halfway.words import discretion
from halfway.words.language import N_, _

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable
    from concurrent.futures import ThreadPoolExecutor

    from halfway.config.models import Settings
    from halfway.core.clockjump import Watch
    from halfway.engine.outbox import Outbox
    from halfway.engine.units import Units
    from halfway.store.database import Store
    from halfway.store.links import Links

Fields = dict[str, str | int | bool | None]  # the /healthz answer's JSON, or a part of it
COMING = weeks.NEXT_SEVEN_DAYS  # the app's home shows what comes in the next 7 days
DEFERRED = N_("after quiet hours")
# The weekly checks on the app's home (upcoming.weekly_checks names them in lower case).
CHECKS = {"weekly digest": N_("Weekly digest"), "care check": N_("Care check")}


class Daemon(Protocol):
    """What the HTTP side reads of the running daemon (`engine.daemon.Daemon` is one):
    a protocol, so that the daemon imports this module and not the other way round."""

    settings: Settings
    store: Store
    key: bytes
    links: Links
    clock: Callable[[], datetime]
    monotonic: Callable[[], float]  # the system's, or (in tests) the injected clock's
    problem: str | None
    next_fire_at: datetime | None
    wake_at: datetime | None
    passes: int
    mail_polls: int
    ready: bool
    loop: asyncio.AbstractEventLoop
    passing: asyncio.Lock
    pool: ThreadPoolExecutor
    outbox: Outbox
    units: Units
    watch: Watch

    def wake_soon(self) -> None: ...


def build(daemon: Daemon) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY)
    harden(app)  # every response's headers, calm errors, short rate-limited log lines

    async def healthz(request: web.Request) -> web.Response:
        return await health(daemon)

    app.router.add_get("/healthz", healthz, expect_handler=expect.handle)
    settings = lambda: daemon.settings  # noqa: E731 - read at each request (a reload)
    frame = lambda: discretion.frame(daemon.settings)  # noqa: E731 - each request, as settings
    zone = lambda: daemon.settings.tz  # noqa: E731 - each request: a reload may change it

    def comes_back(delivery: Record, reply: Record) -> str | None:
        """After "later": when it asks again, in the zone of the moment (None: it will not)."""
        return reminding.comes_back(daemon.settings, daemon.store.view(), delivery, reply)

    writes = limits.LinkWrites(clock=daemon.monotonic)  # a test's clock stands still
    pages = ReplyPages(
        daemon.store, daemon.key, daemon.clock, zone, service.logged, frame, comes_back, writes
    )
    pages.add_routes(app)
    Feed(settings, daemon.store, daemon.links, daemon.clock).add_routes(app)
    said = lambda: daemon.problem  # noqa: E731 - a damaged month the daemon says already
    sessions = Sessions(settings, daemon.links, daemon.key, daemon.clock)
    door = Door(settings, daemon.store, sessions, daemon.clock)

    def coming() -> list[tuple[datetime, str]]:
        """What comes in the next week, for the app's home (a worker thread calls it)."""
        now = daemon.clock()
        ahead = upcoming.planned(daemon.settings, daemon.store, now, now + COMING, HOME_COMING)
        return [(a.due, coming_words(a)) for a in ahead]

    DigestPages(door, daemon.links, daemon.key, said, coming).add_routes(app)
    TalkPages(door).add_routes(app)
    EngagePages(door).add_routes(app)
    MomentPages(door).add_routes(app)
    LedgerPages(door).add_routes(app)
    CardPages(door).add_routes(app)
    SummaryPages(door).add_routes(app)
    YearPages(door).add_routes(app)
    return app


def coming_words(ahead: upcoming.Ahead) -> str:
    """What comes, as the app's home says it: a nudge by its practice's title, a talk's
    step by its name in the talk's chain (`upcoming` and `status` show the ids)."""
    if ahead.of_talk and ahead.kind is not None:
        name = display.step_name(ahead.kind)
        if ahead.kind == TALK_REFLECTION:
            text = _("{step}, after your talk").format(step=name)
        else:
            text = _("{step}, before your talk").format(step=name)
    elif ahead.kind is not None and ahead.kind in kinds.PRACTICES:
        text = kinds.PRACTICES[ahead.kind].title
    else:  # the weekly digest, the care check
        text = _(CHECKS[ahead.text]) if ahead.text in CHECKS else ahead.text.capitalize()
    return upcoming.annotated(text, _(DEFERRED)) if ahead.deferred else text


async def health(daemon: Daemon) -> web.Response:
    """200 with the next fire and the outbox while all is well; 503 while starting or
    while the work fails (the data file, the disk, a pass), naming the problem."""
    nxt = daemon.next_fire_at
    settings = daemon.settings
    answer: Fields = {
        "status": "ok",
        "version": __version__,
        "next_fire": nxt.astimezone(settings.tz).isoformat() if nxt else None,
        "nudges": len(settings.nudges),
    }
    if is_loopback(settings.server.host):  # the pid only for this machine's eyes
        answer["pid"] = os.getpid()
    try:
        answer["outbox_pending"] = await daemon.loop.run_in_executor(
            daemon.pool, daemon.outbox.pending
        )
    except StoreError as error:
        daemon.problem = str(error)
    full = await daemon.loop.run_in_executor(daemon.pool, daemon.store.space_problem)
    if full and full != daemon.problem:
        daemon.problem = full  # seen here first; a pass says it in the log and heartbeat
        daemon.wake_soon()
    lost = await daemon.loop.run_in_executor(daemon.pool, daemon.units.archives_gone)
    if lost and lost != daemon.problem:
        daemon.problem = lost  # an archive month deleted: as the disk, said by a pass
        daemon.wake_soon()
    if said := daemon.watch.said():
        answer["clock"] = said  # a jump is no failure: the sends go on
    answer.update(progress(daemon))  # read with `ready`: no await between them
    if not daemon.ready:
        answer["status"] = "starting"
    if daemon.problem:
        answer.update(status="failing", problem=daemon.problem)
    return web.json_response(answer, status=200 if answer["status"] == "ok" else 503)


def progress(daemon: Daemon) -> Fields:
    """How far the work has got (a test waits on these instead of sleeping): the passes
    so far, whether one is under way, when the next is planned, the mail polls that worked."""
    wake = daemon.wake_at
    shown: Fields = {
        "passes": daemon.passes,
        "passing": daemon.passing.locked(),
        "next_wake": wake.astimezone(daemon.settings.tz).isoformat() if wake else None,
    }
    if daemon.settings.imap:
        shown["mail_polls"] = daemon.mail_polls
    return shown
