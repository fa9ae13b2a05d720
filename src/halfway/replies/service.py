"""Recording a reply, whichever way it came: one set of rules for web, push, e-mail and CLI."""

from __future__ import annotations

import json
import logging
from dataclasses import fields
from datetime import datetime

from halfway.core import cursors, deliveries, kinds, limits, plaintext, reminders, tokens, weeks
from halfway.core.deliveries import CANCELLED, FAILED, PENDING
from halfway.core.instants import format_instant
from halfway.ledger import book
from halfway.store.database import Record, Store, Tx, new_id
from halfway.talks import card
from halfway.words.language import N_, _

log = logging.getLogger("halfway")

VIA = ("push", "web", "email", "cli")
MAX_NOTE = 4000
# What an answer did (`accept`'s second value): the delivery's first answer, a changed
# one (the earlier kept in `history`), or the same answer again: recorded once.
FIRST, CHANGED, SAME = "first", "changed", "same"


class ReplyError(Exception):
    """A reply that cannot be taken: `status` is the HTTP status that says why; `message`
    says it in English (logs, JSON), `words()` in the language of the moment (a page).
    `message` is a msgid with `{name}` places for `values`; with `own` it is not one."""

    def __init__(self, status: int, message: str, own: bool = False, **values: object) -> None:
        said = message if own else message.format(**values)
        super().__init__(said)
        self.status = status
        self.message = said
        self.template = None if own else message
        self.values = values

    def words(self) -> str:
        return _(self.template).format(**self.values) if self.template else self.message


def shape_of(delivery: Record) -> kinds.Shape:
    """The reply shape a delivery was sent with; keys it does not know (a record from an
    older release, say) are left out rather than refused, so history still reads it."""
    known = {f.name for f in fields(kinds.Shape)}
    saved: Record = {k: v for k, v in (delivery.get("reply") or {}).items() if k in known}
    saved["choices"] = tuple(tuple(pair) for pair in saved.get("choices") or ())
    return kinds.Shape(**saved) if saved else kinds.Shape(takes_reply=False)


def delivery_for(store: Store, key: bytes, token: str) -> Record:
    """The delivery a genuine token names; ReplyError 403 for a forged or unknown one,
    410 for a genuine one whose delivery has left the hot file (its window closed)."""
    delivery_id = tokens.check(key, token)
    if delivery_id is None:
        raise ReplyError(403, FORGED)
    delivery = store.view().get("deliveries", delivery_id)
    if delivery is None:
        # Only deliveries whose reply window has closed leave the hot file.
        raise ReplyError(410, CLOSED)
    return dict(delivery)


CLOSED = N_("This check-in has closed. Nothing more is needed from you.")
FORGED = N_("This link is not one halfway made, or it has been mistyped.")
LONG_NOTE = N_("The note is longer than {n} characters.")


