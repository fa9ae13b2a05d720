"""The units of work behind `halfway run`, each a plain method a test calls with its own clock.

- `tick(nudge)`: from the store's record of the nudge's last fire, find the
  fires that have come due, decide which one to send (catch-up window,
  coalescing, pauses, back-off) and record it and the missed or skipped ones.
  The store, not APScheduler's memory, is the record of what fired, so the
  same code covers a normal fire, a restart after downtime and a clock that
  jumped.
- `remind()`: record the reminders and snoozes that are due.
- `drain()`: claim every channel send that is due (pending, or failed and due
  for retry), send it, and record each channel's result, with backoff.
- `check_alerts()`, `poll_mail()`, `heartbeat()`: the rest of a wake.

`daemon.py` wires these to APScheduler, aiohttp, signals and systemd.
"""

from __future__ import annotations

import logging
import os
import random
import urllib.request
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from halfway import deliver, practices, reminders, schedule
from halfway.config import Nudge, Settings
from halfway.replies import imap, service, tokens
from halfway.store import Record, Store, new_id

log = logging.getLogger("halfway")


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def owner_is_dead(owner: Record) -> bool:
    """True if the process that claimed a send is gone (or ran before a reboot)."""
    pid = owner.get("pid")
    if not isinstance(pid, int) or owner.get("boot") != boot_id():
        return True
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Outbox:
    """Deliveries from fire to channel result, and everything that asks again."""

    def __init__(
        self, settings: Settings, store: Store, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.owner = {"pid": os.getpid(), "boot": boot_id()}
        self.random = random.Random()  # noqa: S311 - jitter, not secrets
        self.key = tokens.load_key(store.data_dir)

    # unit of work 1: decide and record fires ------------------------------

    def start_up(self) -> None:
        """Recover sends a dead process left half-done, and note each nudge's start."""
        recovered = self.store.recover_sends(owner_is_dead)
        if recovered:
            log.warning("%d send(s) were cut off by a crash or kill; sending them again", recovered)
        # Whole seconds: an `every` nudge's rhythm counts from here.
        started = self.clock().replace(microsecond=0)
        self.store.ensure_planned([n.id for n in self.settings.nudges], iso(started))

    def since(self, nudge: Nudge, states: dict[str, Record]) -> datetime:
        """The instant after which this nudge's fires are not yet recorded."""
        last = self.store.last_scheduled(nudge.id)
        if last:
            return datetime.fromisoformat(last)
        state = states.get(nudge.id)
        start = datetime.fromisoformat(state["since"]) if state else self.clock()
        if nudge.at is not None:
            # A one-off is owed even if halfway first started after its time:
            # sent within its catch-up window, else recorded as missed.
            at = schedule.scheduled_after(nudge, self.settings.tz, datetime.min.replace(tzinfo=UTC))
            if at is not None:
                start = min(start, at - timedelta(microseconds=1))
        return start

    def pauses(
        self, nudge_id: str, states: dict[str, Record]
    ) -> list[tuple[datetime, datetime | None]]:
        found = []
        for key in (nudge_id, "*"):
            for pause in (states.get(key) or {}).get("pauses", []):
                until = pause["until"]
                found.append(
                    (
                        datetime.fromisoformat(pause["from"]),
                        datetime.fromisoformat(until) if until else None,
                    )
                )
        return found

    def tick(self, nudge: Nudge) -> schedule.Decision:
        """Record what has come due for `nudge`: one send (maybe late), missed and skipped fires."""
        now = self.clock()
        zone, quiet = self.settings.tz, self.settings.quiet_hours
        if schedule.quiet_end(now, zone, quiet):
            return schedule.Decision()  # catch-up waits for the morning, never 3 a.m.
        states = self.store.nudge_states()
        since = self.since(nudge, states)
        due, older = schedule.due_fires(nudge, zone, quiet, since, now)
        decision = schedule.decide(due, now, nudge.catch_up, self.pauses(nudge.id, states), older)
        records = [self.fire_record(nudge, f, "missed") for f in decision.missed]
        records += [self.fire_record(nudge, f, "skipped") for f in decision.skipped]
        if records and decision.older_missed:
            records[0]["stands_for_older"] = decision.older_missed
        if decision.send:
            records.append(self.fire_or_back_off(nudge, decision.send, decision.late))
        for record in self.store.record_fires(sorted(records, key=lambda r: r["scheduled_for"])):
            if record["state"] == "pending":
                log.info(
                    "fire %s (%s) scheduled %s%s",
                    nudge.id,
                    nudge.kind,
                    record["scheduled_for"],
                    ", late" if record["late"] else "",
                )
            else:
                log.info(
                    "fire %s scheduled %s recorded as %s",
                    nudge.id,
                    record["scheduled_for"],
                    record["state"],
                )
        return decision

    def fire_or_back_off(self, nudge: Nudge, fire: schedule.Fire, late: bool) -> Record:
        """The fire to send, unless several unanswered in a row say to ease off this time."""
        history = sorted(
            (d for d in self.store.deliveries() if d["nudge_id"] == nudge.id),
            key=lambda d: d["scheduled_for"],
        )
        answered = {r["delivery_id"] for r in self.store.replies()}
        skip, offer = reminders.backing_off(history, answered)
        if skip:
            return {**self.fire_record(nudge, fire, "skipped"), "reason": "backoff"}
        return self.fire_record(nudge, fire, "pending", late, offer_pause=offer)

    def fire_record(
        self,
        nudge: Nudge,
        fire: schedule.Fire,
        state: str,
        late: bool = False,
        offer_pause: bool = False,
    ) -> Record:
        """A delivery for one fire: the words, the message that leaves, the reply it takes."""
        delivery_id = new_id("d")
        words_title, words = practices.render(nudge.kind, nudge.text)
        shape = practices.shape(nudge.kind, nudge.choices, nudge.reply)
        discreet = self.settings.discreet
        link = f"{self.settings.server.public_url}/r/{tokens.make(self.key, delivery_id)}"
        title, body = practices.message(
            words_title,
            words,
            link if shape.takes_reply or discreet or offer_pause else None,
            discreet,
            offer_pause=offer_pause,
        )
        names = list(self.settings.channels_of(nudge.channels))
        return {
            "id": delivery_id,
            "nudge_id": nudge.id,
            "kind": nudge.kind,
            "scheduled_for": iso(fire.scheduled_for),
            "due_at": iso(fire.due_at),
            "created_at": iso(self.clock()),
            "expires_at": iso(fire.due_at + nudge.reply_window),
            "state": state,
            "late": late,
            "manual": False,
            "words_title": words_title,
            "words": words,
            "title": title,
            "body": body,
            "link": link,
            "reply": asdict(shape),
            "offer_pause": offer_pause,
            "channels": {
                name: {"state": state, "attempts": 0, "sent_at": None, "error": None}
                for name in names
            },
        }

    # asking again -----------------------------------------------------------

    def remind(self) -> datetime | None:
        """Record the reminders and snoozes that are due; return when the next one is."""
        now = self.clock()
        quiet_end = schedule.quiet_end(now, self.settings.tz, self.settings.quiet_hours)
        if quiet_end:
            return quiet_end  # reminders wait for the morning too
        deliveries = self.store.deliveries()
        replies = {r["delivery_id"]: r for r in self.store.replies()}
        asked: dict[str, list[Record]] = {}
        for d in deliveries:
            if d.get("reminder_of"):
                asked.setdefault(d["reminder_of"], []).append(d)
        due_now, upcoming = [], []
        for delivery in deliveries:
            nudge = self.settings.nudge(delivery["nudge_id"])
            if nudge is None or service.expired(delivery, now):
                continue
            found = reminders.next_reminder(
                delivery,
                replies.get(delivery["id"]),
                asked.get(delivery["id"], []),
                nudge.remind_after,
                nudge.remind_max,
                nudge.snooze,
            )
            if found is None:
                continue
            when, reason = found
            if when <= now:
                due_now.append(self.reminder_record(delivery, now, reason))
            else:
                upcoming.append(when)
        for record in self.store.record_fires(due_now):
            log.info(
                "reminder for %s (%s): %s",
                record["reminder_of"],
                record["nudge_id"],
                record["reason"],
            )
        return min(upcoming, default=None)

    def reminder_record(self, delivery: Record, now: datetime, reason: str) -> Record:
        title, body = practices.message(
            delivery["words_title"],
            delivery["words"],
            delivery["link"],
            self.settings.discreet,
            reminder=True,
        )
        return {
            **{
                k: delivery[k]
                for k in ("nudge_id", "kind", "expires_at", "words_title", "words", "link", "reply")
            },
            "id": new_id("d"),
            "scheduled_for": iso(now),
            "due_at": iso(now),
            "created_at": iso(now),
            "state": "pending",
            "late": False,
            "manual": False,
            "title": title,
            "body": body,
            "reminder_of": delivery["id"],
            "reason": reason,
            "channels": {
                name: {"state": "pending", "attempts": 0, "sent_at": None, "error": None}
                for name in delivery["channels"]
            },
        }

    def next_wake(self, nudge: Nudge) -> datetime | None:
        """When `nudge` next needs a tick: its next due fire, or the end of quiet hours."""
        now = self.clock()
        zone, quiet = self.settings.tz, self.settings.quiet_hours
        quiet_end = schedule.quiet_end(now, zone, quiet)
        if quiet_end:
            return quiet_end  # nothing is sent before then; a waiting catch-up goes then
        since = self.since(nudge, self.store.nudge_states())
        for fire in schedule.fires(nudge, zone, quiet, since, since):
            if fire.due_at > now:
                return fire.due_at
        return None

    # unit of work 2: the outbox ---------------------------------------------

    def claim(self, only: str | None = None) -> list[Record]:
        now = self.clock()
        give_up_before = iso(now - self.settings.outbox.give_up_after)
        return self.store.claim_sends(iso(now), self.owner, give_up_before, only)

    def send_claimed(self, delivery: Record) -> Record:
        """Send one claimed delivery to its claimed channels and record each result."""
        names = delivery["claimed"]
        known = {n: self.settings.channels[n] for n in names if n in self.settings.channels}
        results = deliver.send(
            known,
            delivery["title"],
            delivery["body"],
            self.settings.send_timeout.total_seconds(),
            push_of(delivery),
        )
        for name in names:
            if name not in known:
                results[name] = deliver.ChannelResult(
                    False, "this channel is no longer in the config"
                )
        now = self.clock()
        changes = {
            name: self.outcome(delivery, name, result, now) for name, result in results.items()
        }
        for name, result in results.items():
            if result.ok:
                log.info("sent %s (%s) to %s", delivery["id"], delivery["nudge_id"], name)
            else:
                log.warning(
                    "send %s (%s) to %s failed: %s; %s",
                    delivery["id"],
                    delivery["nudge_id"],
                    name,
                    result.error,
                    describe_retry(changes[name]),
                )
        return self.store.update_channels(delivery["id"], changes)

    def outcome(
        self, delivery: Record, name: str, result: deliver.ChannelResult, now: datetime
    ) -> Record:
        previous = delivery["channels"][name]
        done = {"owner": None, "finished_at": iso(now)}
        if result.ok:
            return {
                **done,
                "state": "sent",
                "sent_at": iso(now),
                "error": None,
                "next_attempt": None,
            }
        outbox = self.settings.outbox
        wait = min(outbox.retry_max, outbox.retry_first * 2 ** max(0, previous["attempts"] - 1))
        retry_at = now + wait * self.random.uniform(0.8, 1.2)
        first_failed = previous.get("first_failed_at") or iso(now)
        failure = {**done, "error": result.error, "first_failed_at": first_failed}
        if retry_at - datetime.fromisoformat(delivery["due_at"]) > outbox.give_up_after:
            return {**failure, "state": "gave_up", "next_attempt": None}
        return {**failure, "state": "failed", "next_attempt": iso(retry_at)}

    def drain(self, only: str | None = None) -> list[Record]:
        """Claim and send everything due, one delivery after another (for the CLI and tests)."""
        return [self.send_claimed(delivery) for delivery in self.claim(only)]

    def next_retry(self) -> datetime | None:
        times = [
            result["next_attempt"]
            for delivery in self.store.deliveries()
            if delivery["state"] == "pending"
            for result in delivery["channels"].values()
            if result["state"] == "failed" and result.get("next_attempt")
        ]
        return datetime.fromisoformat(min(times)) if times else None

    def send_now(self, nudge: Nudge) -> Record:
        """`halfway send`: record a manual fire and send it at once."""
        now = self.clock()
        fire = schedule.Fire(nudge.id, now, now)
        record = self.fire_record(nudge, fire, "pending")
        record["manual"] = True
        added = self.store.record_fires([record])
        finished = self.drain(only=added[0]["id"])
        return finished[0] if finished else added[0]

    # alerts and heartbeat ---------------------------------------------------

    def check_alerts(self) -> list[str]:
        """Say through another channel when one has failed for longer than alert_after."""
        now = self.clock()
        before: dict[str, str] = dict(self.store.meta().get("alerted", {}))
        alerted = dict(before)
        failing = failing_since(self.store.deliveries())
        messages = []
        for name, since in failing.items():
            if name in alerted or now - since < self.settings.outbox.alert_after:
                continue
            others = {
                n: urls
                for n, urls in self.settings.channels.items()
                if n != name and n not in failing
            }
            if not others:
                continue
            local = schedule.clock_text(since, self.settings.tz)
            text = (
                f"halfway has not been able to reach your '{name}' channel since {local}. "
                "Your nudges for it are waiting and will go out once it works again."
            )
            results = deliver.send(
                others,
                "halfway · a channel needs a look",
                text,
                self.settings.send_timeout.total_seconds(),
            )
            if any(r.ok for r in results.values()):
                alerted[name] = iso(now)
                messages.append(name)
                log.warning(
                    "channel %s failing since %s; told you through %s",
                    name,
                    iso(since),
                    ", ".join(others),
                )
        for name in list(alerted):
            if name not in failing:
                del alerted[name]  # it works again: a new outage alerts again
        if alerted != before:  # the safety tick runs this every 30 s: write only on change
            self.store.set_meta({"alerted": alerted})
        return messages

    def poll_mail(self) -> int:
        """Record the e-mail replies waiting in the [imap] mailbox; how many were handled."""
        settings = self.settings.imap
        if settings is None:
            return 0
        cfg = imap.ImapConfig(
            host=settings.host,
            port=settings.port,
            user=settings.user,
            password=settings.password,
            folder=settings.folder,
            tls=settings.tls,
            move_to=settings.move_to,
            timeout=self.settings.send_timeout.total_seconds(),
        )

        def handle(mail: imap.MailReply) -> bool:
            try:
                delivery = service.delivery_for(self.store, self.key, mail.token)
                reply, first = service.accept(
                    self.store,
                    delivery,
                    mail.value,
                    "email",
                    self.clock(),
                    note=mail.note,
                    message_id=mail.message_id,
                )
            except service.ReplyError as error:
                log.warning("an e-mail reply was not taken: %s", error.message)
                return False
            self.replied(delivery, reply, first)
            return True

        try:
            return imap.poll(
                cfg, handle, pattern=imap.token_link_pattern(self.settings.server.public_url)
            )
        except imap.ImapError as error:
            log.warning("could not read e-mail replies: %s", error)
            return 0

    def heartbeat(self) -> None:
        url = self.settings.heartbeat_url
        if not url:
            return
        try:
            with urllib.request.urlopen(url, timeout=10):  # noqa: S310 - the user's own http(s) URL
                pass
        except OSError as error:
            log.warning("heartbeat ping failed: %s", getattr(error, "reason", error))

    def replied(self, delivery: Record, reply: Record, first: bool) -> None:
        """A reply arrived (any way): log it; reminders for the delivery stop."""
        log.info(
            "reply to %s (%s) via %s%s",
            delivery["id"],
            delivery["nudge_id"],
            reply["via"],
            "" if first else ", changed",
        )


def push_of(delivery: Record) -> deliver.Push | None:
    """The tap target and reply buttons a push service can show for this delivery."""
    if not delivery.get("link"):
        return None
    shape = service.shape_of(delivery)
    buttons = tuple((label, code) for code, label in shape.choices) if shape.takes_reply else ()
    if delivery.get("offer_pause"):
        buttons = (*buttons[:2], ("Pause for a week", reminders.PAUSE_WEEK))
    return deliver.Push(click=delivery["link"], action_url=delivery["link"], buttons=buttons[:3])


def failing_since(deliveries: list[Record]) -> dict[str, datetime]:
    """Channels whose sends fail with no success since: when the failing began."""
    last_ok: dict[str, str] = {}
    first_bad: dict[str, str] = {}
    for delivery in deliveries:
        for name, result in delivery["channels"].items():
            if result["state"] == "sent" and result.get("sent_at"):
                last_ok[name] = max(last_ok.get(name, ""), result["sent_at"])
    for delivery in deliveries:
        for name, result in delivery["channels"].items():
            began = result.get("first_failed_at")
            if result["state"] in ("failed", "gave_up") and began and began > last_ok.get(name, ""):
                first_bad[name] = min(first_bad.get(name, began), began)
    return {name: datetime.fromisoformat(began) for name, began in first_bad.items()}


def describe_retry(change: Record) -> str:
    if change["state"] == "gave_up":
        return "giving up on this one"
    return f"next try at {change['next_attempt']}"
