"""A talk's card: what the person prepared for one talk, together, before it begins.
The calm minute before a planned talk opens it (its reply page links here).

`GET /talks/{id}/card`: the ask drafted for the talk, the I-statement drafted the
evening before (the reframe step's reply), the sentence of intent, what helped last
time (`talks.card`). `POST /talks/{id}/card/intent` keeps the sentence of intent
(`card.set_intent`); `POST /talks/{id}/card/move` is "I need more time": 30 minutes
later, tomorrow at the same time, or a time typed in, read by the same WHEN grammar
and moved by the same function as `halfway talk move` (`talks.when.talk_time`,
`talks.planning.move`), so the talk's chain moves with it. A form that cannot be taken
shows the card again with the problem in one line (422), and writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from halfway.app.pages import Door, forbidden
from halfway.app.session import Session
from halfway.app.talks import DONE_WORDS
from halfway.core.instants import parse_instant
from halfway.core.schedule import clock_text
from halfway.ledger import asks
from halfway.store.database import Record
from halfway.talks import card, display, planning, rules
from halfway.talks.when import WhenError, local_instant, talk_time
from halfway.words.language import N_, _

if TYPE_CHECKING:
    from aiohttp import web

LATER = timedelta(minutes=30)
CARD_DONE = {**DONE_WORDS, "kept": N_("Kept with this talk.")}
NO_TALK = N_("There is no such talk.")


def when_text(at: datetime) -> str:
    """An instant as a WHEN the grammar reads back to the same minute ('2026-12-05 19:30')."""
    return at.strftime("%Y-%m-%d %H:%M")


def answer_of(reply: Record | None) -> str | None:
    """A step's reply as words: its latest answer that is not "later" or a pause."""
    if reply is None:
        return None
    versions = [*reply.get("history", []), reply]
    said = [v for v in versions if v.get("value") and v["value"] not in card.NOT_ANSWERS]
    if not said:
        return None
    last = said[-1]
    note = f" ({last['note']})" if last.get("note") else ""
    return f"{last['value']}{note}"


class CardPages:
    """The routes of a talk's card."""

    def __init__(self, door: Door) -> None:
        self.door = door

    def add_routes(self, app: web.Application) -> None:
        from halfway.replies import expect

        app.router.add_get("/talks/{talk_id}/card", self.page, expect_handler=expect.handle)
        for action in ("intent", "move"):
            app.router.add_post(
                f"/talks/{{talk_id}}/card/{action}", self.change, expect_handler=expect.handle
            )

    # what the card shows ---------------------------------------------------------------

    def offers(self, talk: Record) -> list[tuple[str, str]]:
        """(WHEN, words) of the moves offered: 30 minutes later, tomorrow the same time."""
        zone = self.door.settings().tz
        at = parse_instant(talk["at"]).astimezone(zone)
        later = at + LATER
        tomorrow = local_instant(at.date() + timedelta(days=1), at.time(), zone).at
        return [
            (when_text(later), _("30 minutes later: {at}").format(at=clock_text(later, zone))),
            (
                when_text(tomorrow.astimezone(zone)),
                _("Tomorrow, same time: {at}").format(at=clock_text(tomorrow, zone)),
            ),
        ]

    def shown(self, talk: Record) -> dict[str, object]:
        store, zone = self.door.store, self.door.settings().tz
        view = store.view()
        drafted = [
            {"text": a["text"], "draft": a["state"] == asks.DRAFT}
            for a in map(asks.read, card.drafted_asks(view, talk["id"]))
        ]
        last = card.helped_before(store, parse_instant(talk["at"]), talk["id"])
        planned = talk["state"] == rules.PLANNED
        return {
            "id": talk["id"],
            "head": display.talk_head(talk, zone),
            "planned": planned,
            "cancelled": talk["state"] == rules.CANCELLED,
            "asks": drafted,
            "opening": answer_of(card.step_reply(view, talk, rules.REFRAME)),
            "intent": talk.get("intent", ""),
            "helped": last.get("helped") if last else None,
            "helped_from": display.talk_head(last, zone) if last else None,
            "offers": self.offers(talk) if planned else [],
            "max_intent": card.MAX_INTENT,
        }

    def body(
        self, session: Session, talk_id: str, status: int = 200, **context: object
    ) -> web.Response:
        talk = card.find(self.door.store, talk_id)
        if talk is None:
            return self.door.show(
                session, "app_card.html", "/talks", _("Card"), 404, missing=_(NO_TALK)
            )
        shown = self.shown(talk)
        return self.door.show(
            session,
            "app_card.html",
            "/talks",
            _("Card"),
            status,
            talk=shown,
            examples=_(display.WHEN_EXAMPLES),
            **context,
        )

    async def page(self, request: web.Request) -> web.StreamResponse:
        session = self.door.sessions.of(request)
        if session is None:
            return forbidden()
        talk_id = request.match_info["talk_id"]
        done = CARD_DONE.get(request.query.get("done", ""))
        return await self.door.run(lambda: self.body(session, talk_id, done=done and _(done)))

    # the forms -------------------------------------------------------------------------

    async def change(self, request: web.Request) -> web.StreamResponse:
        """Keep the sentence of intent, or move the talk ("I need more time")."""
        talk_id = request.match_info["talk_id"]
        action = request.path.rsplit("/", 1)[1]

        def write(session: Session, fields: dict[str, str]) -> web.Response | str:
            settings, now, store = self.door.settings(), self.door.clock(), self.door.store
            try:
                if action == "intent":
                    card.set_intent(store, talk_id, fields.get("intent", ""))
                else:
                    text = fields.get("when", "")
                    at = talk_time(text, now, settings.tz, settings.date_order).at
                    planning.move(store, settings, talk_id, at, now)
            except (WhenError, rules.TalkError) as error:
                typed = fields.get("when", "") if action == "move" else ""
                intent = fields.get("intent", "") if action == "intent" else None
                return self.body(
                    session, talk_id, 422, problem=str(error), when=typed, typed_intent=intent
                )
            return f"/talks/{talk_id}/card?done={'kept' if action == 'intent' else 'moved'}"

        return await self.door.take(request, write)
