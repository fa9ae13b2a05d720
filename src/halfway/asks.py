"""The ask ledger, as pure rules: one clear ask, and how it was answered.

An ask is a record in the `asks` table:
`{id, text, state, at, history: [{state, at, delivery_id?}], delivery_id?, talk_id?}`.
`at` is when it was made; `delivery_id` is the `clarity_ask` delivery whose reply
made it, `talk_id` the talk that delivery belonged to.

Its life: `made`, then the partner's response (`agreed`, `declined`, `no_answer`),
then `followed_up`. A response can be corrected (a "no answer" may turn into a
yes a few days later); `followed_up` closes the ask. Every ask not followed up
is open: it is carried into the weekly review and the digest (`open_asks`).

A `talk_reflection` reply moves asks on. The one mapping, from the reflection's
choice to the ask's new state (`REFLECTION`):

- `agreed_time`, `small_change` → `agreed` (the partner said yes, or moved);
- `refused` → `declined`;
- `avoided`, `none` → `no_answer`;
- `acknowledged` → no change: acknowledging feelings is not an answer to the
  ask itself; the user can say so with `halfway ask update`.

Nothing here reads the clock or the disk; stored instants are `deliveries.iso` UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from halfway.deliveries import at, iso

MADE = "made"
AGREED = "agreed"
DECLINED = "declined"
NO_ANSWER = "no_answer"
FOLLOWED_UP = "followed_up"
STATES = (MADE, AGREED, DECLINED, NO_ANSWER, FOLLOWED_UP)
RESPONSES = (AGREED, DECLINED, NO_ANSWER)

# state -> the states it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    MADE: RESPONSES,
    AGREED: (DECLINED, NO_ANSWER, FOLLOWED_UP),
    DECLINED: (AGREED, NO_ANSWER, FOLLOWED_UP),
    NO_ANSWER: (AGREED, DECLINED, FOLLOWED_UP),
    FOLLOWED_UP: (),
}

# a talk_reflection choice -> the state it moves an ask to (missing: no change)
REFLECTION: dict[str, str] = {
    "agreed_time": AGREED,
    "small_change": AGREED,
    "refused": DECLINED,
    "avoided": NO_ANSWER,
    "none": NO_ANSWER,
}

MAX_TEXT = 2000

Ask = dict[str, Any]


class AskError(ValueError):
    """A change an ask cannot take; its text is one calm line, fit to show the user."""


def text_of(text: str) -> str:
    """The ask's words, checked: not empty, not longer than MAX_TEXT."""
    words = (text or "").strip()
    if not words:
        raise AskError("an ask needs a few words")
    if len(words) > MAX_TEXT:
        raise AskError(f"an ask is at most {MAX_TEXT} characters; this one has {len(words)}")
    return words


def new_ask(
    ask_id: str,
    text: str,
    now: datetime,
    delivery_id: str | None = None,
    talk_id: str | None = None,
) -> Ask:
    """An ask just made."""
    ask: Ask = {
        "id": ask_id,
        "text": text_of(text),
        "state": MADE,
        "at": iso(now),
        "history": [{"state": MADE, "at": iso(now)}],
    }
    if delivery_id:
        ask["delivery_id"] = delivery_id
    if talk_id:
        ask["talk_id"] = talk_id
    return ask


def allowed(state: str) -> tuple[str, ...]:
    return TRANSITIONS.get(state, ())


def moved(ask: Ask, state: str, now: datetime, delivery_id: str | None = None) -> Ask:
    """The ask moved on to `state`; AskError names the states it may move to."""
    if state not in STATES:
        raise AskError(f"'{state}' is not a state of an ask (states: {', '.join(STATES)})")
    current = ask["state"]
    if state not in allowed(current):
        if state == current:
            raise AskError(f"ask {ask['id']} is already {state}")
        options = allowed(current)
        if not options:
            raise AskError(f"ask {ask['id']} is {current}, so it is closed")
        raise AskError(f"ask {ask['id']} is {current}; it can move to: {', '.join(options)}")
    entry: dict[str, str] = {"state": state, "at": iso(now)}
    if delivery_id:
        entry["delivery_id"] = delivery_id
    return {**ask, "state": state, "history": [*ask["history"], entry]}


def is_open(ask: Ask) -> bool:
    return bool(ask.get("state") != FOLLOWED_UP)


def open_asks(records: Iterable[Ask]) -> list[Ask]:
    """The asks not yet followed up, oldest first: what the weekly review and the digest carry."""
    return sorted((a for a in records if is_open(a)), key=lambda a: at(a["at"]))


def listed(records: Iterable[Ask], everything: bool = False) -> list[Ask]:
    """For `ask list`: the open asks first, oldest first; with `everything`, then the closed."""
    records = list(records)
    shown = open_asks(records)
    if everything:
        shown += sorted((a for a in records if not is_open(a)), key=lambda a: at(a["at"]))
    return shown


# replies that touch asks ------------------------------------------------------------


def from_clarity(
    records: Iterable[Ask],
    new_id: str,
    delivery: dict[str, Any],
    value: str,
    now: datetime,
) -> Ask:
    """The ask a `clarity_ask` reply records: a new `made` one, or, if this delivery
    already made one (the reply was changed), that ask with the new words."""
    for ask in records:
        if ask.get("delivery_id") == delivery["id"]:
            return {**ask, "text": text_of(value)}
    return new_ask(new_id, value, now, delivery["id"], delivery.get("talk_id"))


def from_reflection(
    records: Iterable[Ask], delivery: dict[str, Any], value: str, now: datetime
) -> list[Ask]:
    """The asks a `talk_reflection` reply moves on (see REFLECTION), changed.

    The asks it moves: those of the delivery's talk still `made`, or, when no ask is
    linked to that talk, the most recent one still `made`. A changed reply to the
    same reflection first takes back what the earlier one did, then decides again.
    """
    records = [_undone(a, delivery["id"]) for a in records]
    talk_id = delivery.get("talk_id")
    linked = [a for a in records if talk_id and a.get("talk_id") == talk_id]
    made = [a for a in (linked or records) if a["state"] == MADE]
    if not linked and made:
        made = [max(made, key=lambda a: at(a["at"]))]
    target = REFLECTION.get(value)
    out = {a["id"]: _clean(a) for a in records if a.get("_undone")}
    if target:
        for ask in made:
            out[ask["id"]] = moved(_clean(ask), target, now, delivery["id"])
    return list(out.values())


def _clean(ask: Ask) -> Ask:
    return {k: v for k, v in ask.items() if k != "_undone"}


def _undone(ask: Ask, delivery_id: str) -> Ask:
    """The ask as it was before this reflection moved it (marked `_undone`), or as it is."""
    history = list(ask.get("history") or [])
    if not (history and history[-1].get("delivery_id") == delivery_id and len(history) > 1):
        return ask
    earlier = history[:-1]
    return {**ask, "state": earlier[-1]["state"], "history": earlier, "_undone": True}
