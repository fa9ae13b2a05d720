"""The user's own records over the store: asks, boundaries and log entries.

The rules are in `asks` and `boundaries` (pure); here they meet the hot file:
- `replied(tx, …)`: what a reply does to them, inside the reply's own transaction
  (a `clarity_ask` reply writes a draft ask, a `talk_reflection` reply moves the
  asked ones on, a `boundary` reply is kept on its boundary);
- `mark_said`: a reply page's "I have said it" (a draft becomes asked);
- `rest_asks`: the daemon's unit of work that writes down the asks come to rest;
- `nudge_fields`/`on_fire`: which boundary a `boundary` nudge names, and remembering
  that it was asked, in the planner's transaction;
- `sync_boundaries`: `[[boundaries]]` from the config into the table at start-up;
- the commands' and the reply page's writes: asks, boundaries, log entries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from halfway.core import limits, plaintext
from halfway.core.instants import format_instant, parse_instant
from halfway.core.records import Ask, Boundary, Delivery, NamedBoundary
from halfway.ledger import asks, boundaries
from halfway.store.database import Record, Store, Tx, View, new_id
from halfway.words import invoked
from halfway.words.language import _

# `hurt`: something that hurt or worried me. Recorded and shown (history, digest), never
# counted as anyone's effort; nor are boundaries and notes (see `core/weeks`).
ENTRY_KINDS = ("gesture", "initiation", "boundary", "note", "hurt")
BY = ("me", "partner")
MAX_ENTRY = 2000
NOT_ANSWERS = ("later", "pause_week")  # replies that say nothing about the ask or boundary


class LedgerError(ValueError):
    """Input a record cannot take: one line, fit to show the user."""


# replies ------------------------------------------------------------------------


def replied(tx: Tx, delivery: Record, value: str, note: str | None, now: datetime) -> None:
    """What a reply to `delivery` changes in the asks and boundaries (same transaction)."""
    if value in NOT_ANSWERS:
        return
    kind = delivery.get("kind")
    if kind == "clarity_ask":
        tx.put("asks", asks.from_clarity(tx.asks(), new_id("a"), delivery, value, now))
    elif kind == "talk_reflection":
        for ask in asks.from_reflection(tx.asks(), delivery, value, now):
            tx.put("asks", ask)
    elif kind == boundaries.KIND and delivery.get("boundary_id"):
        boundary = tx.boundary(delivery["boundary_id"])
        if boundary is not None and value in boundaries.ANSWERS:
            tx.put("boundaries", boundaries.answered(boundary, delivery["id"], value, note, now))


# the boundary nudge -----------------------------------------------------------------


def nudge_fields(view: View, kind: str) -> tuple[dict[str, str | None], NamedBoundary]:
    """The fields a nudge of `kind` is rendered with, and what its delivery carries besides."""
    if kind != boundaries.KIND:
        return {}, {}
    return boundaries.nudge_fields(kind, view.boundaries())


def on_fire(tx: Tx, delivery: Delivery) -> None:
    """A delivery naming a boundary was recorded: that boundary was asked now."""
    boundary_id = delivery.get("boundary_id")
    boundary = tx.boundary(boundary_id) if boundary_id else None
    if boundary is not None:
        tx.put(
            "boundaries",
            boundaries.asked(boundary, parse_instant(delivery["scheduled_for"])),
        )


def sync_boundaries(store: Store, configured: Iterable[tuple[str, str]], now: datetime) -> int:
    """Bring the config's `[[boundaries]]` into the table; how many records changed."""
    configured = list(configured)
    if not boundaries.synced(store.view().boundaries(), configured, now):
        return 0  # as it was: no write
    with store.transaction() as tx:
        changed = boundaries.synced(tx.boundaries(), configured, now)
        for boundary in changed:
            tx.put("boundaries", boundary)
    return len(changed)


# the commands' writes ------------------------------------------------------------


def add_ask(store: Store, text: str, now: datetime, draft: bool = False) -> Record:
    """An ask already said (`asked`), or with `draft` one written down to say later."""
    ask = asks.new_ask(new_id("a"), text, now, state=asks.DRAFT if draft else asks.ASKED)
    with store.transaction() as tx:
        tx.put("asks", ask)
    return dict(ask)  # the command reads it as it reads any record: raw JSON


def update_ask(store: Store, ask_id: str, state: str, now: datetime) -> Record:
    """Move an ask on; LedgerError for an unknown id, AskError for a state it cannot take."""
    with store.transaction() as tx:
        ask = tx.get("asks", ask_id) or store.archived("asks", ask_id)  # a settled one
        if ask is None:
            listed = invoked.command("ask list --all")
            raise LedgerError(
                _("no ask '{id}' (see '{command}')").format(id=ask_id, command=listed)
            )
        changed = asks.moved(ask, state, now)
        tx.put("asks", changed)
    return changed


