"""The ask ledger, as pure rules: one clear ask at a time, and what came of it.

An ask is a record in the `asks` table:
`{id, text, state, at, history: [{state, at, delivery_id?, rested_after?}], delivery_id?,
talk_id?}`. `at` is when it was written; `delivery_id` is the `clarity_ask` delivery
whose reply wrote it, `talk_id` the talk that delivery belonged to. When it last
changed is its last history entry's `at`.

Its life:
- `draft`: written down (a clarity-ask reply), not yet said. Just for the person:
  a draft is never marked declined or unanswered, and nothing waits on it.
- `asked`: said to the partner, waiting for an answer. Older versions stored this
  as `made`; every reader takes `made` as `asked` (`read`), and a record is written
  with the new name the next time it changes. No upgrade pass is needed.
- `agreed`, `declined`, `no_answer`: the partner's response. A response can be
  corrected (a "no answer" may turn into a yes a few days later).
- `resting`: set down. A draft or an asked ask with no change for `[asks] rest_after`
  rests on its own (`rest_due`), dated at the instant it came to rest; the person
  can rest any open ask at once. A resting ask can be taken up again.
- `followed_up`: closes the ask.

A `talk_reflection` reply moves the talk's *asked* asks on (drafts are skipped). The
one mapping, from the reflection's choice to the ask's new state (`REFLECTION`):

- `agreed_time`, `small_change` → `agreed` (the partner said yes, or moved);
- `refused` → `declined`;
- `avoided`, `none` → `no_answer`;
- `acknowledged` → no change: acknowledging feelings is not an answer to the
  ask itself; the person can say so with `halfway ask update`.

A draft becomes `asked` when the person says it was said: "I have said it" on the
clarity ask's, the talk reflection's or the weekly review's page (`said_here`), or
`halfway ask update ID asked`. Marked from a reflection's page, the reflection's own
answer then applies to it too.

Nothing here reads the clock or the disk; stored instants are `instants.format_instant` UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TypeVar

from halfway.core import plaintext
from halfway.core.instants import format_instant, parse_instant
from halfway.core.rawjson import Record
from halfway.core.records import Ask, AskStep, Delivery
from halfway.words import invoked
from halfway.words.language import _

DRAFT = "draft"
ASKED = "asked"
AGREED = "agreed"
DECLINED = "declined"
NO_ANSWER = "no_answer"
RESTING = "resting"
FOLLOWED_UP = "followed_up"
STATES = (DRAFT, ASKED, AGREED, DECLINED, NO_ANSWER, RESTING, FOLLOWED_UP)
MADE = "made"  # what versions before drafts stored for `asked`; read as ASKED
LEGACY = {MADE: ASKED}
RESTS_ON_ITS_OWN = (DRAFT, ASKED)  # what rests after `rest_after` without change
REST_AFTER = timedelta(days=21)

# state -> the states it may move to (a resting ask: see `allowed`)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    DRAFT: (ASKED, RESTING),
    ASKED: (AGREED, DECLINED, NO_ANSWER, RESTING),
    AGREED: (DECLINED, NO_ANSWER, RESTING, FOLLOWED_UP),
    DECLINED: (AGREED, NO_ANSWER, RESTING, FOLLOWED_UP),
    NO_ANSWER: (AGREED, DECLINED, RESTING, FOLLOWED_UP),
    RESTING: (ASKED, AGREED, DECLINED, NO_ANSWER, FOLLOWED_UP),
    FOLLOWED_UP: (),
}

# a talk_reflection choice -> the state it moves an asked ask to (missing: no change)
REFLECTION: dict[str, str] = {
    "agreed_time": AGREED,
    "small_change": AGREED,
    "refused": DECLINED,
    "avoided": NO_ANSWER,
    "none": NO_ANSWER,
}

MAX_TEXT = 2000

# An ask as it was read: typed (`tx.asks()`), or raw JSON (the archives, export); the
# rules that read or change one give back the kind they were given.
A = TypeVar("A", Ask, Record)


class AskError(ValueError):
    """A change an ask cannot take; its text is one calm line, fit to show the user."""


def text_of(text: str) -> str:
    """The ask's words, plain (see `plaintext`) and checked: not empty, not longer than
    MAX_TEXT."""
    words = plaintext.clean(text or "").strip()
    if not words:
        raise AskError(_("an ask needs a few words"))
    if len(words) > MAX_TEXT:
        raise AskError(
            _("an ask is at most {max} characters; this one has {count}").format(
                max=MAX_TEXT, count=len(words)
            )
        )
    return words


def named(state: str) -> str:
    """The state a person typed or picked, with today's name (`made` is `asked`); AskError
    naming the states an ask can be moved to when it is none of them."""
    state = LEGACY.get(state, state)  # `made`, as older versions said
    if state not in STATES:
        raise AskError(not_a_state(state, STATES[1:]))
    return state


def new_ask(
    ask_id: str,
    text: str,
    now: datetime,
    delivery_id: str | None = None,
    talk_id: str | None = None,
    state: str = ASKED,
) -> Ask:
    """An ask just written: `asked` (said already), or a `draft`."""
    ask: Ask = {
        "id": ask_id,
        "text": text_of(text),
        "state": state,
        "at": format_instant(now),
        "history": [{"state": state, "at": format_instant(now)}],
    }
    if delivery_id:
        ask["delivery_id"] = delivery_id
    if talk_id:
        ask["talk_id"] = talk_id
    return ask


# reading: older names, and resting on its own ---------------------------------------


def read(ask: A) -> A:
    """The ask with the names of today: `made` (older versions) read as `asked`."""
    history = ask.get("history") or []
    if ask.get("state") not in LEGACY and not any(h.get("state") in LEGACY for h in history):
        return ask
    return {
        **ask,
        "state": LEGACY.get(ask.get("state", ""), ask.get("state")),
        "history": [
            {**h, "state": LEGACY.get(h.get("state", ""), h.get("state"))} for h in history
        ],
    }


def changed_at(ask: A) -> datetime:
    """When the ask last changed: its last history entry (or when it was written)."""
    history = ask.get("history") or []
    return parse_instant(history[-1]["at"] if history else ask["at"])


def was_said(ask: A) -> bool:
    """Whether the ask was ever said (anything but a draft, before it rested)."""
    return any(h.get("state") not in (DRAFT, RESTING) for h in read(ask).get("history") or [])


def rests_at(ask: A, rest_after: timedelta) -> datetime | None:
    """When the ask comes to rest on its own, if it does: a draft or an asked ask,
    `rest_after` after its last change."""
    if read(ask).get("state") not in RESTS_ON_ITS_OWN:
        return None
    return changed_at(ask) + rest_after


def rest_due(ask: A, now: datetime, rest_after: timedelta) -> bool:
    when = rests_at(ask, rest_after)
    return when is not None and when <= now


def rested(ask: A, rest_after: timedelta) -> A:
    """The ask at rest on its own, dated when it came to rest (not when this is written)."""
    ask = read(ask)
    entry: AskStep = {"state": RESTING, "at": format_instant(changed_at(ask) + rest_after)}
    entry["rested_after"] = span_text(rest_after)
    return {**ask, "state": RESTING, "history": [*ask["history"], entry]}


def span_text(span: timedelta) -> str:
    """'21 days', '36 hours': how long an ask waited before it rested."""
    if not span % timedelta(days=1):
        return f"{span.days} day{'s' if span.days != 1 else ''}"
    hours = span.total_seconds() / 3600
    return f"{hours:g} hours"


def current(ask: A, now: datetime, rest_after: timedelta = REST_AFTER) -> A:
    """The ask as it stands at `now`: today's names, and at rest if its time has come
    (whether or not the daemon has written that down yet)."""
    ask = read(ask)
    return rested(ask, rest_after) if rest_due(ask, now, rest_after) else ask


def all_current(records: Iterable[A], now: datetime, rest_after: timedelta) -> list[A]:
    return [current(a, now, rest_after) for a in records]


def not_a_state(state: str, states: tuple[str, ...]) -> str:
    """The words for a state an ask does not have (the states are the CLI's codes)."""
    return _("'{state}' is not a state of an ask (states: {states})").format(
        state=state, states=", ".join(states)
    )


# moving on ------------------------------------------------------------------------


def allowed(state: str, ask: A | None = None) -> tuple[str, ...]:
    """The states `state` may move to; a resting ask never said may only be said."""
    if state == RESTING and ask is not None and not was_said(ask):
        return (ASKED,)
    return TRANSITIONS.get(state, ())


def moved(ask: A, state: str, now: datetime, delivery_id: str | None = None) -> A:
    """The ask moved on to `state`; AskError names the states it may move to."""
    ask = read(ask)
    if state not in STATES:
        raise AskError(not_a_state(state, STATES))
    current_state = ask["state"]
    options = allowed(current_state, ask)
    if state not in options:
        if state == current_state:
            raise AskError(_("ask {id} is already {state}").format(id=ask["id"], state=state))
        if state in (DECLINED, NO_ANSWER) and not was_said(ask):
            command = f"{invoked.command('ask update')} {ask['id']} asked"
            raise AskError(
                _(
                    "ask {id} has not been said yet, so it has no answer;"
                    " when you have said it: '{command}'"
                ).format(id=ask["id"], command=command)
            )
        if not options:
            raise AskError(
                _("ask {id} is {state}, so it is closed").format(id=ask["id"], state=current_state)
            )
        raise AskError(
            _("ask {id} is {state}; it can move to: {states}").format(
                id=ask["id"], state=current_state, states=", ".join(options)
            )
        )
    entry: AskStep = {"state": state, "at": format_instant(now)}
    if delivery_id:
        entry["delivery_id"] = delivery_id
    return {**ask, "state": state, "history": [*ask["history"], entry]}


# what is shown --------------------------------------------------------------------


def is_open(ask: A) -> bool:
    """Not set down: neither resting nor followed up."""
    return read(ask).get("state") not in (RESTING, FOLLOWED_UP)


def open_asks(records: Iterable[A]) -> list[A]:
    """The asks neither resting nor followed up, oldest first, with today's names."""
    return sorted((read(a) for a in records if is_open(a)), key=lambda a: parse_instant(a["at"]))


def resting(records: Iterable[A]) -> list[A]:
    return sorted(
        (read(a) for a in records if read(a).get("state") == RESTING),
        key=lambda a: parse_instant(a["at"]),
    )


def one_waits(records: Iterable[A], now: datetime, rest_after: timedelta) -> bool:
    """Whether an ask said is waiting for its answer at `now` (one at rest does not)."""
    return any(current(a, now, rest_after).get("state") == ASKED for a in records)


def latest(records: Iterable[A]) -> tuple[A | None, int]:
    """What the weekly review shows: the latest open ask, and how many others rest."""
    records = list(records)
    shown = open_asks(records)
    last = shown[-1] if shown else None
    return last, len(resting(records))


def listed(records: Iterable[A], everything: bool = False) -> list[A]:
    """For `ask list`: the open asks, oldest first; with `everything`, then the resting
    and the followed-up ones."""
    records = list(records)
    shown = open_asks(records)
    if everything:
        shown += sorted(
            (read(a) for a in records if not is_open(a)), key=lambda a: parse_instant(a["at"])
        )
    return shown


# replies that touch asks ------------------------------------------------------------


def from_clarity(
    records: Iterable[Ask],
    new_id: str,
    delivery: Delivery | Record,
    value: str,
    now: datetime,
) -> Ask:
    """The ask a `clarity_ask` reply records: a new `draft` (written down, not yet said),
    or, if this delivery already wrote one (the reply was changed), that ask with the
    new words."""
    for ask in records:
        if ask.get("delivery_id") == delivery["id"]:
            return {**read(ask), "text": text_of(value)}
    return new_ask(new_id, value, now, delivery["id"], delivery.get("talk_id"), state=DRAFT)


def from_reflection(
    records: Iterable[Ask], delivery: Delivery | Record, value: str, now: datetime
) -> list[Ask]:
    """The asks a `talk_reflection` reply moves on (see REFLECTION), changed.

    The asks it moves: those of the delivery's talk that are `asked`, or, when no ask
    is linked to that talk, the most recent `asked` one. Drafts are never moved: what
    was not said has no answer. A changed reply to the same reflection first takes
    back what the earlier one did, then decides again.
    """
    undone = [_undone(read(a), delivery["id"]) for a in records]
    asks = [ask for ask, _ in undone]
    talk_id = delivery.get("talk_id")
    linked = [a for a in asks if talk_id and a.get("talk_id") == talk_id]
    said = [a for a in (linked or asks) if a["state"] == ASKED]
    if not linked and said:
        said = [max(said, key=lambda a: parse_instant(a["at"]))]
    target = REFLECTION.get(value)
    out = {ask["id"]: ask for ask, taken_back in undone if taken_back}
    if target:
        for ask in said:
            out[ask["id"]] = moved(ask, target, now, delivery["id"])
    return list(out.values())


def said_here(records: Iterable[A], delivery: Delivery | Record) -> list[A]:
    """The drafts a delivery's page offers to mark as said: a clarity ask's own draft,
    the drafts of a reflection's talk, and on the weekly review (or a reflection of no
    planned talk) the latest open ask when it is a draft."""
    records = [read(a) for a in records]
    kind, talk_id = delivery.get("kind"), delivery.get("talk_id")
    if kind == "clarity_ask":
        found = [a for a in records if a.get("delivery_id") == delivery["id"]]
    elif kind == "talk_reflection" and talk_id:
        found = [a for a in records if a.get("talk_id") == talk_id]
    elif kind in ("talk_reflection", "pattern_review"):
        last, _ = latest(records)
        found = [last] if last is not None else []
    else:
        found = []
    return [a for a in found if a["state"] == DRAFT]


def said(ask: A, delivery: Delivery | Record, answer: str | None, now: datetime) -> A:
    """A draft marked as said from `delivery`'s page; on a reflection's page, the
    reflection's `answer` (if one was given) then moves it as it moves the others."""
    ask = moved(ask, ASKED, now)
    target = REFLECTION.get(answer or "") if delivery.get("kind") == "talk_reflection" else None
    return moved(ask, target, now, delivery["id"]) if target else ask


def _undone(ask: Ask, delivery_id: str) -> tuple[Ask, bool]:
    """The ask as it was before this reflection moved it, and True; or as it is, and False."""
    history = list(ask.get("history") or [])
    if not (history and history[-1].get("delivery_id") == delivery_id and len(history) > 1):
        return ask, False
    earlier = history[:-1]
    return {**ask, "state": earlier[-1]["state"], "history": earlier}, True
