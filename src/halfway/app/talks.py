"""The talks page: plan a talk (a preview of its nudges first), move it, call it off,
mark it done; the same functions and words as `halfway talk` (`talks.planning`,
`talks.when`, `talks.display`), so both doors give the same records.

`GET /talks`; `POST /talks/preview` (WHEN and topic: the chain it would have, nothing
written), `POST /talks` (the same, confirmed: planned), `POST /talks/{id}/move`,
`/cancel`, `/done`. A form that cannot be taken (a WHEN it cannot read, a talk that is
no longer planned) shows the page again with the problem in one line, and writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from halfway.app.pages import Door, forbidden
from halfway.app.session import Session
from halfway.core.instants import parse_instant
from halfway.store.database import Record
from halfway.talks import display, planning, rules
from halfway.talks.when import When, WhenError, talk_time
from halfway.words.language import N_, _, pgettext

if TYPE_CHECKING:
    from aiohttp import web

DONE_WORDS = {
    "planned": N_("Planned. Its nudges come at the times shown."),
    "moved": N_("Moved. Its nudges move with it."),
    "cancelled": N_("Called off. Its nudges not yet sent will not be sent."),
    "done": N_("Well done for showing up. The reflection still comes."),
}

DONE_AFTER = {"move": "moved", "cancel": "cancelled", "done": "done"}


def state_words(state: str) -> str:
    """A talk's state as the page names it (the stored code is its English word)."""
    if state == rules.DONE:
        return pgettext("talk", "done")
    if state == rules.CANCELLED:
        return pgettext("talk", "cancelled")
    return state


class TalkPages:
    """The routes of the talks page."""

    def __init__(self, door: Door) -> None:
        self.door = door

    def add_routes(self, app: web.Application) -> None:
        from halfway.replies import expect

        app.router.add_get("/talks", self.page, expect_handler=expect.handle)
        app.router.add_post("/talks/preview", self.preview, expect_handler=expect.handle)
        app.router.add_post("/talks", self.plan, expect_handler=expect.handle)
        for action in ("move", "cancel", "done"):
            app.router.add_post(
                f"/talks/{{talk_id}}/{action}", self.change, expect_handler=expect.handle
            )

    # what the page shows ---------------------------------------------------------------

    def shown(self, talk: Record, now: datetime) -> dict[str, object]:
        settings = self.door.settings()
        spans = planning.paused_all(self.door.store.view().records("nudges"))
        steps = [
            (display.step_name(kind), what)
            for kind, what in display.chain_steps(talk, settings, now, spans)
        ]
        begun = parse_instant(talk["at"]) <= now
        state = str(talk["state"])
        return {
            "id": talk["id"],
            "head": display.talk_head(talk, settings.tz),
            "state": state_words(state),
            "steps": steps,
            "begun": begun,
        }

    def body(self, session: Session, status: int = 200, **context: object) -> web.Response:
        now = self.door.clock()
        talks = planning.listing(self.door.store.view().records("talks"))
        planned = [self.shown(t, now) for t in talks if t["state"] == rules.PLANNED]
        others = [self.shown(t, now) for t in talks if t["state"] != rules.PLANNED]
        return self.door.show(
            session,
            "app_talks.html",
            "/talks",
            _("Talks"),
            status,
            planned=planned,
            others=others,
            examples=_(display.WHEN_EXAMPLES),
            **context,
        )

    async def page(self, request: web.Request) -> web.StreamResponse:
        session = self.door.sessions.of(request)
        if session is None:
            return forbidden()
        done = DONE_WORDS.get(request.query.get("done", ""))
        return await self.door.run(lambda: self.body(session, done=done and _(done)))

    # the forms -------------------------------------------------------------------------

    def read_when(self, text: str) -> When:
        """WHEN as `halfway talk add` reads it (its `note`: daylight saving moved it)."""
        settings = self.door.settings()
        return talk_time(text, self.door.clock(), settings.tz, settings.date_order)

    async def preview(self, request: web.Request) -> web.StreamResponse:
        """The chain a talk at WHEN would have, to confirm; nothing is written."""

        def build(session: Session, fields: dict[str, str]) -> web.Response:
            text, topic = fields.get("when", "").strip(), fields.get("topic", "").strip()
            settings, now = self.door.settings(), self.door.clock()
            try:
                when = self.read_when(text)
                at = when.at
                talk: Record = dict(rules.new_talk("preview", at, topic or None, now, None))
            except (WhenError, rules.TalkError) as error:
                return self.body(session, 422, problem=str(error), when=text, topic=topic)
            talk["chain"] = planning.plan_steps(at, now, settings)
            others = self.door.store.view().records("talks")
            near = display.near_talks(talk, others)
            warnings = [display.near_warning(other, settings.tz) for other in near]
            warnings += [when.note] if when.note else []  # as `halfway talk add` says it
            preview = {**self.shown(talk, now), "warnings": warnings}
            return self.body(session, preview=preview, when=text, topic=topic)

        return await self.door.take(request, build)

    async def plan(self, request: web.Request) -> web.StreamResponse:
        def write(session: Session, fields: dict[str, str]) -> web.Response | str:
            text, topic = fields.get("when", "").strip(), fields.get("topic", "").strip()
            settings, now = self.door.settings(), self.door.clock()
            try:
                at = self.read_when(text).at
                planning.add(self.door.store, settings, at, topic or None, now)
            except (WhenError, rules.TalkError) as error:
                return self.body(session, 422, problem=str(error), when=text, topic=topic)
            return "/talks?done=planned"

        return await self.door.take(request, write)

    async def change(self, request: web.Request) -> web.StreamResponse:
        """Move, cancel or mark done one talk."""
        talk_id = request.match_info["talk_id"]
        action = request.path.rsplit("/", 1)[1]

        def write(session: Session, fields: dict[str, str]) -> web.Response | str:
            settings, now, store = self.door.settings(), self.door.clock(), self.door.store
            try:
                if action == "move":
                    at = self.read_when(fields.get("when", "")).at
                    planning.move(store, settings, talk_id, at, now)
                elif action == "cancel":
                    planning.cancel(store, talk_id, now)
                else:
                    planning.done(store, talk_id, now, early=fields.get("early") == "yes")
            except (WhenError, rules.TalkError) as error:
                return self.body(session, 422, problem=str(error))
            return f"/talks?done={DONE_AFTER[action]}"

        return await self.door.take(request, write)
