"""The summary for a counsellor from the phone: `GET /summary` (a form: the first and the
last day, your notes and what hurt only if ticked) and `POST /summary`, which answers the
page to print as a file to keep, the same as `halfway summary --out FILE.html` writes
(`digest/summary`, `digest/summaryrender`). Nothing is kept on the server and nothing
is sent anywhere; a period that cannot be is said in the CLI's own words, 422.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from halfway.app.pages import Door, forbidden
from halfway.app.session import HEADERS, Session
from halfway.digest import summary, summaryrender
from halfway.words import discretion
from halfway.words.language import N_, _

if TYPE_CHECKING:
    from aiohttp import web

DEFAULT_SPAN = timedelta(weeks=12)  # the form offers the last twelve weeks (about three months)
NOT_DATES = N_("Please give both days as dates, like 2026-09-01.")


class SummaryPages:
    """The routes of the summary page."""

    def __init__(self, door: Door) -> None:
        self.door = door

    def add_routes(self, app: web.Application) -> None:
        from halfway.replies import expect

        app.router.add_get("/summary", self.page, expect_handler=expect.handle)
        app.router.add_post("/summary", self.make, expect_handler=expect.handle)

    def body(self, session: Session, status: int = 200, **context: object) -> web.Response:
        today = self.door.clock().astimezone(self.door.settings().tz).date()
        context = {"first": (today - DEFAULT_SPAN).isoformat(), "last": today.isoformat()} | context
        return self.door.show(
            session, "app_summary.html", "/summary", _("Summary"), status, **context
        )

    async def page(self, request: web.Request) -> web.StreamResponse:
        session = self.door.sessions.of(request)
        if session is None:
            return forbidden()
        return await self.door.run(self.body, session)

    async def make(self, request: web.Request) -> web.StreamResponse:
        """The page to print, as a file (`Content-Disposition: attachment`)."""

        def build(session: Session, fields: dict[str, str]) -> web.Response:
            from aiohttp import web

            settings, now = self.door.settings(), self.door.clock()
            notes, hurt = fields.get("notes") == "yes", fields.get("hurt") == "yes"
            typed = {"first": fields.get("first", ""), "last": fields.get("last", "")}
            try:
                first, last = (date.fromisoformat(typed[k].strip()) for k in ("first", "last"))
            except ValueError:
                return self.body(
                    session, 422, problem=_(NOT_DATES), notes=notes, hurt=hurt, **typed
                )
            try:
                summary.period(first, last, now.astimezone(settings.tz).date())
            except ValueError as error:  # the CLI's own words
                return self.body(session, 422, problem=str(error), notes=notes, hurt=hurt, **typed)
            since, until = summary.months_needed(first, last)
            records = self.door.store.everything(since, until)
            found = summary.build(records, first, last, settings.tz, now, notes=notes, hurt=hurt)
            page = summaryrender.html(found, discretion.frame(settings))
            name = f"summary-{first.isoformat()}-{last.isoformat()}.html"
            headers = HEADERS | {"Content-Disposition": f'attachment; filename="{name}"'}
            return web.Response(
                text=page, content_type="text/html", charset="utf-8", headers=headers
            )

        return await self.door.take(request, build)
