"""The story `halfway demo-data` plays: the person's side of the weeks, as timed events
beside the real daemon's own wakes, on one simulated clock.

Each week is still or has movement from the partner (more of them as the weeks go on);
one week is busy (the evening check-ins go unanswered, and halfway eases off), in one
halfway is not running for a day and a half (fires missed or sent late). The person
logs initiations and gestures, answers most nudges a little after they arrive, makes
clear asks that the partner answers days later, and plans a few talks, one moved.
Every write goes through the functions the commands and the reply page use.
"""

from __future__ import annotations

import contextlib
import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from halfway.core import weeks
from halfway.core.instants import parse_instant
from halfway.ledger import asks, book
from halfway.replies import service
from halfway.talks import planning, rules
from halfway.words.language import N_, _

if TYPE_CHECKING:
    from halfway.config.models import Settings
    from halfway.engine.daemon import Daemon
    from halfway.store.database import Record

GESTURES = (
    N_("made tea without asking"),
    N_("asked about my day"),
    N_("sent a photo from their walk"),
    N_("sat with me while I cooked"),
    N_("remembered my appointment and asked how it went"),
    N_("put a blanket over me on the sofa"),
    N_("laughed at my joke at dinner"),
    N_("brought home my favourite bread"),
    N_("texted to say the train was late"),
    N_("said thank you for dinner"),
)
MINE = (
    N_("asked for twenty minutes after dinner"),
    N_("suggested a walk on Sunday"),
    N_("sent a message at lunch"),
    N_("asked how their week was going"),
    N_("proposed an evening without phones"),
)
THEIRS = (
    N_("suggested a film together"),
    N_("texted from work just to say hi"),
    N_("planned dinner out on Friday"),
    N_("asked if I wanted to go for a walk"),
)
ASKS = (
    N_("Twenty minutes on Saturday about what makes us feel close"),
    N_("A walk together on Sunday morning, phones at home"),
    N_("One evening this week without screens"),
    N_("Ten minutes after dinner to plan the weekend together"),
    N_("A time this week to talk about the holidays"),
)
BOUNDARIES = (
    N_("I ask once, calmly, and then let it rest"),
    N_("Thursday evenings are for my friends"),
    N_("I go to bed at eleven instead of waiting up"),
)
HURT = (  # what hurt or worried the person: shown in the digest, never counted as effort
    N_("a sharp word when I brought up the weekend"),
    N_("went quiet for the whole evening"),
    N_("made plans for both of us without asking"),
)
STRAINED = (
    N_("I nearly asked a third time"),
    N_("hard evening, but I kept to it"),
    N_("wavered a bit"),
)
CROSSED = (N_("I waited up again"), N_("I pushed for a talk when I was tired"))
NOTES = (
    N_("felt calmer this week"),
    N_("tired, but steady"),
    N_("a lot on at work for both of us"),
)
TOPICS = (
    N_("weekend time"),
    N_("the holidays"),
    N_("how we spend our evenings"),
    N_("feeling close again"),
)
DRAFT = N_("I feel close to you when we take time for us; I would love twenty minutes on Saturday.")
MOVEMENT = ("agreed_time", "acknowledged", "small_change")
CHOICES = frozenset(
    {*MOVEMENT, "none", "avoided", "refused", "held", "strained", "crossed", "ready"}
    | {"need_more_time"}
)  # answers given by a tap (push or the page); the rest are typed (the page or the CLI)
DONE_AFTER = timedelta(minutes=75)  # a talk is marked done this long after it began


