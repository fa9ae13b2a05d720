"""The home page and the digest pages: `GET /` (what comes next, the next talk, quick
actions, then the last whole week's digest) and `GET /digest/{week}`, each by the private
link's `?t=TOKEN` (see `store.links`) or a session it opened (`app.session`), and the
"pause everything" form: `POST /pause?t=TOKEN` (a day, a week, or until resumed) and
`POST /resume?t=TOKEN`, which write exactly what `halfway pause --all [--until …]` and
`halfway resume --all` write (through `pauses`), then answer 303 back to the page.

Without a valid link or session, the answer is a bare 403 that shows nothing; the token
is looked up at each request, so a revoked link is refused at once, and every session it
opened with it. A form POST must carry the page's hidden guard field (an HMAC with the
reply key over the current token), so another site cannot pause or resume on the
person's behalf. The page is built in a worker thread (it reads archives), never on the
event loop; it is never cached, sends no referrer, and its policy forbids every script
and every resource from anywhere (its styles are inline); its forms post here only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from halfway.app import engage as engage_page
from halfway.app.pages import Door, nav
from halfway.app.session import NOT_CHECKED, NOT_READ
from halfway.core import cursors, schedule, tokens, weeks
from halfway.core.instants import parse_instant
from halfway.digest import figures, render, weekly
from halfway.replies import pagewords
from halfway.store import pauses
from halfway.store.database import StoreError
from halfway.store.links import Links, digest_url
from halfway.talks import display, planning, rules
from halfway.words import discretion
from halfway.words.language import N_, _

if TYPE_CHECKING:
    from aiohttp import web

EARLIER_WEEKS = 12  # the page links this many weeks before the one it shows
HOME_COMING = 5  # the home page shows this many of the things that come next
# The home page's quick actions: (address, words).
QUICK = (
    ("/talks", N_("Plan a talk")),
    ("/log", N_("Log a moment")),
    ("/calm", N_("A calm minute")),
    ("/asks", N_("Your asks")),
    ("/summary", N_("A summary to bring along")),
)
# What comes next (engine/upcoming, given by the daemon): (when, what), soonest first.
Coming = Callable[[], list[tuple[datetime, str]]]
# no-store, no-referrer and nosniff come with every answer (replies.web.harden)
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
}
# The form's choices: how long "pause everything" lasts (None: until resumed).
SPANS: dict[str, timedelta | None] = {
    "day": timedelta(days=1),
    "week": weeks.PAUSE_WEEK,
    "open": None,
}
log = logging.getLogger("halfway")
# A month of the record it reads is damaged or missing (the daemon's health names it).
UNAVAILABLE = N_(
    "This page cannot be shown just now: a saved file it reads needs attention."
    " The server's status says which."
)
NOT_SPAN = N_("Choose a day, a week, or until you resume.")


class DigestPages:
    """`GET /` and `GET /digest/{week}`: the page, a 404 for a week there is not, or 403;
    `POST /pause` and `POST /resume`: the pause form, guarded, 303 back."""

    def __init__(
        self,
        door: Door,
        links: Links,
        key: bytes,
        said: Callable[[], str | None] = lambda: None,
        coming: Coming = lambda: [],
    ) -> None:
        self.door = door
        self.settings = door.settings  # read at each request: a reload may change the zone
        self.store = door.store
        self.links = links  # read at each request: a revoked token is refused at once
        self.clock = door.clock
        self.coming = coming  # what comes next, as the daemon sends it (engine/upcoming)
        self.key = key  # the reply key: it signs the forms' guard
        self.told: str | None = None  # the file problem last logged (once, not per request)
        self.said = said  # what the daemon says is failing now: not logged twice

    def add_routes(self, app: web.Application) -> None:
        from halfway.replies import expect

        app.router.add_get("/", self.serve, expect_handler=expect.handle)
        app.router.add_get("/digest/{week}", self.serve, expect_handler=expect.handle)
        app.router.add_post("/pause", self.pause, expect_handler=expect.handle)
        app.router.add_post("/resume", self.resume, expect_handler=expect.handle)

    def guard(self, token: str) -> str:
        return tokens.form_guard(self.key, token, tokens.PAUSE_FORM)

    def pause_state(self, token: str, done: str | None) -> dict[str, str | bool | None]:
        """What the pause form shows: whether everything is paused now and until when."""
        settings, now = self.settings(), self.clock()
        everything = self.store.view().get("nudges", cursors.ALL) or {}
        current = cursors.in_force(everything, now)
        ends = [p["until"] for p in current]
        until = None if not current or None in ends else max(parse_instant(u) for u in ends)
        return {
            "paused": bool(current),
            "until": pagewords.moment(until, settings.tz) if until else None,
            "done": done if done in ("paused", "resumed") else None,
            "pause_action": digest_url("", token).replace("/?", "/pause?", 1),
            "resume_action": digest_url("", token).replace("/?", "/resume?", 1),
            "guard": self.guard(token),
        }

    def home(self) -> dict[str, object]:
        """The top of the home page: what comes next, the next talk, quick actions."""
        settings, now = self.settings(), self.clock()
        coming = [
            (schedule.clock_text(max(due, now), settings.tz), what)
            for due, what in self.coming()[:HOME_COMING]
        ]
        view = self.store.view()
        talks = [t for t in planning.listing(view.records("talks")) if t["state"] == rules.PLANNED]
        talk = None
        if talks:
            spans = planning.paused_all(view.records("nudges"))
            steps = display.chain_steps(talks[0], settings, now, spans)
            talk = {
                "id": talks[0]["id"],
                "head": display.talk_head(talks[0], settings.tz),
                "steps": [(display.step_name(kind), what) for kind, what in steps],
            }
        offer = engage_page.offer(self.store, settings, now)  # once: app/engage
        return {
            "coming": coming,
            "talk": talk,
            "quick": [(href, _(words)) for href, words in QUICK],
            "nav": nav(),
            "here": "/",
            "engage": offer,
        }

    def page(
        self, week: str | None, token: str, done: str | None = None, csrf: str = ""
    ) -> tuple[int, str]:
        """(status, HTML) of a week's page; the latest week when `week` is None (the
        app's home, with what comes next above it)."""
        settings, now = self.settings(), self.clock()
        frame = discretion.frame(settings)
        shown = week or figures.last_complete_week(now, settings.tz)
        try:
            found = weekly.build(self.store, settings, shown, now)
        except ValueError as error:
            return 404, render.missing_html(str(error), frame)
        except StoreError as error:  # a damaged or missing archive month: 503, calmly
            if str(error) != self.told and str(error) not in (self.said() or ""):
                self.told = str(error)
                log.error("the digest page of %s cannot be shown: %s", shown, error)
            return 503, render.missing_html(_(UNAVAILABLE), frame)
        base = ""  # links stay on this host, whatever public_url says
        earlier = []
        for back in range(1, EARLIER_WEEKS + 1):
            name = figures.week_name(found.monday - timedelta(weeks=back))
            earlier.append((name, digest_url(base, token, name)))
        here = digest_url(base, token) if week else ""
        pause = self.pause_state(token, done)
        home = self.home() | {"csrf": csrf} if week is None else None
        return 200, render.page_html(found, earlier, here, frame, pause, home)

    async def serve(self, request: web.Request) -> web.Response:
        from aiohttp import web

        session = self.door.sessions.of(request)
        token = self.links.token("digest")
        if session is None or token is None:
            return web.Response(status=403, headers=HEADERS)
        week = request.match_info.get("week")
        done = request.query.get("done")
        loop = asyncio.get_running_loop()
        csrf = self.door.sessions.guard(session)  # the app's forms on the home (engage)
        status, html = await loop.run_in_executor(None, self.page, week, token, done, csrf)
        return self.door.answer(session, html, status)

    # the pause form --------------------------------------------------------------------

    async def _checked(self, request: web.Request) -> tuple[str, dict[str, str]] | web.Response:
        """(token, form fields) of a genuine form POST, else the 403 (or 400) to answer."""
        from aiohttp import web

        token = request.query.get("t") or ""
        if not self.links.valid("digest", token):
            return web.Response(status=403, headers=HEADERS)
        try:
            form = await request.post()
        except Exception:  # a body that is not a form, cut short, too large
            return web.Response(status=400, text=_(NOT_READ), headers=HEADERS)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        fetch_site = request.headers.get("Sec-Fetch-Site")
        guard = fields.get("guard")
        if not tokens.genuine_form(self.key, token, guard, fetch_site, tokens.PAUSE_FORM):
            return web.Response(status=403, text=_(NOT_CHECKED), headers=HEADERS)
        return token, fields

    async def pause(self, request: web.Request) -> web.Response:
        """`POST /pause`: everything paused for a day, a week, or until resumed."""
        from aiohttp import web

        checked = await self._checked(request)
        if isinstance(checked, web.Response):
            return checked
        token, fields = checked
        span = fields.get("span", "")
        if span not in SPANS:
            return web.Response(status=422, text=_(NOT_SPAN))
        now = self.clock()
        length = SPANS[span]
        until = now + length if length is not None else None
        await asyncio.get_running_loop().run_in_executor(
            None, pauses.pause, self.store, [cursors.ALL], now, until
        )
        raise web.HTTPSeeOther(location=digest_url("", token) + "&done=paused")

    async def resume(self, request: web.Request) -> web.Response:
        """`POST /resume`: every pause ends now (as `halfway resume --all`)."""
        from aiohttp import web

        checked = await self._checked(request)
        if isinstance(checked, web.Response):
            return checked
        token, _ = checked
        await asyncio.get_running_loop().run_in_executor(
            None, pauses.resume, self.store, [cursors.ALL], self.clock()
        )
        raise web.HTTPSeeOther(location=digest_url("", token) + "&done=resumed")
