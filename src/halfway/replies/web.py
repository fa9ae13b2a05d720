"""The reply page: `GET /r/{token}` shows it, `POST /r/{token}` records a reply.

A GET never records anything (mail scanners open every link first). A form
POST must carry the page's hidden guard field (an HMAC only this server can
make), so another site cannot post a reply on the user's behalf; JSON POSTs
(ntfy's buttons, scripts) cannot be sent cross-site without a preflight.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, select_autoescape

from halfway import ledger, review, schedule
from halfway.replies import service, tokens
from halfway.store import Record, Store

MAX_BODY = 16 * 1024

_templates = Environment(
    loader=PackageLoader("halfway", "templates"), autoescape=select_autoescape(["html"])
)


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
        zone: Any,
        on_reply: Callable[[Record, Record, bool], None] | None = None,
    ) -> None:
        self.store = store
        self.key = key
        self.clock = clock
        self.zone = zone
        self.on_reply = on_reply

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/r/{token}", self.page)
        app.router.add_post("/r/{token}", self.post)
        app.router.add_post("/r/{token}/log", self.log_entry)

    async def _run(self, func: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, func, *args)

    def _html(self, status: int, **context: Any) -> web.Response:
        text = _templates.get_template("reply.html").render(**context)
        headers = {
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self'; frame-ancestors 'none'",
        }
        return web.Response(text=text, status=status, content_type="text/html", headers=headers)

    def _error(self, request: web.Request, error: service.ReplyError) -> web.Response:
        if wants_json(request):
            return web.json_response({"error": error.message}, status=error.status)
        return self._html(error.status, error=error.message)

    def _context(
        self, token: str, delivery: Record, reply: Record | None, saved: str | None
    ) -> dict[str, Any]:
        shape = service.shape_of(delivery)
        codes = {code for code, _ in shape.choices} | {"later"}
        return {
            "delivery": delivery,
            "shape": shape,
            "reply": reply,
            "reply_label": shape.label(str(reply["value"])) if reply else None,
            "reply_is_text": reply is not None and reply["value"] not in codes,
            "saved": saved,
            "guard": tokens.form_guard(self.key, token),
            "open": not service.expired(delivery, self.clock()),
            "closes": schedule.clock_text(datetime.fromisoformat(delivery["expires_at"]), self.zone)
            if delivery.get("expires_at")
            else "it closes",
        }

    async def page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            delivery = await self._run(service.delivery_for, self.store, self.key, token)
        except service.ReplyError as error:
            return self._error(request, error)
        reply = await self._run(service.reply_to, self.store, delivery["id"])
        if (
            service.expired(delivery, self.clock())
            and reply is None
            and service.shape_of(delivery).takes_reply
        ):
            return self._error(
                request,
                service.ReplyError(
                    410, "This check-in has closed. The next one will come along soon."
                ),
            )
        saved = None
        if request.query.get("saved") and reply:
            saved = service.shape_of(delivery).label(reply["value"])
        logged = bool(request.query.get("logged"))
        context = self._context(token, delivery, reply, saved)
        # a weekly review shows the open asks and the week's gestures beside its question
        context["review"] = await self._run(
            lambda: review.grounding(self.store.view(), delivery, self.zone)
        )
        return self._html(200, **context, logged=logged, log_action=f"{token}/log")

    async def post(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            delivery = await self._run(service.delivery_for, self.store, self.key, token)
            fields = await self._fields(request, token)
            value = fields.get("value") or fields.get("text") or ""
            reply, first = await self._run(
                lambda: service.accept(
                    self.store,
                    delivery,
                    value,
                    fields.get("via") or "web",
                    self.clock(),
                    note=fields.get("note"),
                    scale=fields.get("scale"),
                )
            )
        except service.ReplyError as error:
            return self._error(request, error)
        if self.on_reply:
            await self._run(self.on_reply, delivery, reply, first)
        if wants_json(request):
            label = service.shape_of(delivery).label(reply["value"])
            return web.json_response(
                {
                    "status": "recorded",
                    "delivery_id": delivery["id"],
                    "value": reply["value"],
                    "label": label,
                    "first": first,
                }
            )
        raise web.HTTPSeeOther(location=f"/r/{token}?saved=1")

    async def log_entry(self, request: web.Request) -> web.Response:
        """`POST /r/{token}/log`: the page's "log a gesture or a moment" form, checked like a
        reply; it writes the same entry as `halfway log`."""
        token = request.match_info["token"]
        try:
            delivery = await self._run(service.delivery_for, self.store, self.key, token)
            if service.expired(delivery, self.clock()):
                raise service.ReplyError(410, service.CLOSED)
            fields = await self._fields(request, token)
            kind, by = fields.get("kind") or "gesture", fields.get("by") or None
            try:
                entry = await self._run(
                    ledger.add_entry, self.store, kind, fields.get("text", ""), by, self.clock()
                )
            except ledger.LedgerError as error:
                raise service.ReplyError(422, f"That could not be noted ({error}).") from None
        except service.ReplyError as error:
            return self._error(request, error)
        if wants_json(request):
            return web.json_response({"status": "noted", "entry": entry})
        raise web.HTTPSeeOther(location=f"/r/{token}?logged=1")

    async def _fields(self, request: web.Request, token: str) -> dict[str, str]:
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise service.ReplyError(413, "That reply is too long to take.")
        try:
            if request.content_type == "application/json":
                data = json.loads(await request.read())
                if not isinstance(data, dict):
                    raise service.ReplyError(422, "Send a JSON object with a 'value'.")
                return {k: str(v) for k, v in data.items() if v is not None}
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            raise service.ReplyError(413, "That reply is too long to take.") from None
        except ValueError:
            raise service.ReplyError(422, "That reply could not be read.") from None
        if request.headers.get("Sec-Fetch-Site") == "cross-site" or form.get(
            "guard"
        ) != tokens.form_guard(self.key, token):
            raise service.ReplyError(
                403, "This form could not be checked. Please open the link again."
            )
        fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
        fields.pop("via", None)  # a form is always the web page
        return fields
