"""Asking again over the hot file: which reminders and "later" re-asks are due, which
wait, and which a pause drops. The planner records what this decides (`Planner.remind`).

A pause holds the asking again too, not only the fires: a reminder or a re-ask due
while its nudge is paused (by name, or everything: `halfway pause --all`), or that
would go out inside such a pause (after quiet hours, or after downtime), is not sent
and not saved up for after the pause. It is recorded as `skipped` with the reason
`paused` (see gaps), as a fire a pause skips is, and `asks_again` says what it was
('remind' or 'snooze'). It counts as asked: `remind_max` and the one re-ask after
"later" are used up by it, so nothing comes of it after the pause, and nothing wakes
the daemon for it again. A reminder due after the pause has ended goes out as usual.
"""

from __future__ import annotations

from datetime import datetime

from halfway.config.models import Settings
from halfway.core import cursors, deliveries, kinds, reminders, schedule, unsent
from halfway.core.deliveries import PENDING, SKIPPED
from halfway.core.instants import format_instant
from halfway.store.database import Record, View, new_id

Due = tuple[Record, str, datetime]  # a delivery to ask about again, why, and when it was due

# A skipped re-ask's words, as history and status show them.
HELD = {
    reminders.REMIND: "a reminder, not sent: paused then",
    reminders.SNOOZE: "the re-ask after “later”, not sent: paused then",
}


def due(settings: Settings, view: View, now: datetime) -> tuple[list[Due], list[datetime]]:
    """The deliveries to ask about again now (with why and when they came due), and
    when later ones are."""
    hot = view.records("deliveries")
    replies = {r["delivery_id"]: r for r in view.records("replies")}
    asked: dict[str, list[Record]] = {}
    for d in hot:
        if d.get("reminder_of"):
            asked.setdefault(d["reminder_of"], []).append(d)
    due_now: list[Due] = []
    upcoming: list[datetime] = []
    for delivery in hot:
        nudge = settings.nudge(delivery["nudge_id"])
        if nudge is None or deliveries.expired(delivery, now):
            continue
        found = reminders.next_reminder(
            delivery,
            replies.get(delivery["id"]),
            asked.get(delivery["id"], []),
            nudge.remind_after,
            nudge.remind_max,
            nudge.snooze,
        )
        if found is not None:
            when, reason = found
            if when <= now:
                due_now.append((delivery, reason, when))
            else:
                upcoming.append(when)
    return due_now, upcoming


def held(delivery: Record, rows: dict[str, Record], when: datetime, now: datetime) -> bool:
    """Whether a pause of the delivery's nudge (its own, or everything's) holds a re-ask
    due at `when` that would go out `now` (`rows`: the cursors by id, as `outbox.held`)."""
    spans = cursors.pauses(rows, delivery["nudge_id"])
    return schedule.paused_at(when, spans) or schedule.paused_at(now, spans)


def record(settings: Settings, delivery: Record, now: datetime, reason: str) -> Record:
    """The reminder or re-ask to send now: the same words and link, the reminder line."""
    title, body = kinds.message(
        delivery["words_title"],
        delivery["words"],
        delivery["link"],
        settings.discreet,
        reminder=True,
        discreet_title=settings.discreet_title,
    )
    kept = ("nudge_id", "kind", "expires_at", "words_title", "words", "link", "reply")
    return {
        **{k: delivery[k] for k in kept},
        "id": new_id("d"),
        "scheduled_for": format_instant(now),
        "due_at": format_instant(now),
        "created_at": format_instant(now),
        "state": PENDING,
        "late": False,
        "manual": False,
        "title": title,
        "body": body,
        "discreet": settings.discreet,
        "reminder_of": delivery["id"],
        "reason": reason,
        "channels": {
            name: {"state": PENDING, "attempts": 0, "sent_at": None, "error": None}
            for name in delivery["channels"]
        },
    }


def skipped(delivery: Record, when: datetime, now: datetime, reason: str) -> Record:
    """A re-ask a pause dropped: a gap record (no words) of the delivery it was for."""
    return {
        "id": new_id("d"),
        "nudge_id": delivery["nudge_id"],
        "kind": delivery["kind"],
        "scheduled_for": format_instant(when),
        "due_at": format_instant(when),
        "created_at": format_instant(now),
        "state": SKIPPED,
        "late": False,
        "manual": False,
        "reminder_of": delivery["id"],
        "asks_again": reason,
        "reason": unsent.PAUSED,
        "why": HELD.get(reason, unsent.why(unsent.PAUSED)),
        "channels": {
            name: {"state": SKIPPED, "attempts": 0, "sent_at": None, "error": None}
            for name in delivery["channels"]
        },
    }
