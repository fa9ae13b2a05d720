"""Pure rules for asking again, gently: reminders, snoozes, and backing off.

- A nudge with `remind_after` is asked again if unanswered, at most
  `remind_max` times; any reply stops it at once.
- A "later" reply asks again once, `snooze` after it came.
- A pause drops a reminder or re-ask due inside it; the dropped one still counts
  (see reminding).
- When several sends of a nudge in a row went unanswered, halfway sends that
  nudge only every other time and offers to pause it for a week, instead of
  nagging harder. One answer ends the back-off.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from halfway.core.deliveries import MISSED, REACHED
from halfway.core.instants import parse_instant
from halfway.core.rawjson import Record
from halfway.core.reasons import BACKOFF, REMIND, SNOOZE

LATER = "later"
PAUSE_WEEK = "pause_week"
BACK_OFF_AFTER = 3  # unanswered sends in a row before halfway eases off


def takes_reply(delivery: Record) -> bool:
    return bool((delivery.get("reply") or {}).get("takes_reply"))


def next_reminder(
    delivery: Record,
    reply: Record | None,
    reminders: list[Record],
    remind_after: timedelta | None,
    remind_max: int,
    snooze: timedelta,
) -> tuple[datetime, str] | None:
    """When to ask about `delivery` again and why ('remind' or 'snooze'), or None."""
    if delivery["state"] not in REACHED or not takes_reply(delivery) or delivery.get("reminder_of"):
        return None
    if reply is not None:
        if reply["value"] != LATER:
            return None
        asked = parse_instant(reply["received_at"])
        if any(parse_instant(r["scheduled_for"]) > asked for r in reminders):
            return None
        return asked + snooze, SNOOZE
    if remind_after is None:
        return None
    # A reminder a pause dropped counts too (`asks_again`, see reminding): it is not owed.
    reminded = [r for r in reminders if REMIND in (r.get("reason"), r.get("asks_again"))]
    if len(reminded) >= remind_max:
        return None
    base = parse_instant(delivery["due_at"])
    return base + remind_after * (len(reminded) + 1), REMIND


def backing_off(history: list[Record], answered: set[str]) -> tuple[bool, bool]:
    """Given a nudge's earlier deliveries (oldest first), whether to (skip, offer a pause) now.

    Backing off starts when the last BACK_OFF_AFTER sends went unanswered; then
    every other fire is skipped, and each one sent offers a week's pause.
    """
    fires = [
        d
        for d in history
        if not d.get("reminder_of") and not d.get("manual") and d["state"] != MISSED
    ]
    sent = [d for d in fires if d["state"] in REACHED and takes_reply(d)]
    recent = sent[-BACK_OFF_AFTER:]
    if len(recent) < BACK_OFF_AFTER or any(d["id"] in answered for d in recent):
        return False, False
    last = fires[-1] if fires else None
    skipped_last = last is not None and last.get("reason") == BACKOFF
    return (not skipped_last), True
