"""What every page of the private app shares (`Door`): the way around (`NAV`), the frame
(a neutral tab title when discreet, the footer with the safety line, the quick exit),
the session's guard in every form, blocking work off the event loop, the answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar, TypeVarTuple

from halfway.app.session import HEADERS, Session, Sessions
from halfway.config.models import Settings
from halfway.store.database import Store
from halfway.words import discretion, language, templates
from halfway.words.language import N_, _

if TYPE_CHECKING:
    from aiohttp import web

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
# What a form's write answers: where to go back to, or the page shown again (refused).
Write = Callable[[Session, dict[str, str]], "web.Response | str"]

# (address, name) of each page, in the order the way around shows them.
NAV = (
    ("/", N_("Home")),
    ("/talks", N_("Talks")),
    ("/asks", N_("Asks")),
    ("/boundaries", N_("Boundaries")),
    ("/log", N_("Log a moment")),
    ("/calm", N_("Calm minute")),
)


def nav() -> list[tuple[str, str]]:
    """NAV in the language of the moment."""
    return [(href, _(name)) for href, name in NAV]


@dataclass(frozen=True)
class Door:
    """The app's side of the daemon: the settings (read at each request: a reload may
    change them), the store, who may come in, and the clock."""

    settings: Callable[[], Settings]
    store: Store
    sessions: Sessions
    clock: Callable[[], datetime]

    def html(
        self, session: Session, template: str, here: str, title: str, **context: object
    ) -> str:
        """One page of the app: `template` (which extends `app.html`) with `context`;
        `title` is in the language of the moment already."""
        frame = discretion.frame(self.settings())
        shared = {  # a dict, not keywords: a context may name one of these too (`lang`)
            **frame.footer(),
            "page_title": frame.page_title(f"halfway · {title}"),
            "nav": nav(),
            "here": here,
            "lang": language.current(),
            "csrf": self.sessions.guard(session),
        }
        return str(templates.template(template).render({**context, **shared}))

    def answer(self, session: Session, text: str, status: int = 200) -> web.Response:
        """An HTML answer, the cookie set when this request opened the session."""
        from aiohttp import web

        response = web.Response(
            status=status, text=text, content_type="text/html", charset="utf-8", headers=HEADERS
        )
        self.sessions.keep(response, session)
        return response

    def show(
        self,
        session: Session,
        template: str,
        here: str,
        title: str,
        status: int = 200,
        **context: object,
    ) -> web.Response:
        return self.answer(session, self.html(session, template, here, title, **context), status)

    async def run(self, func: Callable[[*Ts], T], *args: *Ts) -> T:
        """Blocking work (the store, the archives) in a worker thread, never on the loop."""
        return await asyncio.get_running_loop().run_in_executor(None, func, *args)

    async def take(self, request: web.Request, write: Write) -> web.StreamResponse:
        """A form of the app: checked (`Sessions.form`: a 403 or 400 as it is), then
        `write(session, fields)` in a worker thread. It answers where to go back to (a
        303 there), or the page to show again when it refused the form (nothing written)."""
        from aiohttp import web

        checked = await self.sessions.form(request)
        if isinstance(checked, web.Response):
            return checked
        written = await self.run(write, *checked)
        if isinstance(written, str):
            raise back(written)
        return written


def forbidden() -> web.Response:
    """The bare 403 of a request with no link and no session: it shows nothing."""
    from aiohttp import web

    return web.Response(status=403, headers=HEADERS)


def back(location: str) -> web.HTTPSeeOther:
    """The 303 after a form is taken: back to a page of the app (raised)."""
    from aiohttp import web

    return web.HTTPSeeOther(location=location, headers=HEADERS)
