"""The outbox: claim the sends that are due, send them, record each outcome, retry.

A claim marks a channel send `sending` under a lease (owner: boot id, pid, its
start time and a per-process nonce; a deadline). A send whose owner is gone or
whose lease ran out was cut off by a crash: `recover()` puts it back in line,
marked `resent_after_crash`. Nothing is claimed inside quiet hours, and no retry
is planned before they end. A send still waiting when a pause of its nudge (or of
everything) is in force is not sent: it is `cancelled` ("paused then"), not kept
for after the pause; a send asked for by hand (`halfway send`) is never held. The
rules themselves live in `deliveries`.
"""

from __future__ import annotations

import logging
import os
import random
import secrets
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from halfway.channels import sending
from halfway.config.models import Settings
from halfway.core import cursors, deliveries, reminders, schedule
from halfway.core.deliveries import CANCELLED, FAILED, PENDING, SENDING
from halfway.core.instants import format_instant, parse_instant
from halfway.core.records import Owner
from halfway.replies import service
from halfway.store import faults
from halfway.store.database import Record, Store
from halfway.words import discretion
from halfway.words.language import _
from halfway.words.plural import plural, were

log = logging.getLogger("halfway")

NONCE = secrets.token_hex(8)  # this process, even where another once had the same pid
PAUSED_THEN = "not sent: paused then"  # a waiting send a pause held (its channels' error)


class Send(Protocol):
    """How a message goes out: `sending.send`'s signature (a fake in the tests)."""

    def __call__(
        self,
        channels: dict[str, list[str]],
        title: str,
        body: str,
        timeout: float,
        push: sending.Push | None = None,
        html: str | None = None,
        text: str | None = None,
    ) -> dict[str, sending.ChannelResult]: ...


def utc_now() -> datetime:
    """The wall clock, for the edges (daemon, CLI) that pass it into the units of work."""
    return datetime.now(UTC)


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def started(pid: int) -> int | None:
    """A process's start time in clock ticks since boot, or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count from its end.
    return int(stat.rpartition(")")[2].split()[19])


def me() -> Owner:
    owner: Owner = {"pid": os.getpid(), "boot": boot_id(), "nonce": NONCE}
    start = started(os.getpid())
    if start is not None:
        owner["started"] = start
    return owner


def held(delivery: Record, rows: dict[str, Record], now: datetime) -> bool:
    """Whether a pause in force now holds this send: its nudge's own or everything's
    (a talk's step, a care note, the digest: only everything's). Never a manual send."""
    if delivery.get("manual"):
        return False
    return schedule.paused_at(now, cursors.pauses(rows, delivery["nudge_id"]))


def dropped(delivery: Record) -> Record:
    """The delivery with its sends not yet out cancelled: a pause holds them."""
    waiting = {
        name: {"state": CANCELLED, "error": PAUSED_THEN}
        for name, send in delivery["channels"].items()
        if send["state"] in (PENDING, FAILED)
    }
    return deliveries.with_channels(delivery, waiting)


def alive(owner: Mapping[str, object]) -> bool:
    """Whether the process that claimed a send still runs (and is the same process).

    `owner` is a send's `Owner` as stored, or `{}` for a send that names none."""
    if owner.get("nonce") == NONCE:
        return True
    pid = owner.get("pid")
    if not isinstance(pid, int) or owner.get("boot") != boot_id() or pid == os.getpid():
        return False  # another boot, or this pid's earlier life (a restart as PID 1)
    start = started(pid)
    return start is not None and owner.get("started", start) == start