class SimClock:
    """The simulated clock every unit of work is given."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class Week:
    monday: date
    moved: bool  # the partner moved this week (agreed a time, acknowledged, a small change)
    quiet: bool = False  # a busy week: the evening check-ins go unanswered for days
    down: bool = False  # halfway was not running for a day and a half


class Story:
    """The person's side, as timed events beside the daemon's own wakes."""

    def __init__(
        self, settings: Settings, daemon: Daemon, clock: SimClock, rng: random.Random
    ) -> None:
        self.settings, self.daemon, self.store = settings, daemon, daemon.store
        self.clock, self.rng = clock, rng
        # what the story gained later draws from a generator of its own, so the same
        # seed tells the same story as before, plus these
        self.later = random.Random(repr(rng.getstate()[1][:4]))  # noqa: S311 - a story
        self.events: list[tuple[datetime, int, Callable[[], None]]] = []
        self.seq = 0  # same-time events keep their order
        self.down: list[tuple[datetime, datetime]] = []
        self.weeks: dict[date, Week] = {}

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        self.seq += 1
        heapq.heappush(self.events, (when, self.seq, action))

    def local(self, day: date, minutes: int) -> datetime:
        moment = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.settings.tz)
        return moment.astimezone(UTC)

    def week(self) -> Week:
        monday = weeks.week_of(self.clock(), self.settings.tz)
        return self.weeks.get(monday) or Week(monday, False)

    # the plan -----------------------------------------------------------------

    def plan(self, count: int) -> None:
        r, first = self.rng, self.clock().astimezone(self.settings.tz).date()
        # a still start, then a slow, uneven thaw; at least one week of each
        moved = [
            r.random() < (0.1, 0.45, 0.65)[min(2, 3 * i // max(1, count))] for i in range(count + 1)
        ]
        if count >= 2:
            moved[0], moved[count // 2 + 1] = False, True
        quiet, down = count // 2, max(1, count * 2 // 3) if count >= 3 else -1
        for i in range(count + 1):  # the current week too, as far as it has come
            monday = first + timedelta(weeks=i)
            week = Week(monday, moved[i], quiet=i == quiet and count >= 2, down=i == down)
            self.weeks[monday] = week
            self.plan_week(week)
        first_still = next((w for w in self.weeks.values() if not w.moved), None)
        if first_still is not None:  # something hurt in the first still week, at least
            self.hurt_at(first_still)
        talks = max(1, count // 4)  # each in a whole week, never in this one
        for i in range(talks):  # the last of several was their idea: movement
            by = "partner" if talks > 1 and i == talks - 1 else None
            self.plan_talk(first + timedelta(weeks=(i + 1) * count // (talks + 1)), i == 0, by)
        if not self.settings.boundaries:
            self.at(self.local(first, 8 * 60), self.add_boundaries)

    def plan_week(self, week: Week) -> None:
        r, day = self.rng, week.monday
        for n, texts, by in (
            (r.randint(2, 3) if week.moved else r.randint(3, 5), MINE, "me"),
            (r.randint(1, 3) if week.moved else r.randint(0, 1), THEIRS, "partner"),
        ):
            for _time in range(n):
                self.log_at(week, "initiation", _(r.choice(texts)), by)
        for _time in range(r.randint(0, 2)):
            self.log_at(week, "gesture", _(r.choice(GESTURES)), "partner")
        if r.random() < 0.3:
            self.log_at(week, "note", _(r.choice(NOTES)), None)
        if not week.moved and self.later.random() < 0.3:  # something that hurt
            self.hurt_at(week)
        if r.random() < 0.3:  # an ask made face to face, noted with `halfway ask add`
            when = self.local(day + timedelta(days=r.randrange(7)), r.randint(9 * 60, 21 * 60))
            text = _(r.choice(ASKS))
            self.at(when, lambda: self.add_ask(text))
        if week.down:  # Wednesday morning to Thursday evening
            self.down.append(
                (
                    self.local(day + timedelta(2), 9 * 60),
                    self.local(day + timedelta(3), 21 * 60 + 30),
                )
            )
            self.at(self.down[-1][1], self.daemon.start_up)
        for offset in (0, 3):  # the daemon does it every few hours; the result is the same
            self.at(self.local(day + timedelta(days=offset), 3 * 60), self.compact)

    def log_at(self, week: Week, kind: str, text: str, by: str | None) -> None:
        day = week.monday + timedelta(days=self.rng.randrange(7))
        when = self.local(day, self.rng.randint(8 * 60, 21 * 60))
        self.at(when, lambda: self.log(kind, text, by))

    def hurt_at(self, week: Week) -> None:
        """Something that hurt, one evening of `week` (drawn from the later generator)."""
        later = self.later
        evening = week.monday + timedelta(days=later.randrange(7))
        when, text = self.local(evening, later.randint(17 * 60, 22 * 60)), _(later.choice(HURT))
        self.at(when, lambda: self.log("hurt", text, "partner"))

    def log(self, kind: str, text: str, by: str | None) -> None:
        """What `halfway log KIND TEXT [--by …]` writes."""
        book.add_entry(self.store, kind, text, by, self.clock())

    def plan_talk(self, monday: date, move: bool, by: str | None = None) -> None:
        """Planned on Tuesday for Saturday 19:00, with its chain; done after it. `by`
        partner: it was their idea."""
        topic = _(self.rng.choice(TOPICS))
        talk_at = self.local(monday + timedelta(days=5), 19 * 60)  # Saturday evening

        def add() -> None:
            talk = planning.add(self.store, self.settings, talk_at, topic, self.clock(), by=by)
            if move:  # on Thursday, to Sunday afternoon
                later = self.local(monday + timedelta(days=6), 17 * 60)
                when = self.local(monday + timedelta(days=3), 9 * 60)
                self.at(when, lambda: self.move(talk["id"], later))
            self.at(talk_at + DONE_AFTER, lambda: self.talk_done(talk["id"]))

        self.at(self.local(monday + timedelta(days=1), 12 * 60 + 30), add)

    # the person's actions ---------------------------------------------------------

    def move(self, talk_id: str, when: datetime) -> None:
        planning.move(self.store, self.settings, talk_id, when, self.clock())

    def talk_done(self, talk_id: str) -> None:
        talk = self.store.view().talk(talk_id)
        if talk is not None and talk["state"] == rules.PLANNED:
            when = parse_instant(talk["at"]) + DONE_AFTER
            if when > self.clock():  # it was moved: done after its new time
                self.at(when, lambda: self.talk_done(talk_id))
                return
            planning.done(self.store, talk_id, self.clock())

    def add_boundaries(self) -> None:
        for text in BOUNDARIES:
            book.add_boundary(self.store, _(text), self.clock())

    def add_ask(self, text: str) -> None:
        ask = book.add_ask(self.store, text, self.clock())
        self.answer_ask(ask["id"])

    def answer_ask(self, ask_id: str) -> None:
        """The partner's answer a day or three later, then sometimes a follow-up."""
        r, moved = self.rng, self.week().moved
        if r.random() < 0.15:
            return  # left as asked (it rests after a while)
        state = (
            asks.AGREED
            if moved and r.random() < 0.75
            else r.choice((asks.NO_ANSWER, asks.DECLINED))
        )
        later = self.clock() + timedelta(days=r.randint(1, 3), hours=r.randint(0, 6))
        self.at(later, lambda: self.update_ask(ask_id, state))
        if r.random() < (0.85 if state == asks.AGREED else 0.5):
            self.at(
                later + timedelta(days=r.randint(2, 4)),
                lambda: self.update_ask(ask_id, asks.FOLLOWED_UP),
            )

    def update_ask(self, ask_id: str, state: str) -> None:
        with contextlib.suppress(asks.AskError):  # a talk's reflection moved it on already
            book.update_ask(self.store, ask_id, state, self.clock())

    def compact(self) -> None:
        if not self.is_down(self.clock()):
            self.store.compact(self.clock())

    # the daemon's side ---------------------------------------------------------------

    def is_down(self, when: datetime) -> datetime | None:
        return next((end for start, end in self.down if start <= when < end), None)

    def run(self, until: datetime) -> None:
        """Step the clock to whatever comes next, the daemon's wake or the person's act."""
        while True:
            wake = self.daemon.plan()
            if wake is not None:
                wake = max(wake, self.clock())
                wake = self.is_down(wake) or wake
            event = self.events[0][0] if self.events else None
            if event is not None and (wake is None or event <= wake):
                if event > until:
                    break
                self.clock.now = max(self.clock.now, event)
                heapq.heappop(self.events)[2]()
            elif wake is not None and wake <= until:
                self.clock.now = wake
                sent = self.daemon.run_once()
                if not sent and self.daemon.plan() == wake:
                    self.clock.now += timedelta(minutes=1)  # nothing to do there after all
                for delivery in sent:
                    self.react(delivery)
            else:
                break
        self.clock.now = until

    def react(self, delivery: Record) -> None:
        """Perhaps answer a nudge just sent, a little later."""
        if delivery.get("reminder_of"):
            return
        answer = self.answer(str(delivery.get("kind")))
        if answer is None:
            return
        value, note, scale = answer
        tapped = value in CHOICES and note is None and scale is None  # a button can do it
        via = self.rng.choice(("push", "web") if tapped else ("web", "web", "cli"))
        later = self.clock() + timedelta(minutes=self.rng.randint(3, 90))
        self.at(later, lambda: self.reply(delivery["id"], value, via, note, scale))

    def answer(self, kind: str) -> tuple[str, str | None, str | None] | None:
        r, week = self.rng, self.week()
        moved = week.moved
        if kind == "gesture_log":
            if (week.quiet and self.clock().weekday() < 5) or r.random() < 0.15:
                return None
            return (
                _(r.choice(GESTURES)) if r.random() < (0.85 if moved else 0.45) else "none",
                None,
                None,
            )
        if kind == "boundary":
            value = r.choices(("held", "strained", "crossed"), (7, 2, 1) if moved else (5, 3, 2))[0]
            note = {"strained": r.choice(STRAINED), "crossed": r.choice(CROSSED)}.get(value)
            return value, _(note) if note else None, None
        if kind == "pattern_review":
            if r.random() < 0.12:
                return None
            value = r.choice(MOVEMENT) if moved else "none"
            scale = r.randint(2, 3) if moved else r.randint(3, 5)
            return value, _(r.choice(NOTES)) if r.random() < 0.5 else None, str(scale)
        if kind == "talk_reflection":
            value = r.choice(MOVEMENT) if moved else r.choice(("avoided", "none", "refused"))
            return value, _(r.choice(NOTES)), None
        if kind == "clarity_ask":
            return (_(r.choice(ASKS)), None, None) if r.random() < 0.7 else None
        if kind == "reframe":
            return (_(DRAFT), None, None) if r.random() < 0.7 else None
        if kind == "self_regulation":
            return r.choice(("ready", "ready", "need_more_time")), None, None
        return None  # the care nudges are read, not answered, here

    def reply(
        self, delivery_id: str, value: str, via: str, note: str | None, scale: str | None
    ) -> None:
        delivery = self.store.view().delivery(delivery_id)
        if delivery is None:
            return
        try:
            service.accept(self.store, dict(delivery), value, via, self.clock(), note, scale)
        except service.ReplyError:
            return
        if delivery.get("kind") == "clarity_ask":
            made = [a for a in self.store.view().asks() if a.get("delivery_id") == delivery_id]
            for ask in made:  # a draft, said a little later, then answered
                self.update_ask(ask["id"], asks.ASKED)
                self.answer_ask(ask["id"])
