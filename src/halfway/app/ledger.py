"""The asks and boundaries pages: everything `halfway ask` and `halfway boundary` do,
through the same functions (`ledger/book` writes, `ledger/listing` reads, `ledger/asks`
names a state), so both doors give the same records and say the same problems.

`GET /asks` (the open asks and how many rest; `?all=1`, like `ask list --all`, the
resting and followed-up ones too, archived ones included), `POST /asks` (an ask said,
or with `draft=yes` one kept as a draft), `POST /asks/{id}/state` (field `state`: said,
an answer, resting, followed up). `GET /boundaries` (the active ones, each with how it
held last; `?all=1` those retired long ago too), `POST /boundaries`,
`POST /boundaries/{id}/retire`. A form that cannot be taken shows the page again with
the CLI's own words for the problem, status 422, and writes nothing. No counts of
answers anywhere: states and words only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from halfway.app.pages import Door, forbidden
from halfway.app.session import Session
from halfway.core import kinds
from halfway.core.instants import format_instant
from halfway.ledger import asks, book, boundaries, listing
from halfway.store.database import Record
from halfway.words.language import N_, _

if TYPE_CHECKING:
    from aiohttp import web

# an ask's state, as the page says it (at the start of its line)
STATE_WORDS = {
    asks.DRAFT: N_("A draft, just for you"),
    asks.ASKED: N_("Said, waiting for an answer"),
    asks.AGREED: N_("They agreed"),
    asks.DECLINED: N_("They said no"),
    asks.NO_ANSWER: N_("No answer"),
    asks.RESTING: N_("Resting"),
    asks.FOLLOWED_UP: N_("Followed up"),
}
# the button that moves an ask to a state
MOVE_WORDS = {
    asks.ASKED: N_("I have said it"),
    asks.AGREED: N_("They agreed"),
    asks.DECLINED: N_("They said no"),
    asks.NO_ANSWER: N_("No answer"),
    asks.FOLLOWED_UP: N_("I followed it up"),
    asks.RESTING: N_("Rest it"),
}
TAKE_UP = N_("Take it up again")  # the button of a resting ask that was said
QUIET = (asks.RESTING,)  # the buttons drawn quietly: setting down is never the main thing
ASK_DONE = {
    "added": N_("Noted your ask."),
    "draft": N_("Kept as a draft, just for you. Mark it here once you have said it."),
    asks.ASKED: N_("Marked as said."),
    asks.AGREED: N_("Noted: they agreed."),
    asks.DECLINED: N_("Noted. It is kept as it was said."),
    asks.NO_ANSWER: N_("Noted: no answer for now."),
    asks.RESTING: N_("It rests now. You can take it up again whenever you like."),
    asks.FOLLOWED_UP: N_("Followed up. It is closed now."),
}
BOUNDARY_DONE = {
    "added": N_("Added. The boundary nudge will name it in its turn."),
    "retired": N_("Set aside. How it held is kept with it."),
}


class LedgerPages:
    """The routes of the asks and boundaries pages."""

    def __init__(self, door: Door) -> None:
        self.door = door

    def add_routes(self, app: web.Application) -> None:
        from halfway.replies import expect

        app.router.add_get("/asks", self.asks_page, expect_handler=expect.handle)
        app.router.add_post("/asks", self.add_ask, expect_handler=expect.handle)
        app.router.add_post("/asks/{ask_id}/state", self.move_ask, expect_handler=expect.handle)
        app.router.add_get("/boundaries", self.boundaries_page, expect_handler=expect.handle)
        app.router.add_post("/boundaries", self.add_boundary, expect_handler=expect.handle)
        app.router.add_post(
            "/boundaries/{boundary_id}/retire", self.retire, expect_handler=expect.handle
        )

    # asks -------------------------------------------------------------------------------

    def ask_shown(self, ask: Record) -> dict[str, object]:
        settings = self.door.settings()
        state = str(ask["state"])
        moves = [
            (to, _(MOVE_WORDS.get(to, to)), to in QUIET)
            for to in asks.allowed(state, ask)
            if to in MOVE_WORDS
        ]
        if state == asks.RESTING and asks.was_said(ask):
            moves = [
                (to, _(TAKE_UP) if to == asks.ASKED else words, quiet) for to, words, quiet in moves
            ]
        return {
            "id": ask["id"],
            "text": ask["text"],
            "state": state,
            "words": _(STATE_WORDS.get(state, state)),
            "since": listing.stamp(format_instant(asks.changed_at(ask)), settings.tz),
            "moves": moves,
        }

    def asks_body(
        self, session: Session, everything: bool, status: int = 200, **context: object
    ) -> web.Response:
        settings = self.door.settings()
        found = listing.asks_shown(
            self.door.store, self.door.clock(), settings.asks.rest_after, everything
        )
        waiting = any(a["state"] == asks.ASKED for a in found.shown)
        return self.door.show(
            session,
            "app_asks.html",
            "/asks",
            _("Asks"),
            status,
            open=[self.ask_shown(a) for a in found.shown if asks.is_open(a)],
            closed=[self.ask_shown(a) for a in found.shown if not asks.is_open(a)],
            waiting=waiting,
            resting=found.resting,
            everything=everything,
            any_ask=found.read > 0,
            **context,
        )

    async def asks_page(self, request: web.Request) -> web.StreamResponse:
        session = self.door.sessions.of(request)
        if session is None:
            return forbidden()
        done = ASK_DONE.get(request.query.get("done", ""))
        everything = request.query.get("all") == "1"
        return await self.door.run(
            lambda: self.asks_body(session, everything, done=done and _(done))
        )

    async def add_ask(self, request: web.Request) -> web.StreamResponse:
        """`halfway ask add TEXT [--draft]`."""

        def write(session: Session, fields: dict[str, str]) -> web.Response | str:
            text, draft = fields.get("text", ""), fields.get("draft") == "yes"
            try:
                book.add_ask(self.door.store, text, self.door.clock(), draft=draft)
            except asks.AskError as error:
                return self.asks_body(session, False, 422, problem=str(error), text=text)
            return f"/asks?done={'draft' if draft else 'added'}"

        return await self.door.take(request, write)

    async def move_ask(self, request: web.Request) -> web.StreamResponse:
        """`halfway ask update ID STATE`."""
        ask_id = request.match_info["ask_id"]

        def write(session: Session, fields: dict[str, str]) -> web.Response | str:
            try:
                state = asks.named(fields.get("state", ""))
                book.update_ask(self.door.store, ask_id, state, self.door.clock())
            except (asks.AskError, book.LedgerError) as error:
                return self.asks_body(session, False, 422, problem=str(error))
            return f"/asks?done={state}"

        return await self.door.take(request, write)

    def boundary_shown(self, boundary: Record, labels: dict[str, str]) -> dict[str, object]:
        latest = listing.latest_answer(boundary)
        last = None
        if latest is not None:
            value = str(latest["value"])
            at = listing.stamp(latest["at"], self.door.settings().tz)
            last = f"{labels.get(value, value)} ({at})"
        return {
            "id": boundary["id"],
            "text": boundary["text"],
            "active": bool(boundary.get("active")),
            "from_config": boundary.get("source") == boundaries.CONFIG,
            "last": last,
        }

    def boundaries_body(
        self, session: Session, everything: bool, status: int = 200, **context: object
    ) -> web.Response:
        settings = self.door.settings()
        practice = kinds.with_overrides(settings.words)[boundaries.KIND]
        labels = dict(practice.choices)
        found = listing.boundaries_shown(self.door.store, everything)
        shown = [self.boundary_shown(b, labels) for b in found]
        return self.door.show(
            session,
            "app_boundaries.html",
            "/boundaries",
            _("Boundaries"),
            status,
            active=[b for b in shown if b["active"]],
            retired=[b for b in shown if not b["active"]],
            everything=everything,
            **context,
        )

    async def boundaries_page(self, request: web.Request) -> web.StreamResponse:
        session = self.door.sessions.of(request)
        if session is None:
            return forbidden()
        done = BOUNDARY_DONE.get(request.query.get("done", ""))
        everything = request.query.get("all") == "1"
        return await self.door.run(
            lambda: self.boundaries_body(session, everything, done=done and _(done))
        )

    async def add_boundary(self, request: web.Request) -> web.StreamResponse:
        """`halfway boundary add TEXT`."""

        def write(session: Session, fields: dict[str, str]) -> web.Response | str:
            text = fields.get("text", "")
            try:
                book.add_boundary(self.door.store, text, self.door.clock())
            except boundaries.BoundaryError as error:
                return self.boundaries_body(session, False, 422, problem=str(error), text=text)
            return "/boundaries?done=added"

        return await self.door.take(request, write)

    async def retire(self, request: web.Request) -> web.StreamResponse:
        """`halfway boundary retire ID`."""
        boundary_id = request.match_info["boundary_id"]

        def write(session: Session, _fields: dict[str, str]) -> web.Response | str:
            try:
                book.retire_boundary(self.door.store, boundary_id, self.door.clock())
            except (boundaries.BoundaryError, book.LedgerError) as error:
                return self.boundaries_body(session, False, 422, problem=str(error))
            return "/boundaries?done=retired"

        return await self.door.take(request, write)
