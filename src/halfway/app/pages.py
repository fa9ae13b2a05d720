"""What every page of the private app shares: the way around (`NAV`), the frame (a
neutral tab title when discreet, the footer with the safety line, the quick exit), the
session's guard in every form, and the answer's headers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from halfway.app.session import HEADERS, Session, Sessions
from halfway.words import discretion, templates

if TYPE_CHECKING:
    from aiohttp import web

# (address, name) of each page, in the order the way around shows them.
NAV = (
    ("/", "Home"),
    ("/talks", "Talks"),
    ("/asks", "Asks"),
    ("/boundaries", "Boundaries"),
    ("/log", "Log a moment"),
    ("/calm", "Calm minute"),
)


def html(
    template: str,
    frame: discretion.Frame,
    session: Session,
    sessions: Sessions,
    here: str,
    title: str,
    **context: object,
) -> str:
    """One page of the app: `template` (which extends `app.html`) with `context`."""
    return str(
        templates.template(template).render(
            **context,
            **frame.footer(),
            page_title=frame.page_title(f"halfway · {title}"),
            nav=NAV,
            here=here,
            csrf=sessions.guard(session),
        )
    )


def answer(
    sessions: Sessions, session: Session, text: str, status: int = 200
) -> web.Response:
    """An HTML answer of the app, the cookie set when this request opened the session."""
    from aiohttp import web

    response = web.Response(
        status=status, text=text, content_type="text/html", charset="utf-8", headers=HEADERS
    )
    sessions.keep(response, session)
    return response


def forbidden() -> web.Response:
    """The bare 403 of a request with no link and no session: it shows nothing."""
    from aiohttp import web

    return web.Response(status=403, headers=HEADERS)


def back(location: str) -> web.HTTPSeeOther:
    """The 303 after a form is taken: back to a page of the app (raised)."""
    from aiohttp import web

    return web.HTTPSeeOther(location=location, headers=HEADERS)
