"""The life of a delivery, as pure rules: its identity, its state, claiming a send,
giving up, recovering a send cut off by a crash, and when it may leave the hot file.

Nothing here reads the clock or the disk: every rule takes `now` and plain records.
Every stored instant is ISO text in UTC (see `instants`): rules compare the instants,
never the text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Unpack, cast

from halfway.core.instants import format_instant, parse_instant
from halfway.core.rawjson import Record
from halfway.core.records import ChannelSend, Delivery, DeliveryExtras, Owner

# A channel send's states.
PENDING = "pending"
SENDING = "sending"
FAILED = "failed"  # will be tried again at `next_attempt`
SENT = "sent"
GAVE_UP = "gave_up"
CANCELLED = "cancelled"  # a reminder made needless by a reply
OPEN = (PENDING, SENDING, FAILED)  # a send that is not finished

# A delivery's states (derived from its channels', except the two decided without sending).
LATE = "late"
PARTIAL = "partial"
MISSED = "missed"
SKIPPED = "skipped"
FINAL_UNSENT = (MISSED, SKIPPED)
REACHED = (SENT, LATE, PARTIAL)  # the user got it on at least one channel

# A claim is a lease: if its owner has not recorded an outcome by then, the send is
# taken to be cut off (the owner hung or died) and is sent once more.
LEASE_MARGIN = timedelta(seconds=60)
# Finished deliveries stay in the hot file this long after they were due, so `status`
# (last 7 days) and the reply page read the hot file only.
KEEP_HOT = timedelta(days=8)
# Entries the user writes stay hot this long before they move to the archive.
KEEP_ENTRIES_HOT = timedelta(days=14)


def new_delivery(
    delivery_id: str,
    nudge_id: str,
    kind: str,
    scheduled_for: datetime,
    due_at: datetime,
    now: datetime,
    state: str,
    channels: Iterable[str],
    *,
    week: str | None = None,
    expires_at: datetime | None = None,
    late: bool = False,
    manual: bool = False,
    **fields: Unpack[DeliveryExtras],
) -> Delivery:
    """The one way a delivery is made: a fire, a reminder, a digest or a gap record.

    Each channel's send starts in the delivery's `state` (pending; or missed or skipped
    for a gap record, which is never sent). `fields` follow `manual` in the order given,
    and `channels` comes last, so the stored JSON keeps the order it always had.
    """
    send: ChannelSend = {"state": state, "attempts": 0, "sent_at": None, "error": None}
    delivery = {
        "id": delivery_id,
        "nudge_id": nudge_id,
        "kind": kind,
        **({"week": week} if week is not None else {}),
        "scheduled_for": format_instant(scheduled_for),
        "due_at": format_instant(due_at),
        "created_at": format_instant(now),
        **({"expires_at": format_instant(expires_at)} if expires_at is not None else {}),
        "state": state,
        "late": late,
        "manual": manual,
        **fields,
        "channels": {name: dict(send) for name in channels},
    }
    return cast(Delivery, delivery)


def identity(delivery: Delivery | Record) -> tuple[str, ...]:
    """What makes a delivery the same one twice: a fire is its nudge and scheduled instant;
    a reminder, the delivery it reminds of and when; a manual send is always new."""
    if delivery.get("manual"):
        return ("manual", str(delivery["id"]))
    if delivery.get("reminder_of"):
        return (
            "reminder",
            delivery["reminder_of"],
            format_instant(parse_instant(delivery["scheduled_for"])),
        )
    return ("fire", delivery["nudge_id"], format_instant(parse_instant(delivery["scheduled_for"])))


def is_fire(delivery: Record) -> bool:
    """A fire of the schedule: not a reminder and not a manual send."""
    return not delivery.get("manual") and not delivery.get("reminder_of")


def state_of(delivery: Record) -> str:
    """A delivery's state from its channels': pending until each has an outcome."""
    if delivery.get("state") in FINAL_UNSENT:
        return str(delivery["state"])
    states = [c["state"] for c in delivery["channels"].values()]
    if any(s in OPEN for s in states):
        return PENDING
    if states and all(s == CANCELLED for s in states):
        return CANCELLED
    if states and all(s == SENT for s in states):
        return LATE if delivery.get("late") else SENT
    if any(s == SENT for s in states):
        return PARTIAL
    return FAILED


def with_channels(delivery: Record, changes: dict[str, Record]) -> Record:
    """The delivery with per-channel `changes` applied and its state recomputed."""
    channels = {name: dict(send) for name, send in delivery["channels"].items()}
    for name, change in changes.items():
        channels[name] = {**channels.get(name, {}), **change}
    changed = {**delivery, "channels": channels}
    changed["state"] = state_of(changed)
    return changed


def expired(delivery: Record, now: datetime) -> bool:
    """Its reply link has closed."""
    expires = delivery.get("expires_at")
    return isinstance(expires, str) and now >= parse_instant(expires)


def is_open(delivery: Record) -> bool:
    return any(send["state"] in OPEN for send in delivery["channels"].values())


# claiming a send ------------------------------------------------------------


def send_due(send: Record, now: datetime) -> bool:
    """A channel send to try now: pending, or failed with its next attempt come."""
    if send["state"] == PENDING:
        return True
    retry = retry_at(send, now)
    return retry is not None and retry <= now


def retry_at(send: Record, now: datetime) -> datetime | None:
    """When a failed send is tried again: its next attempt, or now if it failed after
    `now` (a clock set back since: a retry waits its wait, never the clock's jump)."""
    if send["state"] != FAILED or not send.get("next_attempt"):
        return None
    failed = send.get("finished_at")
    return now if failed and parse_instant(failed) > now else parse_instant(send["next_attempt"])


def too_old(delivery: Record, now: datetime, give_up_after: timedelta) -> bool:
    """The one give-up rule: a send is not tried once its delivery is this long overdue."""
    return now - parse_instant(delivery["due_at"]) > give_up_after


def claim(
    delivery: Record, now: datetime, owner: Owner, lease: timedelta, give_up_after: timedelta
) -> tuple[Record, list[str]]:
    """Take the due sends of one delivery: `sending` under a lease, or `gave_up` if too old.

    Returns the changed delivery and the names of the channels claimed.
    """
    changes: dict[str, Record] = {}
    claimed = []
    for name, send in delivery["channels"].items():
        if not send_due(send, now):
            continue
        if too_old(delivery, now, give_up_after):
            changes[name] = {"state": GAVE_UP, "next_attempt": None}
            continue
        changes[name] = {
            "state": SENDING,
            "attempts": send["attempts"] + 1,
            "started_at": format_instant(now),
            "owner": dict(owner),
            "lease_until": format_instant(now + lease),
        }
        claimed.append(name)
    return (with_channels(delivery, changes) if changes else delivery), claimed


def outcome(
    send: Record,
    delivery: Record,
    ok: bool,
    error: str | None,
    now: datetime,
    retry_in: timedelta,
    give_up_after: timedelta,
) -> Record:
    """The change to one channel send once it was tried: sent, failed (retry later) or gave up."""
    done: Record = {"owner": None, "lease_until": None, "finished_at": format_instant(now)}
    if ok:
        return {
            **done,
            "state": SENT,
            "sent_at": format_instant(now),
            "error": None,
            "next_attempt": None,
        }
    failure = {
        **done,
        "error": error,
        "first_failed_at": send.get("first_failed_at") or format_instant(now),
    }
    retry_at = now + retry_in
    if too_old(delivery, retry_at, give_up_after):
        return {**failure, "state": GAVE_UP, "next_attempt": None}
    return {**failure, "state": FAILED, "next_attempt": format_instant(retry_at)}


def retry_wait(attempts: int, first: timedelta, longest: timedelta) -> timedelta:
    """How long to wait after the `attempts`-th failed try (doubling, capped; no jitter)."""
    wait: timedelta = first * 2 ** max(0, attempts - 1)
    return min(longest, wait)


def next_attempt(deliveries: list[Record], now: datetime) -> datetime | None:
    """The earliest retry among open sends, if any (see `retry_at`)."""
    times = [
        retry
        for delivery in deliveries
        for send in delivery["channels"].values()
        if (retry := retry_at(send, now)) is not None
    ]
    return min(times, default=None)


# a send cut off by a crash -----------------------------------------------------


def cut_off(send: Record, now: datetime, alive: Callable[[Record], bool]) -> bool:
    """A send left `sending` whose owner is gone, or whose lease ran out.

    `alive(owner) -> bool` says whether the owning process still runs.
    """
    if send["state"] != SENDING:
        return False
    lease = send.get("lease_until")
    if lease is not None and parse_instant(lease) < now:
        return True
    return not alive(send.get("owner") or {})


def recovered(send: Record) -> Record:
    """The change that puts a cut-off send back in line, marked as sent again after a crash."""
    return {"state": PENDING, "owner": None, "lease_until": None, "resent_after_crash": True}


# what stays in the hot file ------------------------------------------------------


def finished(delivery: Record, now: datetime) -> bool:
    """Nothing left to do for it: no open send and its reply window has closed."""
    if is_open(delivery):
        return False
    expires = delivery.get("expires_at")
    return expires is None or parse_instant(expires) <= now


def backs_off(delivery: Record) -> bool:
    """A fire of a config nudge, whose last fires the back-off rule reads. halfway's own
    nudges (a talk's steps, digests, care notes) have a ':' in their id; no config
    nudge may."""
    return is_fire(delivery) and not delivery.get("talk_id") and ":" not in delivery["nudge_id"]


def archivable(
    deliveries: list[Record], now: datetime, keep_last: int
) -> tuple[set[str], set[str]]:
    """Which deliveries may move to the archive, and which must stay hot.

    A delivery moves once it is finished, was due more than KEEP_HOT ago, is no
    open delivery's reminder target, and is not among the last `keep_last` fires
    of its nudge (the back-off rule reads those). Only a config nudge backs off:
    a talk's steps, the weekly digests and the care notes each have a nudge id with
    a ':' ('talk:t_…:reframe', 'digest:2026-W48', 'care:step_back') and no back-off,
    so they move like any finished delivery.
    """
    by_nudge: dict[str, list[Record]] = {}
    for delivery in deliveries:
        if backs_off(delivery):
            by_nudge.setdefault(delivery["nudge_id"], []).append(delivery)
    keep = {
        d["id"]
        for fires in by_nudge.values()
        for d in sorted(fires, key=lambda d: parse_instant(d["scheduled_for"]))[-keep_last:]
    }
    for delivery in deliveries:
        target = delivery.get("reminder_of")
        if target and not finished(delivery, now):
            keep.add(target)
    moving = {
        d["id"]
        for d in deliveries
        if d["id"] not in keep and finished(d, now) and now - parse_instant(d["due_at"]) > KEEP_HOT
    }
    # A reminder moves with (not before) the delivery it reminds of.
    for delivery in deliveries:
        target = delivery.get("reminder_of")
        if target and target not in moving:
            moving.discard(delivery["id"])
    return moving, {d["id"] for d in deliveries} - moving


def month_of(text: str) -> str:
    """The archive a record belongs to: its month in UTC, e.g. '2026-11'."""
    return parse_instant(text).astimezone(UTC).strftime("%Y-%m")
