"""The private digest page, served by the daemon: `GET /digest/{week}` and `GET /` (the
last whole week), each only with the signed link's `?t=TOKEN` (see `digest_send`).

Without the token, or with a forged one, the answer is a bare 403 that shows nothing.
The page is built in a worker thread (it reads archives), never on the event loop; it
is never cached, sends no referrer, and its policy forbids every script and every
resource from anywhere (its styles are inline).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from halfway import digest, digest_render, digest_send, discretion
from halfway.config import Settings
from halfway.store import Store

if TYPE_CHECKING:
    from aiohttp import web

EARLIER_WEEKS = 12  # the page links this many weeks before the one it shows
# no-store, no-referrer and nosniff come with every answer (replies.web.harden)
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'",
}


class DigestPages:
    """`GET /` and `GET /digest/{week}`: the page, a 404 for a week there is not, or 403."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        store: Store,
        key: bytes,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings  # read at each request: a reload may change the zone
        self.store = store
        self.key = key
        self.clock = clock

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.serve)
        app.router.add_get("/digest/{week}", self.serve)

    def page(self, week: str | None) -> tuple[int, str]:
        """(status, HTML) of a week's page; the latest week when `week` is None."""
        settings, now = self.settings(), self.clock()
        shown = week or digest.last_complete_week(now, settings.tz)
        try:
            found = digest_send.build(self.store, settings, shown, now)
        except ValueError as error:
            return 404, digest_render.missing_html(str(error), discretion.frame(settings))
        base = ""  # links stay on this host, whatever public_url says
        earlier = []
        for back in range(1, EARLIER_WEEKS + 1):
            name = digest.week_name(found.monday - timedelta(weeks=back))
            earlier.append((name, digest_send.url(base, self.key, name)))
        here = digest_send.url(base, self.key) if week else ""
        return 200, digest_render.page_html(found, earlier, here, discretion.frame(settings))

    async def serve(self, request: web.Request) -> web.Response:
        from aiohttp import web

        if not digest_send.valid(self.key, request.query.get("t")):
            return web.Response(status=403, headers=HEADERS)
        week = request.match_info.get("week")
        loop = asyncio.get_running_loop()
        status, html = await loop.run_in_executor(None, self.page, week)
        return web.Response(
            status=status, text=html, content_type="text/html", charset="utf-8", headers=HEADERS
        )
