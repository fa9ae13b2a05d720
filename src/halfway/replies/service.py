"""Recording a reply, whichever way it came: one set of rules for web, push, e-mail and CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from halfway import practices, reminders
from halfway.replies import tokens
from halfway.store import Record, Store

VIA = ("push", "web", "email", "cli")
MAX_NOTE = 4000


class ReplyError(Exception):
    """A reply that cannot be taken: `status` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def shape_of(delivery: Record) -> practices.Shape:
    saved: dict[str, Any] = dict(delivery.get("reply") or {})
    saved["choices"] = tuple(tuple(pair) for pair in saved.get("choices", ()))
    return practices.Shape(**saved) if saved else practices.Shape(takes_reply=False)


def delivery_for(store: Store, key: bytes, token: str) -> Record:
    """The delivery a genuine token names; ReplyError 403 for a forged or unknown one."""
    delivery_id = tokens.check(key, token)
    delivery = store.delivery(delivery_id) if delivery_id else None
    if delivery is None:
        raise ReplyError(403, "This link is not one halfway made, or it has been mistyped.")
    return delivery


def expired(delivery: Record, now: datetime) -> bool:
    expires = delivery.get("expires_at")
    return isinstance(expires, str) and now >= datetime.fromisoformat(expires)


def accept(
    store: Store,
    delivery: Record,
    value: str,
    via: str,
    now: datetime,
    note: str | None = None,
    scale: str | None = None,
    message_id: str | None = None,
) -> tuple[Record, bool]:
    """Check a reply against its delivery and record it (on disk before this returns).

    Returns the reply and whether it was the first. ReplyError 410 if the link has
    expired, 422 if the value is not one the nudge takes.
    """
    if expired(delivery, now):
        raise ReplyError(410, "This check-in has closed. The next one will come along soon.")
    value = (value or "").strip()
    pause = value == reminders.PAUSE_WEEK and bool(delivery.get("offer_pause"))
    problem = None if pause else shape_of(delivery).problem(value, scale)
    if problem:
        raise ReplyError(422, problem[0].upper() + problem[1:] + ".")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise ReplyError(422, f"The note is longer than {MAX_NOTE} characters.")
    version: Record = {
        "value": value,
        "note": note,
        "scale": int(scale) if scale else None,
        "via": via if via in VIA else "web",
        "received_at": now.astimezone(UTC).isoformat(),
    }
    if message_id:
        version["message_id"] = message_id
    # Any answer but "later" stops the reminders at once, in the same write.
    reply, first = store.record_reply(delivery["id"], version, value != reminders.LATER)
    if pause:
        store.pause(
            [delivery["nudge_id"]],
            version["received_at"],
            (now + timedelta(days=7)).astimezone(UTC).isoformat(),
        )
    return reply, first
