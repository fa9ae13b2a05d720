"""The reply page: `GET /r/{token}` shows it, `POST /r/{token}` records a reply,
`POST /r/{token}/log` a log entry, `POST /r/{token}/said` "I have said it" for a draft ask.

A GET never records anything (mail scanners open every link first). A form
POST must carry the page's hidden guard field (an HMAC only this server can
make), so another site cannot post a reply on the user's behalf; JSON POSTs
(ntfy's buttons, scripts) cannot be sent cross-site without a preflight.

`harden` puts what every answer of the server needs on the app: the same headers on
every response, a calm page (and one log line) for an unexpected error, and no
traceback and no flood in the log from requests that are not HTTP at all.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TypedDict, TypeVar, TypeVarTuple, Unpack

from aiohttp import web, web_response
from aiohttp.http_exceptions import HttpProcessingError

from halfway.channels import logs
from halfway.core import deliveries, kinds, limits, tokens
from halfway.core.instants import parse_instant
from halfway.ledger import book
from halfway.replies import expect, pagewords, review, service
from halfway.replies.pagewords import label
from halfway.store.database import Record, Store, StoreError
from halfway.words import discretion, templates
from halfway.words.language import _

MAX_BODY = 16 * 1024
SERVER = "halfway"  # the Server header: no versions
SECURITY_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

log = logging.getLogger("halfway.http")
T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class PageContext(TypedDict, total=False):
    """What templates/reply.html is rendered with (besides the frame's footer)."""

    delivery: Record
    shape: kinds.Shape
    reply: Record | None
    reply_label: str | None
    reply_is_text: bool
    saved: str | None  # the answer just saved, as its label
    again: str | None  # after "later": when it asks again, as words
    guard: str
    open: bool
    closes: str | None  # when it closes, as words (None: no end)
    review: Mapping[str, object] | None  # a weekly review's grounding (replies.review)
    drafts: list[Record]  # the draft asks the page can mark as said
    said: bool
    logged: bool
    log_action: str
    said_action: str
    error: str  # the error page's message


def wants_json(request: web.Request) -> bool:
    if request.content_type == "application/json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


class ReplyPages:
    def __init__(
        self,
        store: Store,
        key: bytes,
        clock: Callable[[], datetime],
        zone: Callable[[], tzinfo],
        on_reply: Callable[[Record, Record, str], None] | None = None,
        frame: Callable[[], discretion.Frame] = discretion.Frame,
        comes_back: Callable[[Record, Record], str | None] = lambda delivery, reply: None,
        writes: limits.LinkWrites | None = None,
    ) -> None:
        self.store = store
        self.key = key
        self.clock = clock
        self.zone = zone  # read at each request: a reload may change `timezone`
        self.on_reply = on_reply
        self.frame = frame  # read at each request: a reload may change `discreet`
        self.comes_back = comes_back  # after "later": when it asks again, as words (or None)
        self.writes = writes or limits.LinkWrites()  # each link's writes, at a person's pace

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/r/{token}", self.page, expect_handler=expect.handle)
        app.router.add_post("/r/{token}", self.post, expect_handler=expect.handle)
        app.router.add_post("/r/{token}/log", self.log_entry, expect_handler=expect.handle)
        app.router.add_post("/r/{token}/said", self.said, expect_handler=expect.handle)

    async def _run(self, func: Callable[[Unpack[Ts]], T], *args: *Ts) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, func, *args)

    async def _delivery(self, token: str) -> Record:
        """The delivery a genuine token names; a token of the wrong shape (non-ASCII,
        too long) is refused like a forged one, before any work."""
        if not tokens.well_formed(token):
            raise service.ReplyError(403, service.FORGED)
        delivery: Record = await self._run(service.delivery_for, self.store, self.key, token)
        return delivery

    def _paced(self, delivery: Record) -> None:
        """ReplyError 429 when this link writes faster than a person would (asked once
        a request is read and checked: what is refused unwritten costs nothing)."""
        if not self.writes.take(delivery["id"]):
            raise service.ReplyError(429, pagewords.TOO_MANY)

    def _html(self, status: int, **context: Unpack[PageContext]) -> web.Response:
        text = page(self.frame(), **context)
        headers = {  # no-store, no-referrer, nosniff: on every answer (see harden)
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self'; frame-ancestors 'none'",
        }
        return web.Response(text=text, status=status, content_type="text/html", headers=headers)

    def _error(self, request: web.Request, error: service.ReplyError) -> web.Response:
        if wants_json(request):
            response = web.json_response({"error": error.message}, status=error.status)
        else:
            response = self._html(error.status, error=error.words())
        if error.status == 400:  # a body that could not be decoded: close the connection
            response.force_close()
        if error.status == 429:  # the link's next write, at the earliest
            response.headers["Retry-After"] = str(round(limits.LINK_REFILL_SECONDS))
        return response

    def _context(
        self, token: str, delivery: Record, reply: Record | None, saved: str | None
    ) -> PageContext:
        shape = service.shape_of(delivery)
        codes = {code for code, _ in shape.choices} | {"later"}
        return {
            "delivery": delivery,
            "shape": shape,
            "reply": reply,
            "reply_label": label(shape, str(reply["value"])) if reply else None,
            "reply_is_text": reply is not None and reply["value"] not in codes,
            "saved": saved,
            "guard": tokens.form_guard(self.key, token),
            "open": not deliveries.expired(delivery, self.clock()),
            "closes": pagewords.moment(parse_instant(delivery["expires_at"]), self.zone())
            if delivery.get("expires_at")
            else None,
        }

    def _beside(self, delivery: Record) -> tuple[Mapping[str, object] | None, list[Record]]:
        """What the page shows beside its question, from one version of the hot file."""
        view = self.store.view()
        return review.grounding(view, delivery, self.zone()), book.drafts_on(view, delivery)

    async def page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            delivery = await self._delivery(token)
        except service.ReplyError as error:
            return self._error(request, error)
        reply = await self._run(service.reply_to, self.store, delivery["id"])
        if (
            deliveries.expired(delivery, self.clock())
            and reply is None
            and service.shape_of(delivery).takes_reply
        ):
            return self._error(request, service.ReplyError(410, service.CLOSED))
        saved = again = None
        if request.query.get("saved") and reply:
            saved = label(service.shape_of(delivery), reply["value"])
            again = await self._run(self.comes_back, delivery, reply)
        logged = bool(request.query.get("logged"))
        context = self._context(token, delivery, reply, saved)
        context["again"] = again
        # a weekly review shows the open asks and the week's gestures beside its question;
        # the drafts are those this page can mark as said ("I have said it")
        context["review"], context["drafts"] = await self._run(self._beside, delivery)
        context["said"] = bool(request.query.get("said"))
        context.update(
            {"logged": logged, "log_action": f"{token}/log", "said_action": f"{token}/said"}
        )
        return self._html(200, **context)

    async def post(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            delivery = await self._delivery(token)
            fields = await self._fields(request, token)
            self._paced(delivery)  # a request that would write: at a person's pace
            value = fields.get("value") or fields.get("text") or ""
            # The door decides `via`, not the body: this is the HTTP door, whose only
            # two ways in are the page ("web") and a push service's button ("push").
            via = "push" if fields.get("via") == "push" else "web"
            note, scale = fields.get("note"), fields.get("scale")
            reply, took = await self._run(
                lambda: service.accept(self.store, delivery, value, via, self.clock(), note, scale)
            )
        except service.ReplyError as error:
            return self._error(request, error)
        if self.on_reply:
            await self._run(self.on_reply, delivery, reply, took)
        if wants_json(request):
            return web.json_response(
                {
                    "status": "recorded",
                    "delivery_id": delivery["id"],
                    "value": reply["value"],
                    "label": label(service.shape_of(delivery), reply["value"]),
                    "first": took == service.FIRST,
                    "repeat": took == service.SAME,  # the same answer again: recorded once
                    "asks_again": await self._run(self.comes_back, delivery, reply),
                }
            )
        raise web.HTTPSeeOther(location=f"/r/{token}?saved=1")

    async def log_entry(self, request: web.Request) -> web.Response:
        """`POST /r/{token}/log`: the page's "log a gesture or a moment" form, checked like a
        reply; it writes the same entry as `halfway log`."""
        token = request.match_info["token"]

        def write(delivery: Record, fields: dict[str, str]) -> Record:
            kind, by = fields.get("kind") or "gesture", fields.get("by") or None
            text, now = fields.get("text", ""), self.clock()
            return book.add_link_entry(self.store, delivery["id"], kind, text, by, now)

        try:
            entry = await self._noted(request, token, write)
        except service.ReplyError as error:
            return self._error(request, error)
        if wants_json(request):
            return web.json_response({"status": "noted", "entry": entry})
        raise web.HTTPSeeOther(location=f"/r/{token}?logged=1")

    async def said(self, request: web.Request) -> web.Response:
        """`POST /r/{token}/said` with `ask`: a draft this page offers is now said."""
        token = request.match_info["token"]

        def write(delivery: Record, fields: dict[str, str]) -> Record:
            return book.mark_said(self.store, delivery, fields.get("ask", ""), self.clock())

        try:
            ask = await self._noted(request, token, write)
        except service.ReplyError as error:
            return self._error(request, error)
        if wants_json(request):
            return web.json_response({"status": "noted", "ask": ask["id"], "state": ask["state"]})
        raise web.HTTPSeeOther(location=f"/r/{token}?said=1")

    async def _noted(
        self, request: web.Request, token: str, write: Callable[[Record, dict[str, str]], Record]
    ) -> Record:
        """What `write(delivery, fields)` noted for a page's form (the log, "I have said
        it"): only while the page is open and the form checks out, else a ReplyError (a
        LedgerError is a 422)."""
        delivery = await self._delivery(token)
        if deliveries.expired(delivery, self.clock()):
            raise service.ReplyError(410, service.CLOSED)
        fields = await self._fields(request, token)
        self._paced(delivery)
        try:
            noted: Record = await self._run(write, delivery, fields)
        except book.LedgerError as error:
            raise service.ReplyError(422, pagewords.NOT_NOTED, why=error) from None
        return noted

    async def _fields(self, request: web.Request, token: str) -> dict[str, str]:
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise service.ReplyError(413, pagewords.TOO_LONG)
        try:
            if request.content_type == "application/json":
                return service.json_fields(await request.read())
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            raise service.ReplyError(413, pagewords.TOO_LONG) from None
        except (web.RequestPayloadError, HttpProcessingError, ConnectionError):
            # `Content-Encoding: gzip` on a body that is not gzip, a body cut short
            raise service.ReplyError(400, service.UNREADABLE) from None
        except (ValueError, LookupError):
            # bad JSON or form, an unknown charset, a truncated multipart body
            raise service.ReplyError(422, service.UNREADABLE) from None
        if not tokens.genuine_form(
            self.key, token, form.get("guard"), request.headers.get("Sec-Fetch-Site")
        ):
            raise service.ReplyError(403, pagewords.UNCHECKED)
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        fields.pop("via", None)  # a form is always the web page
        return service.clean(fields)


# every answer of the server ----------------------------------------------------------


def harden(app: web.Application) -> None:
    """What every response of `app` gets: the headers (`secure_headers`), a calm page for
    an unexpected error (`calm_errors`), a 417 for an `Expect` header that is not ASCII
    (`expect`: each route takes `expect.handle`), and short, rate-limited log lines for
    bad requests (`logs.quiet_http_logs`)."""
    app.middlewares.append(calm_errors)
    app.on_response_prepare.append(secure_headers)
    app.router.register_resource(expect.Unrouted())
    logs.quiet_http_logs()
    # aiohttp sets its own Server header ("Python/3.x aiohttp/3.x") before the
    # on_response_prepare signal, which `secure_headers` then overwrites; but a request
    # that is not HTTP at all is answered by aiohttp itself with no signal sent, so its
    # default is the one door there (aio-libs/aiohttp#6463, open). Pinned by
    # tests/test_attacks.py (no versions in any answer).
    web_response.SERVER_SOFTWARE = SERVER  # type: ignore[attr-defined]


async def secure_headers(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """No cache keeps a private page, no link leaks the page's address, no content is
    sniffed into something else, and the Server header names no versions."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.update(SECURITY_HEADERS)
    response.headers["Server"] = SERVER


@web.middleware
async def calm_errors(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """An unexpected error in a handler: one log line, and a calm page (never a traceback).
    A data file that cannot be written is a 503: try again later."""
    try:
        return await handler(request)
    except (web.HTTPException, ConnectionError):
        raise  # an answer of its own; a sender gone away (aiohttp drops the request)
    except (StoreError, OSError) as error:
        log.warning("could not answer %s %s: %s", request.method, route(request), where(error))
        return answer(request, 503, pagewords.NOT_SAVED)
    except Exception as error:
        log.error(
            "unexpected error answering %s %s: %s", request.method, route(request), where(error)
        )
        return answer(request, 500, pagewords.TROUBLE)


def answer(request: web.Request, status: int, message: str) -> web.Response:
    if wants_json(request):
        return web.json_response({"error": message}, status=status)
    text = page(discretion.Frame(), error=_(message))  # discreet: the settings are out of reach
    return web.Response(text=text, status=status, content_type="text/html")


def page(frame: discretion.Frame, **context: Unpack[PageContext]) -> str:
    """The reply page (or its error form) inside every page's frame: a neutral title when
    discreet, the footer with the safety line and helpline, the quick exit."""
    delivery = context.get("delivery")
    own = f"halfway · {delivery['words_title']}" if delivery else "halfway"
    return str(
        templates.template("reply.html").render(
            **context, **frame.footer(), page_title=frame.page_title(own)
        )
    )


def route(request: web.Request) -> str:
    """The route a request took (`/r/{token}`), never its path: a path may hold a token."""
    info = request.match_info.route.resource
    return info.canonical if info is not None else "(no route)"


def where(error: BaseException) -> str:
    """An exception in one line: its kind, what it says, and the last line of halfway's
    own code it passed through."""
    text = logs.describe(error)
    frame = error.__traceback__
    place = None
    while frame is not None:
        path = Path(frame.tb_frame.f_code.co_filename)
        if "halfway" in path.parts:
            place = f"{'/'.join(path.parts[path.parts.index('halfway') + 1 :])}:{frame.tb_lineno}"
        frame = frame.tb_next
    return f"{text} (at {place})" if place else text


def is_loopback(host: str) -> bool:
    """Whether `host` (from `server.listen`) is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a name: it may resolve to anything
        return False