def accept(
    store: Store,
    delivery: Record,
    value: str,
    via: str,
    now: datetime,
    note: str | None = None,
    scale: str | None = None,
    message_id: str | None = None,
) -> tuple[Record, str]:
    """Check a reply against its delivery and record it (on disk before this returns).

    Returns the reply and what it did: FIRST, CHANGED or SAME (nothing written: a button
    pressed twice, a mail read twice). ReplyError 410 if the link has expired, 422 if
    the value is not one the nudge takes.
    """
    if deliveries.expired(delivery, now):
        raise ReplyError(410, CLOSED)
    # Every door (page, push, e-mail, CLI) comes here: its words are made plain once.
    value = plaintext.clean(value or "").strip()
    pause = value == reminders.PAUSE_WEEK and bool(delivery.get("offer_pause"))
    problem = None if pause else shape_of(delivery).problem(value, scale)
    if problem:
        # kinds words its problems in the language of the moment: said as they come
        raise ReplyError(422, problem[0].upper() + problem[1:] + ".", own=True)
    note = plaintext.clean(note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise ReplyError(422, LONG_NOTE, n=MAX_NOTE)
    version: Record = {
        "value": value,
        "note": note,
        "scale": int(scale) if scale else None,
        "via": via if via in VIA else "web",
        "received_at": format_instant(now),
    }
    if message_id:
        version["message_id"] = message_id
    # Any answer but "later" stops the reminders at once, in the same write.
    with store.transaction() as tx:
        reply, took = record(tx, delivery["id"], version)
        if took == SAME:
            return reply, took  # said already: nothing changes, nothing is written
        if value != reminders.LATER:
            cancel_reminders(tx, delivery["id"])
        book.replied(tx, delivery, value, note, now)  # asks and boundaries it answers
        card.replied(tx, delivery, value, note)  # a reflection's note: what helped, kept
        if pause:
            cursor = tx.cursor(delivery["nudge_id"]) or cursors.fresh(delivery["nudge_id"], now)
            tx.put("nudges", cursors.paused(cursor, now, now + weeks.PAUSE_WEEK))
    return reply, took


ANSWER = ("value", "note", "scale")  # what makes two versions of a reply the same answer


def record(tx: Tx, delivery_id: str, version: Record) -> tuple[Record, str]:
    """Record a reply; a later one keeps the earlier ones in `history` (the newest
    `limits.REPLY_VERSIONS` of them).

    Returns the reply and FIRST, CHANGED or SAME. SAME records nothing: a version
    carrying a `message_id` already recorded (a mail read twice), or the answer the
    reply holds already, said again (an ntfy button pressed twice). A "later" after the
    re-ask it asked for is a new "later", not the same one.
    """
    current = next((r for r in tx.records("replies") if r["delivery_id"] == delivery_id), None)
    if current is None:
        reply = {"id": new_id("r"), "delivery_id": delivery_id, **version, "history": []}
        tx.put("replies", reply)
        return reply, FIRST
    seen = [current.get("message_id")] + [v.get("message_id") for v in current["history"]]
    if version.get("message_id") and version["message_id"] in seen:
        return current, SAME
    if all(current.get(k) == version.get(k) for k in ANSWER) and not asked_again(
        tx, delivery_id, current
    ):
        return current, SAME
    earlier = {k: current.get(k) for k in version}
    # the newest REPLY_VERSIONS earlier answers: a link posted all day grows nothing more
    history = [*current["history"], earlier][-limits.REPLY_VERSIONS :]
    reply = {**current, **version, "history": history}
    tx.put("replies", reply)
    return reply, CHANGED


def asked_again(tx: Tx, delivery_id: str, reply: Record) -> bool:
    """Whether a "later" `reply` has had its re-ask (recorded after the reply came)."""
    if reply.get("value") != reminders.LATER:
        return False
    since = datetime.fromisoformat(reply["received_at"])
    return any(
        d.get("reminder_of") == delivery_id and datetime.fromisoformat(d["scheduled_for"]) > since
        for d in tx.records("deliveries")
    )


def cancel_reminders(tx: Tx, delivery_id: str) -> None:
    """Reminders of this delivery not yet sent become `cancelled`."""
    for doc in tx.records("deliveries"):
        if doc.get("reminder_of") != delivery_id:
            continue
        changes = {
            name: {"state": CANCELLED}
            for name, send in doc["channels"].items()
            if send["state"] in (PENDING, FAILED)  # not yet gone out
        }
        if changes:
            tx.put("deliveries", deliveries.with_channels(doc, changes))


def reply_to(store: Store, delivery_id: str) -> Record | None:
    """The reply to a delivery in the hot file, if any."""
    view = store.view()
    return next((r for r in view.records("replies") if r["delivery_id"] == delivery_id), None)


# a reply's fields, as sent -------------------------------------------------------------

UNREADABLE = N_("That reply could not be read.")


def json_fields(body: bytes) -> dict[str, str]:
    """A JSON reply's fields: one flat object of texts and numbers, nothing nested."""
    try:
        data = json.loads(body)
    except RecursionError:
        raise ReplyError(422, UNREADABLE) from None
    if not isinstance(data, dict):
        raise ReplyError(422, N_("Send a JSON object with a 'value'."))
    fields: dict[str, str] = {}
    for name, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict | list):
            raise ReplyError(422, N_("'{name}' must be a text or a number."), name=name[:40])
        fields[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return clean(fields)


def clean(fields: dict[str, str]) -> dict[str, str]:
    """Refuse text that cannot be stored: a lone surrogate (JSON's `"\\ud800"`)."""
    for name, value in fields.items():
        try:
            name.encode("utf-8"), value.encode("utf-8")
        except UnicodeEncodeError:
            raise ReplyError(422, UNREADABLE) from None
    return fields


def logged(delivery: Record, reply: Record, took: str) -> None:
    """A reply arrived (any way): one log line, saying whether it was the first answer,
    a changed one, or the same again (a duplicate, recorded once)."""
    log.info(
        "reply to %s (%s) via %s%s",
        delivery["id"],
        delivery["nudge_id"],
        reply["via"],
        {FIRST: "", CHANGED: ", changed"}.get(took, ", duplicate"),
    )
