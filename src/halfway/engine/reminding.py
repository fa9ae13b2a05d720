"""Asking again over the hot file: which reminders and "later" re-asks are due, which
wait, and which a pause drops. The planner records what this decides (`Planner.remind`).

A pause holds the asking again too, not only the fires: a reminder or a re-ask due
while its nudge is paused (by name, or everything: `halfway pause --all`), or that
would go out inside such a pause (after quiet hours, or after downtime), is not sent
and not saved up for after the pause. It is recorded as `skipped` with the reason
`paused` (see core/unsent), as a fire a pause skips is, and `asks_again` says what it was
('remind' or 'snooze'). It counts as asked: `remind_max` and the one re-ask after
"later" are used up by it, so nothing comes of it after the pause, and nothing wakes
the daemon for it again. A reminder due after the pause has ended goes out as usual.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from halfway.config.models import Settings
from halfway.core import cursors, deliveries, kinds, reasons, reminders, schedule, unsent
from halfway.core.deliveries import PENDING, SKIPPED
from halfway.core.records import Delivery
from halfway.replies import pagewords
from halfway.store.database import Record, View, new_id

Due = tuple[Record, str, datetime]  # a delivery to ask about again, why, and when it was due

# A skipped re-ask's words, as history and status show them.
HELD = {
    reasons.REMIND: "a reminder, not sent: paused then",
    reasons.SNOOZE: "the re-ask after “later”, not sent: paused then",
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


def asks_again(settings: Settings, view: View, delivery: Record) -> datetime | None:
    """When the re-ask after a "later" answer to `delivery` goes out, as the planner sends
    it (after quiet hours); None if none will: the answer is not "later", it was asked
    again already, its link closes first, or a pause holds it then."""
    nudge = settings.nudge(delivery["nudge_id"])
    replies = view.records("replies")
    reply = next((r for r in replies if r["delivery_id"] == delivery["id"]), None)
    if nudge is None or reply is None:
        return None
    # As it stands now, not as the reply's page read it. A reply proves the nudge
    # reached the person even while its send is still being recorded (tapped the moment
    # it arrived): the planner asks again once the send is recorded, at the same time.
    delivery = view.get("deliveries", delivery["id"]) or delivery
    if delivery["state"] in deliveries.OPEN:
        delivery = {**delivery, "state": deliveries.SENT}
    asked = [d for d in view.records("deliveries") if d.get("reminder_of") == delivery["id"]]
    found = reminders.next_reminder(
        delivery, reply, asked, nudge.remind_after, nudge.remind_max, nudge.snooze
    )
    if found is None or found[1] != reasons.SNOOZE:
        return None
    when = found[0]
    sends = schedule.quiet_end(when, settings.tz, settings.quiet_hours) or when
    rows = {row["id"]: row for row in view.records("nudges")}
    if deliveries.expired(delivery, sends) or held(delivery, rows, when, sends):
        return None
    return sends


def comes_back(settings: Settings, view: View, delivery: Record, reply: Record) -> str | None:
    """After a "later" `reply`: when the check-in comes back, as a person reads it in the
    configured zone and language ('Wed 2026-12-02 21:15 CET'); None for another answer, or no re-ask."""
    when = asks_again(settings, view, delivery) if reply["value"] == reminders.LATER else None
    return pagewords.moment(when, settings.tz) if when else None


def held(delivery: Record, rows: dict[str, Record], when: datetime, now: datetime) -> bool:
    """Whether a pause of the delivery's nudge (its own, or everything's) holds a re-ask
    due at `when` that would go out `now` (`rows`: the cursors by id, as `outbox.held`)."""
    spans = cursors.pauses(rows, delivery["nudge_id"])
    return schedule.paused_at(when, spans) or schedule.paused_at(now, spans)


def record(settings: Settings, delivery: Record, now: datetime, reason: str) -> Delivery:
    """The reminder or re-ask to send now: the same words and link, the reminder line."""
    title, body = kinds.message(
        delivery["words_title"],
        delivery["words"],
        delivery["link"],
        settings.discreet,
        reminder=True,
        discreet_title=settings.discreet_title,
    )
    made = deliveries.new_delivery(
        new_id("d"),
        delivery["nudge_id"],
        delivery["kind"],
        now,
        now,
        now,
        PENDING,
        delivery["channels"],
        words_title=delivery["words_title"],
        words=delivery["words"],
        title=title,
        body=body,
        link=delivery["link"],
        reply=delivery["reply"],
        discreet=settings.discreet,
        reminder_of=delivery["id"],
        reason=reason,
    )
    # The fields it takes from the delivery come first, as reminders have always been stored.
    fields = {"expires_at": delivery["expires_at"], **made}  # as it was stored, unparsed
    kept = ("nudge_id", "kind", "expires_at", "words_title", "words", "link", "reply")
    return cast(Delivery, {key: fields[key] for key in (*kept, *fields)})


def skipped(delivery: Record, when: datetime, now: datetime, reason: str) -> Delivery:
    """A re-ask a pause dropped: a gap record (no words) of the delivery it was for."""
    return deliveries.new_delivery(
        new_id("d"),
        delivery["nudge_id"],
        delivery["kind"],
        when,
        when,
        now,
        SKIPPED,
        delivery["channels"],
        reminder_of=delivery["id"],
        asks_again=reason,
        reason=reasons.PAUSED,
        why=HELD.get(reason, unsent.why(reasons.PAUSED)),
    )
