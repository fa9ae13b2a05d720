"""Fires decided without sending, as pure rules: one record for a run of them, and why.

A gap record stands for one or more fires of a nudge that were not sent: `missed`
(halfway was not running when they were due, or the wall clock jumped ahead over them
while it ran) or `skipped` (the nudge was paused, halfway eased off after sends went
unanswered, or, for a clarity ask, an ask said is still waiting for its answer:
`[asks] one_at_a_time`). It carries `reason`, a stable code, and `why`, the same in a
few words for people, so `history`, `status`, `export` and the log all say it alike.
Records from before halfway said why have neither, and every reader takes them as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from halfway.config.models import Nudge
from halfway.config.practices import QuietHours
from halfway.core import reminders, schedule
from halfway.core.deliveries import MISSED, REACHED, new_delivery
from halfway.core.instants import format_instant
from halfway.core.rawjson import Record
from halfway.core.reasons import ASK_WAITING, BACKOFF, CLOCK_JUMPED, DOWN, PAUSED, QUIET_HOURS
from halfway.core.records import Delivery
from halfway.words.language import N_


def why(reason: str, unanswered: int = 0) -> str:
    """A reason code in a few words, as history, status and the log show it."""
    words = {
        PAUSED: "paused",
        BACKOFF: f"eased off after {unanswered} unanswered",
        DOWN: "halfway was not running then",
        QUIET_HOURS: "halfway was not running then, and its catch-up window ended in quiet hours",
        # also a talk step's stored reason, read with `_` where the talks are shown
        ASK_WAITING: N_("one ask at a time: the last one you said is still waiting for its answer"),
        CLOCK_JUMPED: "the clock jumped",
    }
    return words.get(reason, reason)


def missed_reason(
    decision: schedule.Decision,
    catch_up: timedelta,
    zone: tzinfo,
    quiet: QuietHours | None,
    jumped: Sequence[tuple[datetime, datetime]] = (),
) -> str:
    """Why the fires of `decision.missed` were not sent.

    A running daemon sends every fire (deferred out of quiet hours, never dropped),
    so a missed one was due while halfway was not running, unless the wall clock
    jumped ahead over it while halfway ran (`jumped`: the wall time passed over, see
    clockjump). When none was sent and the latest one's catch-up window closed inside
    quiet hours, those kept it back too.
    """
    latest = decision.missed[-1]
    if any(start < latest.due_at <= end for start, end in jumped):
        return CLOCK_JUMPED
    if decision.send is None and schedule.quiet_end(latest.due_at + catch_up, zone, quiet):
        return QUIET_HOURS
    return DOWN


def unanswered(history: Sequence[Record], answered: set[str]) -> int:
    """How many of a nudge's latest sends that take a reply went unanswered, in a row."""
    count = 0
    for delivery in reversed(history):
        if delivery.get("reminder_of") or delivery.get("manual") or delivery["state"] == MISSED:
            continue
        if delivery["state"] not in REACHED or not reminders.takes_reply(delivery):
            continue
        if delivery["id"] in answered:
            break
        count += 1
    return count


def record(
    record_id: str,
    nudge: Nudge,
    fires: tuple[schedule.Fire, ...],
    state: str,
    older: int,
    channels: list[str],
    now: datetime,
    reason: str,
    count_unanswered: int = 0,
) -> Delivery:
    """One record for fires decided without sending: their count and span, why, no words."""
    gap = new_delivery(
        record_id,
        nudge.id,
        nudge.kind,
        fires[0].scheduled_for,
        fires[0].due_at,
        now,
        state,
        channels,
        reason=reason,
        why=why(reason, count_unanswered),
    )
    if reason == BACKOFF:
        gap["unanswered"] = count_unanswered
    if len(fires) + older > 1:
        gap["count"] = len(fires) + older
        gap["last_scheduled"] = format_instant(fires[-1].scheduled_for)
    return gap


def log_text(gap: Delivery) -> str:
    """A gap record as the log tells it (after the nudge's id)."""
    count = gap.get("count", 1)
    span = f" ({count} fires, the last {gap['last_scheduled']})" if count > 1 else ""
    said = gap.get("why") or gap.get("reason")
    return f"scheduled {gap['scheduled_for']} recorded as {gap['state']}{span}" + (
        f": {said}" if said else ""
    )
