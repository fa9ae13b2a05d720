"""The engage offer on the app's home: once, after movement in 3 of the last 4 weeks
following a still stretch (`care.engage.offer_due`), a warm note that something is
moving, that couples counselling can help now, and how to stop recording the partner's
side. halfway cannot edit the config file: the note says what to set
(`[partner] record = false`).

`POST /engage` (`answer` = `done` or `not_now`, and the note's `run`): keeps the answer
in the hot file's meta (`care.engage.answer`), and the note never comes back; 303 to
`/`. A form that cannot be taken (an answer it does not know) writes nothing: 422.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from halfway.app.pages import Door
from halfway.app.session import Session
from halfway.care import engage
from halfway.core import weeks
from halfway.digest import figures
from halfway.store.database import Store
from halfway.words import invoked
from halfway.words.language import N_, _

if TYPE_CHECKING:
    from aiohttp import web

    from halfway.config.models import Settings

NOT_TAKEN = N_("That answer could not be taken. Nothing was changed.")


def offer(store: Store, settings: Settings, now: datetime) -> dict[str, str] | None:
    """What the home's note needs when the offer is due now, else None."""
    monday = weeks.last_whole_week(now, settings.tz)
    since, until = figures.months_needed(monday)
    records = store.everything(since_month=since, until_month=until)
    run = engage.offer_due(
        records, settings.tz, now, store.view().meta, recording=settings.partner.record
    )
    if run is None:
        return None
    return {
        "run": run,
        "setting": engage.SETTING,
        "reload": invoked.command("reload"),
        "erase": invoked.command("erase --partner-side"),
    }


class EngagePages:
    """`POST /engage`: the offer's answer."""

    def __init__(self, door: Door) -> None:
        self.door = door

    def add_routes(self, app: web.Application) -> None:
        from halfway.replies import expect

        app.router.add_post("/engage", self.answer, expect_handler=expect.handle)

    async def answer(self, request: web.Request) -> web.StreamResponse:
        def write(session: Session, fields: dict[str, str]) -> web.Response | str:
            from aiohttp import web

            value, run = fields.get("answer", ""), fields.get("run", "").strip()
            if value not in engage.ANSWERS or not run:
                return web.Response(status=422, text=_(NOT_TAKEN))
            engage.answer(self.door.store, run, value, self.door.clock())
            return "/"

        return await self.door.take(request, write)
