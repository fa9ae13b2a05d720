"""Planned talks, as pure rules: the talk record and its life, and the chain of
nudges a talk plans (clarity ask and reframe the evening before, self-regulation
just before, reflection after).

Nothing here reads the clock or the disk: every rule takes `now` and the zone.
Stored instants are ISO text in UTC (`instants.format_instant`). Offsets such as "60 minutes
before" are real elapsed time; "the evening before at 19:00" is a wall time in
the zone, so it stays at 19:00 across a change of daylight saving.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import cast

from halfway.config.models import Nudge
from halfway.config.practices import Talks
from halfway.config.values import Kind
from halfway.core import plaintext
from halfway.core.instants import format_instant, parse_instant
from halfway.core.records import HistoryEntry, Talk
from halfway.talks.when import local_instant
from halfway.words import invoked
from halfway.words.language import N_, _

# A talk's states, and the history entry of a move.
PLANNED = "planned"
DONE = "done"
CANCELLED = "cancelled"
MOVED = "moved"

# The kinds of the chain's steps (the practices of the same names).
CLARITY_ASK = "clarity_ask"
REFRAME = "reframe"
SELF_REGULATION = "self_regulation"
TALK_REFLECTION = "talk_reflection"

# What becomes of a step when a talk is planned or moved.
SEND_LATER = "planned"  # its time is ahead
SEND_NOW = "now"  # its time has passed, but there is still time before the talk
LEFT_OUT = "left_out"  # too late to be of use; `reason` says why

MAX_TOPIC = 200


class TalkError(ValueError):
    """A change a talk cannot take; its text is one calm line, fit to show the user."""


class NotBegun(TalkError):
    """A talk marked done before its time without saying it was early; `at` is its time."""

    def __init__(self, talk_id: str, when: datetime) -> None:
        super().__init__(_("talk {id} has not begun yet").format(id=talk_id))
        self.at = when


# the chain --------------------------------------------------------------------


@dataclass(frozen=True)
class ChainStep:
    """One nudge of a talk's chain and when it comes: `offset` from the talk
    (negative: before it), or the day before the talk at the wall time
    `evening_before_at`. A step before the talk whose time has passed when the talk
    is planned is still sent at once until `latest_before` the talk."""

    kind: str
    offset: timedelta | None = None
    evening_before_at: time | None = None
    latest_before: timedelta = field(default=timedelta(0))

    def __post_init__(self) -> None:
        if (self.offset is None) == (self.evening_before_at is None):
            raise ValueError(f"{self.kind}: give either an offset or an evening-before time")
        if not self.kind or ":" in self.kind:
            raise ValueError(f"{self.kind!r} is not a step kind")
        if self.latest_before < timedelta(0):
            raise ValueError(f"{self.kind}: latest_before cannot be negative")

    @classmethod
    def before(
        cls, kind: str, span: timedelta, latest_before: timedelta = timedelta(0)
    ) -> ChainStep:
        return cls(kind, offset=-_positive(kind, span), latest_before=latest_before)

    @classmethod
    def after(cls, kind: str, span: timedelta) -> ChainStep:
        return cls(kind, offset=_positive(kind, span))

    @classmethod
    def evening_before(
        cls, kind: str, clock: time, latest_before: timedelta = timedelta(0)
    ) -> ChainStep:
        return cls(kind, evening_before_at=clock, latest_before=latest_before)

    def due(self, talk_at: datetime, zone: tzinfo) -> datetime:
        """When this step is due for a talk at `talk_at` (aware), in UTC."""
        if self.offset is not None:
            return talk_at.astimezone(UTC) + self.offset  # elapsed time, not wall time
        assert self.evening_before_at is not None
        eve = talk_at.astimezone(zone).date() - timedelta(days=1)
        return local_instant(eve, self.evening_before_at, zone).at.astimezone(UTC)


def _positive(kind: str, span: timedelta) -> timedelta:
    if span < timedelta(0):
        raise ValueError(f"{kind}: a span before or after the talk cannot be negative")
    return span


# The evening-before steps are worth little in the last two hours: by then the
# talk is close and one grounding nudge (self-regulation) is enough.
DEFAULT_CHAIN: tuple[ChainStep, ...] = (
    ChainStep.evening_before(CLARITY_ASK, time(19, 0), latest_before=timedelta(hours=2)),
    ChainStep.evening_before(REFRAME, time(19, 30), latest_before=timedelta(hours=2)),
    ChainStep.before(SELF_REGULATION, timedelta(minutes=60)),
    ChainStep.after(TALK_REFLECTION, timedelta(hours=2)),
)


@dataclass(frozen=True)
class Step:
    """One step of a talk's chain, decided: SEND_LATER at `due_at`, SEND_NOW, or LEFT_OUT."""

    kind: str
    due_at: datetime  # aware, UTC
    decision: str
    reason: str | None = None


def plan_chain(
    talk_at: datetime, now: datetime, zone: tzinfo, steps: Iterable[ChainStep] = DEFAULT_CHAIN
) -> list[Step]:
    """The chain of a talk at `talk_at`, as seen at `now`, in the order of their times."""
    if talk_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("a talk's time and now must be timezone-aware")
    chain = list(steps)
    kinds = [step.kind for step in chain]
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"a chain names each kind once: {kinds}")
    talk, now = talk_at.astimezone(UTC), now.astimezone(UTC)
    planned = [_decide(step, step.due(talk, zone), talk, now) for step in chain]
    return sorted(planned, key=lambda step: step.due_at)


