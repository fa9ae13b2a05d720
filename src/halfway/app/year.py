"""The year in review on the private app: `GET /year/{YYYY}` (and `GET /year`, a 303 to
the year of the last whole week, which the home page links), the same review as
`halfway digest --year YYYY` (`digest.year`), read in a worker thread. A year that
cannot be, or has not begun, is a 404 in the CLI's own words; a year with too little
written down, one kind line (200). Without a session, the bare 403."""

from __future__ import annotations

from typing import TYPE_CHECKING

from halfway.app.pages import Door, back, forbidden
from halfway.app.session import Session
from halfway.core import weeks
from halfway.digest import year
from halfway.words.language import _

if TYPE_CHECKING:
    from aiohttp import web


class YearPages:
    """The route of the year's page."""

    def __init__(self, door: Door) -> None:
        self.door = door

    def add_routes(self, app: web.Application) -> None:
        from halfway.replies import expect

        app.router.add_get("/year", self.latest, expect_handler=expect.handle)
        app.router.add_get("/year/{year}", self.page, expect_handler=expect.handle)

    def body(self, session: Session, asked: str) -> web.Response:
        settings, now = self.door.settings(), self.door.clock()
        try:
            number = year.year_of(asked, now, settings.tz)
        except ValueError as error:
            return self.door.show(
                session, "app_year.html", "/", _("A look back"), 404, y=None, message=str(error)
            )
        found = year.read(self.door.store, number, settings.tz, now)
        if found is None:
            message = year.too_little(number)
            return self.door.show(
                session, "app_year.html", "/", _("A look back"), y=None, message=message
            )
        return self.door.show(
            session, "app_year.html", "/", f"{_(year.TITLE)} · {number}", 200, **year.context(found)
        )

    async def latest(self, request: web.Request) -> web.Response:
        """`GET /year`: 303 to the year of the last whole week (in January's first days,
        the year just ended)."""
        if self.door.sessions.of(request) is None:
            return forbidden()
        settings = self.door.settings()
        raise back(f"/year/{weeks.last_whole_week(self.door.clock(), settings.tz).year}")

    async def page(self, request: web.Request) -> web.Response:
        session = self.door.sessions.of(request)
        if session is None:
            return forbidden()
        return await self.door.run(self.body, session, request.match_info["year"])