class Outbox:
    """Channel sends from claim to outcome."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], datetime],
        send: Send | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.send: Send = send or sending.send  # or a fake in unit tests
        self.owner = me()
        self.random = random.Random()  # noqa: S311 - jitter, not secrets

    @property
    def lease(self) -> timedelta:
        return self.settings.send_timeout + deliveries.LEASE_MARGIN

    def quiet_end(self, now: datetime) -> datetime | None:
        return schedule.quiet_end(now, self.settings.tz, self.settings.quiet_hours)

    def open_deliveries(self) -> list[Record]:
        return self.store.view().open_deliveries()

    # claim ------------------------------------------------------------------------

    def claim(self, only: str | None = None) -> list[Record]:
        """Take every send that is due now; nothing inside quiet hours (unless `only`,
        a send the user asked for by hand). Each comes back with `claimed` channels."""
        now = self.clock()
        if only is None and self.quiet_end(now):
            return []
        give_up = self.settings.outbox.give_up_after
        due = [
            d["id"]
            for d in self.open_deliveries()
            if (only is None or d["id"] == only)
            and any(deliveries.send_due(s, now) for s in d["channels"].values())
        ]
        if not due:
            return []  # the common case: no write at all
        claimed = []
        with self.store.transaction() as tx:
            rows = {row["id"]: row for row in tx.records("nudges")}
            for delivery_id in due:
                delivery = tx.get("deliveries", delivery_id)
                if delivery is None:
                    continue
                if only is None and held(delivery, rows, now):
                    tx.put("deliveries", dropped(delivery))
                    log.info("%s (%s) not sent: paused", delivery_id, delivery["nudge_id"])
                    continue
                changed, names = deliveries.claim(delivery, now, self.owner, self.lease, give_up)
                if changed is not delivery:
                    tx.put("deliveries", changed)
                if names:
                    claimed.append({**changed, "claimed": names})
        return claimed

    def recover(self) -> int:
        """Sends cut off by a crash, a kill or a hang past their lease: back in line."""
        now = self.clock()
        cut = [
            d["id"]
            for d in self.open_deliveries()
            if any(deliveries.cut_off(s, now, alive) for s in d["channels"].values())
        ]
        count = 0
        if cut:
            with self.store.transaction() as tx:
                for delivery_id in cut:
                    delivery = tx.get("deliveries", delivery_id)
                    if delivery is None:
                        continue
                    changes = {
                        name: deliveries.recovered(send)
                        for name, send in delivery["channels"].items()
                        if deliveries.cut_off(send, now, alive)
                    }
                    count += len(changes)
                    tx.put("deliveries", deliveries.with_channels(delivery, changes))
        if count:
            log.warning(
                "%s %s cut off by a crash or kill; sending again",
                plural(count, "send"),
                were(count),
            )
        return count

    # send and record --------------------------------------------------------------

    def send_claimed(self, delivery: Record) -> Record:
        """Send one claimed delivery to its claimed channels and record each result."""
        names = delivery["claimed"]
        known = {n: self.settings.channels[n] for n in names if n in self.settings.channels}
        faults.point("send")
        own_html = (  # the digest's own HTML, and its own text part
            {"html": delivery["html"], "text": delivery.get("text")} if delivery.get("html") else {}
        )
        results = self.send(
            known,
            delivery["title"],
            delivery["body"],
            self.settings.send_timeout.total_seconds(),
            push_of(delivery),
            **own_html,
        )
        faults.point("sent")
        outcomes = {name: (r.ok, r.error) for name, r in results.items()}
        for name in names:
            if name not in known:
                outcomes[name] = (False, "this channel is no longer in the config")
        return self.record_outcomes(delivery, outcomes)

    def record_outcomes(
        self, delivery: Record, outcomes: dict[str, tuple[bool, str | None]]
    ) -> Record:
        """Write each channel's outcome and the channels' health, in one write."""
        now = self.clock()
        with self.store.transaction() as tx:
            current = tx.get("deliveries", delivery["id"]) or delivery
            changes = {
                name: self.outcome(current, name, ok, error, now)
                for name, (ok, error) in outcomes.items()
            }
            changed = deliveries.with_channels(current, changes)
            tx.put("deliveries", changed)
            for name, (ok, error) in outcomes.items():
                tx.put("channels", channel_health(tx.get("channels", name), name, ok, error, now))
        for name, (ok, error) in outcomes.items():
            if ok:
                log.info("sent %s (%s) to %s", delivery["id"], delivery["nudge_id"], name)
            else:
                log.warning(
                    "send %s (%s) to %s failed: %s; %s",
                    delivery["id"],
                    delivery["nudge_id"],
                    name,
                    error,
                    describe_retry(changes[name]),
                )
        return changed

    def outcome(
        self, delivery: Record, name: str, ok: bool, error: str | None, now: datetime
    ) -> Record:
        send = delivery["channels"][name]
        outbox = self.settings.outbox
        wait = deliveries.retry_wait(send["attempts"], outbox.retry_first, outbox.retry_max)
        wait *= self.random.uniform(0.8, 1.2)
        change = deliveries.outcome(send, delivery, ok, error, now, wait, outbox.give_up_after)
        quiet_end = (
            self.quiet_end(parse_instant(change["next_attempt"]))
            if change.get("next_attempt")
            else None
        )
        if quiet_end is not None:
            change["next_attempt"] = format_instant(quiet_end)  # no retry before quiet hours end
        return change

    def drain(self, only: str | None = None) -> list[Record]:
        """Claim and send everything due, one delivery after another (for the CLI and tests)."""
        return [self.send_claimed(delivery) for delivery in self.claim(only)]

    def next_retry(self) -> datetime | None:
        """When the outbox next has work: a retry, a lease running out, or quiet hours ending."""
        hot = self.open_deliveries()
        times = [t for t in [deliveries.next_attempt(hot, self.clock())] if t is not None]
        times += [
            parse_instant(send["lease_until"])
            for d in hot
            for send in d["channels"].values()
            if send["state"] == SENDING and send.get("lease_until")
        ]
        if any(s["state"] == PENDING for d in hot for s in d["channels"].values()):
            times.append(self.clock())
        if not times:
            return None
        first = min(times)
        return self.quiet_end(first) or first

    def pending(self) -> int:
        """How many channel sends are not yet through (pending, sending or failed)."""
        return sum(
            1
            for d in self.open_deliveries()
            for send in d["channels"].values()
            if send["state"] in (PENDING, SENDING, FAILED)
        )


def channel_health(
    row: Record | None, name: str, ok: bool, error: str | None, now: datetime
) -> Record:
    """A channel's running health: its last success, and since when it has been failing."""
    row = dict(row or {"id": name, "last_sent_at": None, "failing_since": None, "error": None})
    if ok:
        return {**row, "last_sent_at": format_instant(now), "failing_since": None, "error": None}
    return {**row, "failing_since": row.get("failing_since") or format_instant(now), "error": error}