def mark_said(store: Store, delivery: Record, ask_id: str, now: datetime) -> Record:
    """ "I have said it" on `delivery`'s page: one of the drafts that page offers becomes
    asked (on a reflection's page, its answer then moves it too). LedgerError for an ask
    the page does not offer."""
    with store.transaction() as tx:
        offered = {a["id"]: a for a in asks.said_here(tx.records("asks"), delivery)}
        if ask_id not in offered:
            raise LedgerError("that ask is not a draft this page can mark as said")
        reply = next((r for r in tx.replies() if r["delivery_id"] == delivery["id"]), None)
        try:
            answer = str(reply["value"]) if reply else None
            changed = asks.said(offered[ask_id], delivery, answer, now)
        except asks.AskError as error:
            raise LedgerError(str(error)) from None
        tx.put("asks", changed)
    return changed


def drafts_on(view: View, delivery: Record) -> list[Record]:
    """The drafts `delivery`'s page offers to mark as said (see `asks.said_here`)."""
    return asks.said_here(view.records("asks"), delivery)


def rest_asks(store: Store, rest_after: timedelta, now: datetime) -> list[Ask]:
    """Write down the asks that have come to rest on their own by `now` (see
    `asks.rest_due`), each dated when it came to rest; no write when none has."""
    if not any(asks.rest_due(a, now, rest_after) for a in store.view().asks()):
        return []  # the common case: no write at all
    with store.transaction() as tx:
        due = [a for a in tx.asks() if asks.rest_due(a, now, rest_after)]
        rested = [asks.rested(a, rest_after) for a in due]
        for ask in rested:
            tx.put("asks", ask)
    return rested


def add_boundary(store: Store, text: str, now: datetime) -> Boundary:
    boundary = boundaries.new_boundary(new_id("b"), text, now)
    with store.transaction() as tx:
        tx.put("boundaries", boundary)
    return boundary


def retire_boundary(store: Store, boundary_id: str, now: datetime) -> Boundary:
    with store.transaction() as tx:
        boundary = tx.boundary(boundary_id)
        if boundary is None:
            listed = invoked.command("boundary list")
            raise LedgerError(
                _("no boundary '{id}' (see '{command}')").format(id=boundary_id, command=listed)
            )
        changed = boundaries.retired(boundary, now)
        tx.put("boundaries", changed)
    return changed


# log entries: `halfway log` and the reply page write the same record ---------------


def entry(kind: str, text: str, by: str | None, now: datetime) -> Record:
    """A log entry, checked; LedgerError naming the field that is wrong (its code, then
    the problem in the language of the moment: `entry_problem` splits them).

    `by` is kept when given; an initiation without one is the user's own."""
    if kind not in ENTRY_KINDS:
        raise LedgerError(f"kind: {not_one_of(kind, ENTRY_KINDS)}")
    words = plaintext.clean(text or "").strip()  # newlines kept, nothing that acts
    if not words:
        raise LedgerError("text: " + _("is empty; write a few words"))
    if len(words) > MAX_ENTRY:
        raise LedgerError("text: " + _("is longer than {max} characters").format(max=MAX_ENTRY))
    if by and by not in BY:
        raise LedgerError(f"by: {not_one_of(by, BY)}")
    record: Record = {"kind": kind, "text": words, "at": format_instant(now)}
    if kind == "initiation" or by:
        record["by"] = by or "me"
    return record


def not_one_of(value: str, codes: Iterable[str]) -> str:
    return _("'{value}' is not one of {codes}").format(value=value, codes=", ".join(codes))


def add_entry(store: Store, kind: str, text: str, by: str | None, now: datetime) -> Record:
    """Write one log entry (its id given here): the record `halfway log`, the app's log
    page and its calm minute write alike; LedgerError (nothing written) as `entry`."""
    return store.add("entries", entry(kind, text, by, now))


def entry_problem(error: LedgerError) -> tuple[str, str]:
    """(field, problem) of an entry that `entry` refused, as `halfway log` and the app's
    log page both say it: ('text', 'is empty; write a few words')."""
    field, _, problem = str(error).partition(":")
    return field.strip(), problem.strip()


def add_link_entry(
    store: Store, delivery_id: str, kind: str, text: str, by: str | None, now: datetime
) -> Record:
    """The entry a reply page's form writes: the record `add_entry` writes, counted on the
    link's delivery (`entries_logged`); LedgerError once that link wrote LINK_ENTRIES."""
    record = {"id": new_id("e"), **entry(kind, text, by, now)}
    with store.transaction() as tx:
        delivery = tx.delivery(delivery_id)
        logged = int(delivery.get("entries_logged", 0)) if delivery else 0
        if logged >= limits.LINK_ENTRIES:
            raise LedgerError(
                f"this link has noted {limits.LINK_ENTRIES} entries, the most one link takes;"
                " the log page of your private link, or the next check-in's page, takes more"
            )
        if delivery is not None:
            tx.put("deliveries", {**delivery, "entries_logged": logged + 1})
        tx.put("entries", record)
    return record
