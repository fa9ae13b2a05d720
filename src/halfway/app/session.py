"""The private app's sessions and its forms' guard.

The private link (`/?t=TOKEN`, see `store.links`) opens a session: a cookie signed with
the link's current token (`core.tokens.open_session`), so nothing is stored and
revoking the link (`halfway links revoke private`) ends every session at once. The
cookie is `HttpOnly`, `SameSite=Strict`, `Secure` when `public_url` is https, and ends
after `[server] session` (30 days by default). Without a valid link or session every
page answers a bare 403 that shows nothing.

Every form carries a guard bound to the session (`csrf`), and a POST is taken only with
it, from no other site (`Sec-Fetch-Site`, `Origin`): otherwise a 403, and nothing is
written.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from halfway.config.models import Settings
from halfway.core import tokens
from halfway.store.links import Links
from halfway.words.language import N_, _

if TYPE_CHECKING:
    from aiohttp import web

COOKIE = "session"
FORM_FIELD = "csrf"
MAX_FORM = 64 * 1024  # a form of the app is far smaller; aiohttp refuses more (413)
NOT_CHECKED = N_(
    "This form could not be checked. Nothing was changed; please open your link again."
)
NOT_READ = N_("That form could not be read.")
# no-store, no-referrer and nosniff come with every answer (replies.web.harden)
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
}


@dataclass(frozen=True)
class Session:
    """The session a request is in: its cookie, when it ends, and whether this request
    opened it (its answer then sets the cookie)."""

    cookie: str
    ends: int
    new: bool = False


class Sessions:
    """Who may see the app: the private link, or a session it opened."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        links: Links,
        key: bytes,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings  # read at each request: a reload may change the length
        self.links = links  # read at each request: a revoked link ends its sessions at once
        self.key = key
        self.clock = clock

    def of(self, request: web.Request) -> Session | None:
        """The request's session: the one its cookie names, or a new one when it carries
        the private link (`?t=`); None when it has neither."""
        link = self.links.token("digest")
        now = self.clock().timestamp()
        cookie = request.cookies.get(COOKIE)
        ends = tokens.session_ends(self.key, link, cookie, now)
        if ends is not None and cookie is not None:
            return Session(cookie, ends)
        if link is not None and self.links.valid("digest", request.query.get("t")):
            length = self.settings().server.session.total_seconds()
            ends = math.floor(now + length)
            return Session(tokens.open_session(self.key, link, ends), ends, new=True)
        return None

    def keep(self, response: web.StreamResponse, session: Session) -> None:
        """Set the cookie of a session this request opened."""
        if not session.new:
            return
        secure = self.settings().server.public_url.startswith("https://")
        response.set_cookie(
            COOKIE,
            session.cookie,
            max_age=max(0, session.ends - math.floor(self.clock().timestamp())),
            path="/",
            httponly=True,
            samesite="Strict",
            secure=secure,
        )

    def guard(self, session: Session) -> str:
        """The hidden field every form of this session carries."""
        return tokens.form_guard(self.key, session.cookie, tokens.APP_FORM)

    def from_here(self, request: web.Request) -> bool:
        """Whether a POST came from a page of this server. A browser says where a request
        comes from (`Sec-Fetch-Site`), and a page cannot change that; without it (an old
        browser), its `Origin` must name this server. (The pages send no referrer, so a
        browser may send `Origin: null` even from here: Sec-Fetch-Site decides then.)"""
        site = request.headers.get("Sec-Fetch-Site")
        if site is not None:
            return site == "same-origin"
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # neither: the guard alone decides
        own = {request.host, urlsplit(self.settings().server.public_url).netloc}
        return urlsplit(origin).netloc in own

    async def form(self, request: web.Request) -> tuple[Session, dict[str, str]] | web.Response:
        """(session, fields) of a genuine form POST of the app, else the 403 (or 400) to
        answer. A form is taken only within a session (never by the link alone)."""
        from aiohttp import web

        session = self.of(request)
        if session is None or session.new:
            return web.Response(status=403, headers=HEADERS)
        try:
            posted = await request.post()
        except Exception:  # a body that is not a form, cut short, too large
            return web.Response(status=400, text=_(NOT_READ), headers=HEADERS)
        fields = {k: v for k, v in posted.items() if isinstance(v, str)}
        fetch_site = request.headers.get("Sec-Fetch-Site")
        guard = fields.pop(FORM_FIELD, None)
        genuine = tokens.genuine_form(self.key, session.cookie, guard, fetch_site, tokens.APP_FORM)
        if not genuine or not self.from_here(request):
            return web.Response(status=403, text=_(NOT_CHECKED), headers=HEADERS)
        return session, fields


Handler = Callable[["web.Request"], Awaitable["web.StreamResponse"]]
