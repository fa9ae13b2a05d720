"""Deciding and recording fires: units of work a test calls with its own clock.

- `start_up()`: give every nudge its cursor (a changed schedule counts anew).
- `tick()`: write down the asks come to rest (`[asks] rest_after`); then from each
  nudge's cursor, find the fires that have come due, decide which one to send
  (catch-up window, quiet hours, pauses, back-off, one ask at a time), and record
  it with the missed or skipped ones, in one write. The hot file's cursors, not
  APScheduler's memory, are the record of what fired, so one code path covers a
  normal fire, a restart after downtime and a clock that jumped.
- `remind()`: record the reminders and snoozes that are due (a pause drops them).
- `next_wake()`: when any of this next has something to do.
Everything reads the hot file only: its cost does not grow with history.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from itertools import islice
from typing import Protocol

from halfway.config.models import Nudge, Settings
from halfway.core import clockjump, cursors, deliveries, kinds, reminders, schedule, tokens, unsent
from halfway.core.deliveries import MISSED, PENDING, SKIPPED
from halfway.core.instants import format_instant, parse_instant
from halfway.core.reasons import ASK_WAITING, BACKOFF, PAUSED
from halfway.core.records import Delivery, NamedBoundary
from halfway.engine import reminding, rewinding
from halfway.ledger.book import nudge_fields, on_fire, rest_asks, sync_boundaries
from halfway.store.database import Record, Store, View, new_id
from halfway.talks import planning

log = logging.getLogger("halfway")
Fields = Mapping[str, str | None]  # words put into a text, e.g. a talk's topic


class Player(Protocol):
    """A story played into the passes: the built-in demo (`halfway run --demo`), which
    answers the first nudges as if tapped and explains each event. The command plugs
    it in, so that the engine does not import the demo."""

    def answer(self, store: Store, now: datetime) -> int: ...
    def this_run(self, history: list[Record]) -> list[Record]: ...
    def explain(self, record: Delivery | Record) -> str: ...


class Planner:
    """Fires and reminders, from cursor to recorded delivery."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], datetime],
        key: bytes,
        demo: Callable[[datetime], Player] | None = None,
        jumped: Callable[[], list[clockjump.Span]] = list,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.key = key
        self.jumped = jumped  # the wall time jumps ahead passed over while it ran (daemon)
        # nudge id -> (the `since` it was computed from, that nudge's next fire after it)
        self._next: dict[str, tuple[datetime, schedule.Fire | None]] = {}
        # `halfway run --demo`: it answers the first nudges and explains each event
        self.demo = demo(clock()) if demo else None
        # the words, with the config's [words.<kind>] over them (checked when it was read)
        self.catalogue = kinds.with_overrides(settings.words)
        self.broken: set[str] = set()  # nudges whose times overflow: logged once, skipped

    @contextmanager
    def alone(self, nudge: Nudge) -> Iterator[None]:
        """Around one nudge's sums: a value that overflows (the config bounds every one, so
        it should never) skips that nudge, logged once; the other nudges go on."""
        try:
            yield
        except OverflowError as error:
            if nudge.id not in self.broken:
                self.broken.add(nudge.id)
                log.error("nudge %s is skipped: its times overflow (%s)", nudge.id, error)

    # cursors -------------------------------------------------------------------

    def start_up(self) -> None:
        """Give each nudge a cursor; a schedule edited since the last run counts from now."""
        now = self.clock()
        sync_boundaries(self.store, [(b.id, b.text) for b in self.settings.boundaries], now)
        view = self.store.view()
        changes = []
        for nudge in self.settings.nudges:
            new = cursors.adopt(view.get("nudges", nudge.id), nudge, self.settings.timezone, now)
            if new is not None:
                changes.append(new)
        if changes:
            with self.store.transaction() as tx:
                for cursor in changes:
                    tx.put("nudges", cursor)
        for cursor in changes:
            if cursor.get("last") is None and view.cursor(cursor["id"]):
                log.info("the schedule of %s changed; it counts from now", cursor["id"])

    def since(self, nudge: Nudge, view: View) -> datetime:
        return cursors.since(view.get("nudges", nudge.id), nudge, self.settings.tz, self.clock())

    def cursor_times(self) -> dict[str, datetime]:
        """Each nudge's cursor, for showing upcoming fires the way they will fire."""
        view = self.store.view()
        return {n.id: self.since(n, view) for n in self.settings.nudges}

    # unit of work: fires -------------------------------------------------------

    def next_fire(self, nudge: Nudge, since: datetime) -> schedule.Fire | None:
        """The first fire after `since`, remembered until the cursor moves; none for a
        nudge skipped because its times overflow (until a reload brings a new planner)."""
        if nudge.id in self.broken:
            return None
        known = self._next.get(nudge.id)
        if known is None or known[0] != since:
            zone, quiet = self.settings.tz, self.settings.quiet_hours
            known = (since, None)
            with self.alone(nudge):
                done = clockjump.recorded(self.store.view().records("deliveries"), nudge.id, since)
                ahead = islice(schedule.fires(nudge, zone, quiet, since, since), len(done) + 1)
                known = (since, next((f for f in ahead if f.scheduled_for not in done), None))
            self._next[nudge.id] = known
        return known[1]

    def tick(self) -> list[Delivery]:
        """Record what has come due for every nudge, in one write; return the new records."""
        now = self.clock()
        rewinding.rewind(self.store, self.settings, now)  # after a clock set back
        if schedule.quiet_end(now, self.settings.tz, self.settings.quiet_hours):
            return []  # catch-up waits for the morning, never 3 a.m.
        for ask in rest_asks(self.store, self.settings.asks.rest_after, now):
            log.info(
                "ask %s rests: no change for %s", ask["id"], ask["history"][-1]["rested_after"]
            )
        if self.demo:
            self.demo.answer(self.store, now)
        view = self.store.view()
        due = []
        for nudge in self.settings.nudges:
            fire = self.next_fire(nudge, self.since(nudge, view))
            if fire is not None and fire.due_at <= now:
                due.append(nudge)
        if not due:
            return []
        return self.record(due, now, view)

    def record(self, due: list[Nudge], now: datetime, view: View) -> list[Delivery]:
        plans: dict[str, tuple[list[Delivery], datetime]] = {}
        for nudge in due:
            with self.alone(nudge):
                plans[nudge.id] = self.decide(nudge, now, view)
        added: list[Delivery] = []
        with self.store.transaction() as tx:
            for nudge in (n for n in due if n.id in plans):
                cursor = tx.get("nudges", nudge.id) or cursors.fresh(nudge.id, now)
                records, last = plans[nudge.id]
                if cursor.get("last") and parse_instant(cursor["last"]) >= last:
                    continue  # another process recorded these already
                for record in records:
                    tx.put("deliveries", record)
                    on_fire(tx, record)  # a boundary it names was asked
                    added.append(record)
                tx.put("nudges", {**cursor, "last": format_instant(last)})
        for record in added:
            self.log_fire(record)
        return added

    def decide(self, nudge: Nudge, now: datetime, view: View) -> tuple[list[Delivery], datetime]:
        """The records for `nudge`'s due fires, and the last fire they account for."""
        zone, quiet = self.settings.tz, self.settings.quiet_hours
        since = self.since(nudge, view)
        every, older = schedule.due_fires(nudge, zone, quiet, since, now)
        # fires recorded before a clock went back are never recorded again
        done = clockjump.recorded(view.records("deliveries"), nudge.id, since)
        due = [fire for fire in every if fire.scheduled_for not in done]
        pauses = cursors.pauses({c["id"]: c for c in view.records("nudges")}, nudge.id)
        decision = schedule.decide(due, now, nudge.catch_up, pauses, older)
        records: list[Delivery] = []
        if decision.missed:
            jumped = self.jumped()
            reason = unsent.missed_reason(decision, nudge.catch_up, zone, quiet, jumped)
            missed, older = decision.missed, decision.older_missed
            gap = self.gap_record(nudge, missed, MISSED, older, reason)
            if older:
                gap["after"] = format_instant(since)  # see clockjump
            records.append(gap)
        if decision.skipped:
            records.append(self.gap_record(nudge, decision.skipped, SKIPPED, 0, PAUSED))
        if decision.send:
            records.append(self.fire_or_back_off(nudge, decision.send, decision.late, view))
        records.sort(key=lambda r: parse_instant(r["scheduled_for"]))
        return records, every[-1].scheduled_for

    def fire_or_back_off(
        self, nudge: Nudge, fire: schedule.Fire, late: bool, view: View
    ) -> Delivery:
        """The fire to send, unless an ask said still waits for its answer (a clarity ask,
        one at a time) or several unanswered in a row say to ease off this time."""
        if planning.ask_waits(self.settings, nudge.kind, view, self.clock()):
            return self.gap_record(nudge, (fire,), SKIPPED, 0, ASK_WAITING)
        history = sorted(
            (d for d in view.records("deliveries") if d["nudge_id"] == nudge.id),
            key=lambda d: parse_instant(d["scheduled_for"]),
        )
        if self.demo:  # each demo run starts afresh, whatever an earlier one left unanswered
            history = self.demo.this_run(history)
        answered = {r["delivery_id"] for r in view.replies()}
        skip, offer = reminders.backing_off(history, answered)
        if skip:
            unanswered = unsent.unanswered(history, answered)
            return self.gap_record(nudge, (fire,), SKIPPED, 0, BACKOFF, unanswered)
        return self.fire_record(nudge, fire, late, offer_pause=offer)

    def gap_record(
        self,
        nudge: Nudge,
        fires: tuple[schedule.Fire, ...],
        state: str,
        older: int,
        reason: str,
        unanswered: int = 0,
    ) -> Delivery:
        """One record for fires decided without sending: their count and span, and why."""
        channels = list(self.settings.channels_of(nudge.channels))
        now = self.clock()
        return unsent.record(
            new_id("d"), nudge, fires, state, older, channels, now, reason, unanswered
        )

    def fire_record(
        self,
        nudge: Nudge,
        fire: schedule.Fire,
        late: bool = False,
        offer_pause: bool = False,
        fields: Fields | None = None,
    ) -> Delivery:
        """A delivery to send: the words, the message that leaves, the reply it takes."""
        delivery_id = new_id("d")
        extra: NamedBoundary = {}
        if fields is None and (nudge.text is None or "{boundary}" in nudge.text):
            # a boundary nudge names one boundary (see ledger); its own words name none
            fields, extra = nudge_fields(self.store.view(), nudge.kind)
        words_title, words = kinds.render(
            nudge.kind,
            nudge.text,
            seed=delivery_id,
            fields=fields,
            catalogue=self.catalogue,
            helpline=self.settings.care.helpline,
            record_partner=self.settings.partner.record,
        )
        shape = kinds.shape(
            nudge.kind,
            nudge.choices,
            nudge.reply,
            catalogue=self.catalogue,
            record_partner=self.settings.partner.record,
        )
        discreet = self.settings.discreet
        link = f"{self.settings.server.public_url}/r/{tokens.make(self.key, delivery_id)}"
        title, body = kinds.message(
            words_title,
            words,
            link if shape.takes_reply or discreet or offer_pause else None,
            discreet,
            offer_pause=offer_pause,
            discreet_title=self.settings.discreet_title,
        )
        return deliveries.new_delivery(
            delivery_id,
            nudge.id,
            nudge.kind,
            fire.scheduled_for,
            fire.due_at,
            self.clock(),
            PENDING,
            self.settings.channels_of(nudge.channels),
            expires_at=fire.due_at + nudge.reply_window,
            late=late,
            words_title=words_title,
            words=words,
            title=title,
            body=body,
            link=link,
            reply=kinds.stored_shape(shape),
            offer_pause=offer_pause,
            discreet=discreet,  # its push then carries no choice (outbox.push_of)
            **extra,
        )

    def tick_talks(self) -> list[Delivery]:
        """Record the chain steps of planned talks that have come due (see talks/planning)."""
        now = self.clock()
        if schedule.quiet_end(now, self.settings.tz, self.settings.quiet_hours):
            return []  # a step due in quiet hours waits for their end
        added = planning.record_due(self.store, self.settings, now, self.fire_record)
        for record in added:
            self.log_fire(record)
        return added

    def manual(self, nudge: Nudge) -> Delivery:
        """`halfway send`: record a fire of `nudge` for now, outside its schedule."""
        now = self.clock()
        record = self.fire_record(nudge, schedule.Fire(nudge.id, now, now))
        record["manual"] = True
        with self.store.transaction() as tx:
            tx.put("deliveries", record)
            on_fire(tx, record)
        return record

    def log_fire(self, record: Delivery) -> None:
        if record["state"] == PENDING:
            log.info(
                "fire %s (%s) scheduled %s%s%s",
                record["nudge_id"],
                record["kind"],
                record["scheduled_for"],
                ", late" if record["late"] else "",
                ", offering a pause" if record.get("offer_pause") else "",
            )
        else:
            log.info("fire %s %s", record["nudge_id"], unsent.log_text(record))
        if self.demo:
            log.info("  ↳ %s", self.demo.explain(record))

    # unit of work: asking again ------------------------------------------------

    def remind(self) -> datetime | None:
        """Record the reminders and snoozes due (as skipped those a pause holds): when next."""
        now = self.clock()
        quiet_end = schedule.quiet_end(now, self.settings.tz, self.settings.quiet_hours)
        if quiet_end:
            return quiet_end  # reminders wait for the morning too
        view = self.store.view()
        due_now, upcoming = reminding.due(self.settings, view, now)
        if due_now:
            known = {deliveries.identity(d) for d in view.deliveries()}
            rows = {row["id"]: row for row in view.records("nudges")}
            records = [
                reminding.skipped(d, when, now, reason)
                if reminding.held(d, rows, when, now)
                else reminding.record(self.settings, d, now, reason)
                for d, reason, when in due_now
            ]
            records = [r for r in records if deliveries.identity(r) not in known]
            with self.store.transaction() as tx:
                for record in records:
                    tx.put("deliveries", record)
            for record in records:
                said = record.get("why") if record["state"] == SKIPPED else record["reason"]
                log.info(
                    "reminder for %s (%s): %s", record["reminder_of"], record["nudge_id"], said
                )
                if self.demo:
                    log.info("  ↳ %s", self.demo.explain(record))
        return min(upcoming, default=None)

    def next_reminder(self) -> datetime | None:
        """When the next reminder or snooze is due (not before quiet hours end)."""
        now = self.clock()
        due_now, upcoming = reminding.due(self.settings, self.store.view(), now)
        first = now if due_now else min(upcoming, default=None)
        if first is None:
            return None
        return schedule.quiet_end(first, self.settings.tz, self.settings.quiet_hours) or first

    # when next --------------------------------------------------------------------

    def next_wake(self, nudge: Nudge) -> datetime | None:
        """When `nudge` next needs a tick: its next due fire, or the end of quiet hours."""
        now = self.clock()
        quiet_end = schedule.quiet_end(now, self.settings.tz, self.settings.quiet_hours)
        if quiet_end:
            return quiet_end  # nothing is sent before then; a waiting catch-up goes then
        fire = self.next_fire(nudge, self.since(nudge, self.store.view()))
        if fire is None:
            return None
        return fire.due_at if fire.due_at > now else now

    def first_fire(self) -> datetime | None:
        """The next instant a nudge or a talk step fires: what the start line and
        /healthz show (the next wake may be earlier, e.g. the end of quiet hours)."""
        view = self.store.view()
        fires = [self.next_fire(n, self.since(n, view)) for n in self.settings.nudges]
        times = [f.due_at for f in fires if f is not None]
        step = planning.next_due(view, self.settings, self.clock())
        return min([*times, step] if step else times, default=None)

    def next_fires(self) -> dict[str, datetime]:
        """Each nudge's next wake, and the talks' steps' as 'talk:' (none ahead: left out)."""
        wakes = {n.id: self.next_wake(n) for n in self.settings.nudges}
        wakes["talk:"] = planning.next_due(self.store.view(), self.settings, self.clock())
        return {nudge_id: when for nudge_id, when in wakes.items() if when is not None}