def _decide(step: ChainStep, due: datetime, talk: datetime, now: datetime) -> Step:
    if due > now:
        return Step(step.kind, due, SEND_LATER)
    if due > talk:
        return Step(step.kind, due, LEFT_OUT, N_("its time has already passed"))
    if now >= talk:
        return Step(step.kind, due, LEFT_OUT, N_("the talk has already begun"))
    if talk - now < step.latest_before:
        # kept in English; talks/display reads it in the language of the moment
        why = f"the talk is less than {_span(step.latest_before)} away, too close for this one"
        return Step(step.kind, due, LEFT_OUT, why)
    return Step(step.kind, due, SEND_NOW)


def _span(span: timedelta) -> str:
    minutes = int(span.total_seconds()) // 60
    if minutes % 60:
        return f"{minutes} minutes" if minutes != 1 else "1 minute"
    hours = minutes // 60
    return f"{hours} hours" if hours != 1 else "1 hour"


# a step's identity ---------------------------------------------------------------


def step_id(talk_id: str, kind: str) -> str:
    """The stable identity of one step of one talk, e.g. 'talk:t_1a2b3c:clarity_ask'.

    It has a ':' and a '_', which no nudge id of the config may have, so it never
    collides with one."""
    if not talk_id or ":" in talk_id or not kind or ":" in kind:
        raise ValueError(f"cannot name a step of talk {talk_id!r} and kind {kind!r}")
    return f"talk:{talk_id}:{kind}"


# the talk record -------------------------------------------------------------------


def new_talk(
    talk_id: str, when: datetime, topic: str | None, now: datetime, by: str | None = None
) -> Talk:
    """A talk planned for `when` (aware, after `now`) about `topic` (optional); `by` is
    kept only as "partner" (the partner began it)."""
    _ahead(when, now)
    talk: Talk = {
        "id": talk_id,
        "at": format_instant(when),
        "topic": _topic(topic),
        "state": PLANNED,
        "history": [{"state": PLANNED, "at": format_instant(now)}],
        "created_at": format_instant(now),
    }
    if by == "partner":
        talk["by"] = by
    return talk


def moved(talk: Talk, new_at: datetime, now: datetime) -> Talk:
    """The talk at a new time; it stays planned and its history keeps the move."""
    _still_planned(talk, "moved")
    _ahead(new_at, now)
    if parse_instant(talk["at"]) == new_at.astimezone(UTC):
        raise TalkError(_("talk {id} is already at that time").format(id=talk["id"]))
    entry: HistoryEntry = {
        "state": MOVED,
        "at": format_instant(now),
        "from": talk["at"],
        "to": format_instant(new_at),
    }
    return {**talk, "at": format_instant(new_at), "history": [*talk["history"], entry]}


def cancelled(talk: Talk, now: datetime) -> Talk:
    """The talk called off."""
    _still_planned(talk, "cancelled")
    return _to(talk, CANCELLED, now)


def done(talk: Talk, now: datetime, early: bool = True) -> Talk:
    """The talk has taken place. It may be marked so before its planned time (it came
    sooner) only with `early`; else that is NotBegun."""
    _still_planned(talk, "marked done")
    if not early and now.astimezone(UTC) < parse_instant(talk["at"]):
        raise NotBegun(talk["id"], parse_instant(talk["at"]))
    return _to(talk, DONE, now)


def _to(talk: Talk, state: str, now: datetime) -> Talk:
    entry: HistoryEntry = {"state": state, "at": format_instant(now)}
    return {**talk, "state": state, "history": [*talk["history"], entry]}


def _still_planned(talk: Talk, change: str) -> None:
    """Only a planned talk can change; anything else is refused with one calm line."""
    state, talk_id = talk["state"], talk["id"]
    if state == PLANNED:
        return
    words = REFUSED.get((state, change))
    if words is None:
        raise TalkError(
            f"talk {talk_id} is in an unknown state ({state}), so it cannot be {change}"
        )
    raise TalkError(_(words).format(id=talk_id, command=invoked.command("talk add")))


# What a talk no longer planned says to a change: (its state, the change) -> words.
REFUSED = {
    (CANCELLED, "cancelled"): N_("talk {id} is already cancelled"),
    (DONE, "marked done"): N_("talk {id} is already marked done"),
    (CANCELLED, "moved"): N_(
        "talk {id} was cancelled, so it cannot be moved; plan a new one with '{command}'"
    ),
    (CANCELLED, "marked done"): N_("talk {id} was cancelled, so it cannot be marked done"),
    (DONE, "moved"): N_(
        "talk {id} has already taken place, so it cannot be moved; plan a new one with '{command}'"
    ),
    (DONE, "cancelled"): N_("talk {id} has already taken place, so it cannot be cancelled"),
}


def _ahead(when: datetime, now: datetime) -> None:
    if when.tzinfo is None:
        raise ValueError("a talk's time must be timezone-aware")
    if when.astimezone(UTC) <= now.astimezone(
        UTC
    ):  # in UTC: one zone's wall clocks are blind to fold
        raise TalkError(_("that time has already passed"))


def _topic(topic: str | None) -> str | None:
    if topic is None:
        return None
    text = " ".join(plaintext.clean(topic).split())  # one line, nothing that acts
    if len(text) > MAX_TOPIC:
        raise TalkError(
            _("a topic is at most {max} characters; this one has {count}").format(
                max=MAX_TOPIC, count=len(text)
            )
        )
    return text or None


def step_nudge(conf: Talks, talk_id: str, kind: str) -> Nudge:
    """A step as the nudge its delivery is made from. Built without the config's checks:
    a step's id ('talk:t_…:reframe') is one no nudge of the config may take."""
    return Nudge.model_construct(
        id=step_id(talk_id, kind),
        kind=cast(Kind, kind),
        channels=list(conf.channels),
        reply_window=conf.reply_window,
        text=None,
        choices=None,
        reply=None,
        catch_up=conf.reply_window,
        remind_after=None,
        remind_max=0,
        snooze=timedelta(hours=1),
    )
