"""Two pages of the private app for a moment of the day: log it, and a calm minute.

- `GET /log`, `POST /log` (fields `kind`, `text`, `by`): everything `halfway log KIND
  TEXT [--by me|partner]` does, through the same `ledger.book.add_entry`, refused in
  its own words (`book.entry_problem`) with 422 and nothing written; then today's
  entries, in the person's own words (no count, no score).
- `GET /calm`, `POST /calm` (field `text`): a slow breathing guide in CSS alone (still
  words instead when the browser asks for reduced motion), a few grounding words, and
  the story check: a moment today that does not fit the story that nothing matters to
  them. Written down, it is a `gesture`, the same entry the evening's "a small moment
  today?" answer and `halfway log gesture` keep: a moment noticed, which the digest
  lists by day. Nothing is written for breathing alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from halfway.app.pages import Door, forbidden
from halfway.app.session import Session
from halfway.core.instants import parse_instant
from halfway.ledger import book
from halfway.store.database import Record
from halfway.words import dates
from halfway.words.language import N_, _

if TYPE_CHECKING:
    from aiohttp import web

# What each kind of entry is called on the page (as the reply page's log form says it).
KIND_LABELS = {
    "gesture": N_("A gesture or a kind moment"),
    "initiation": N_("Reaching out"),
    "boundary": N_("A boundary"),
    "note": N_("A note"),
    "hurt": N_("Something that hurt or worried me"),
}
# Who, on the page ("" = not said: an initiation is then the person's own, as the CLI).
BY_LABELS = (("", N_("Not said")), ("me", N_("Me")), ("partner", N_("My partner")))
# A refused field, named by its label on the page (`book.entry_problem` gives the field).
FIELD_LABELS = {"kind": N_("What it was"), "text": N_("What happened"), "by": N_("Who")}
MOMENT_LABELS = {"text": N_("The moment")}  # the calm minute's one field
STORY_KIND = "gesture"  # the story check's moment: a moment noticed, as the evening's
RECENT = 20  # today's entries shown, the latest first
DONE_WORDS = {
    "noted": N_("Noted in your log. Thank you for writing it down."),
    "kept": N_("Kept in your log. Thank you for noticing it."),
}


def problem_words(error: book.LedgerError, labels: dict[str, str] = FIELD_LABELS) -> str:
    """The CLI's words for a refused entry, its field named as the page names it."""
    field, problem = book.entry_problem(error)
    return f"{_(labels.get(field, field))}: {problem}"


class MomentPages:
    """The routes of the log page and the calm minute."""

    def __init__(self, door: Door) -> None:
        self.door = door

    def add_routes(self, app: web.Application) -> None:
        from halfway.replies import expect

        app.router.add_get("/log", self.log_page, expect_handler=expect.handle)
        app.router.add_post("/log", self.log, expect_handler=expect.handle)
        app.router.add_get("/calm", self.calm_page, expect_handler=expect.handle)
        app.router.add_post("/calm", self.calm, expect_handler=expect.handle)

    # what the pages show ---------------------------------------------------------------

    def today(self) -> list[dict[str, str]]:
        """Today's entries (in the person's zone), the latest first: time and words."""
        zone, now = self.door.settings().tz, self.door.clock()
        day = now.astimezone(zone).date()
        found: list[tuple[datetime, Record]] = []
        for entry in self.door.store.view().records("entries"):
            at = parse_instant(entry["at"]).astimezone(zone)
            if at.date() == day:
                found.append((at, entry))
        found.sort(key=lambda pair: pair[0], reverse=True)
        return [{"time": dates.clock(at), "text": str(e["text"])} for at, e in found][:RECENT]

    def log_body(self, session: Session, status: int = 200, **context: object) -> web.Response:
        return self.door.show(
            session,
            "app_log.html",
            "/log",
            _("Log a moment"),
            status,
            kinds={kind: _(label) for kind, label in KIND_LABELS.items()},
            whos=[(who, _(label)) for who, label in BY_LABELS],
            max_text=book.MAX_ENTRY,
            today=self.today(),
            **context,
        )

    def calm_body(self, session: Session, status: int = 200, **context: object) -> web.Response:
        return self.door.show(
            session,
            "app_calm.html",
            "/calm",
            _("A calm minute"),
            status,
            max_text=book.MAX_ENTRY,
            **context,
        )

    async def log_page(self, request: web.Request) -> web.StreamResponse:
        session = self.door.sessions.of(request)
        if session is None:
            return forbidden()
        done = DONE_WORDS.get(request.query.get("done", ""))
        return await self.door.run(lambda: self.log_body(session, done=done and _(done)))

    async def calm_page(self, request: web.Request) -> web.StreamResponse:
        session = self.door.sessions.of(request)
        if session is None:
            return forbidden()
        done = DONE_WORDS.get(request.query.get("done", ""))
        return await self.door.run(lambda: self.calm_body(session, done=done and _(done)))

    # the forms -------------------------------------------------------------------------

    async def log(self, request: web.Request) -> web.StreamResponse:
        """`halfway log KIND TEXT [--by …]` from the page: the same entry, or its words."""

        def write(session: Session, fields: dict[str, str]) -> web.Response | str:
            kind, text = fields.get("kind", ""), fields.get("text", "")
            by = fields.get("by") or None
            try:
                book.add_entry(self.door.store, kind, text, by, self.door.clock())
            except book.LedgerError as error:
                problem = problem_words(error)
                return self.log_body(session, 422, problem=problem, kind=kind, text=text, by=by)
            return "/log?done=noted"

        return await self.door.take(request, write)

    async def calm(self, request: web.Request) -> web.StreamResponse:
        """The story check's moment, kept as `halfway log gesture TEXT` keeps it."""

        def write(session: Session, fields: dict[str, str]) -> web.Response | str:
            text = fields.get("text", "")
            try:
                book.add_entry(self.door.store, STORY_KIND, text, None, self.door.clock())
            except book.LedgerError as error:
                problem = problem_words(error, MOMENT_LABELS)
                return self.calm_body(session, 422, problem=problem, text=text)
            return "/calm?done=kept"

        return await self.door.take(request, write)