def push_of(delivery: Record) -> sending.Push | None:
    """The tap target and buttons a push service can show for this delivery.

    Discreet (and a record that does not say): open the page, and later; no choice
    names a feeling or a boundary on a lock screen. Not discreet: every choice as a
    button when all fit beside the pause offer; when they do not, none (no answer is
    favoured over an honest "no movement"), only open the page, and later or the offer.
    """
    link = delivery.get("link")
    if not link:
        return None
    shape = service.shape_of(delivery)
    later = ((_(discretion.LATER), reminders.LATER),) if shape.takes_reply else ()
    opens = _(discretion.OPEN)
    if delivery.get("discreet", True):
        return sending.Push(click=link, action_url=link, buttons=later, open_label=opens)
    choices = tuple((label, code) for code, label in shape.choices) if shape.takes_reply else ()
    pause = ((_("Pause for a week"), reminders.PAUSE_WEEK),) if delivery.get("offer_pause") else ()
    if len(choices) + len(pause) <= sending.NTFY_ACTIONS:
        return sending.Push(click=link, action_url=link, buttons=choices + pause)
    return sending.Push(click=link, action_url=link, buttons=pause or later, open_label=opens)


def describe_retry(change: Record) -> str:
    if change["state"] == deliveries.GAVE_UP:
        return "giving up on this one"
    return f"next try at {change['next_attempt']}"
