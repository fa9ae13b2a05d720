"""What a talk keeps for its card, over the store: the sentence of intent (written on
the card), what helped (the reflection's note, kept in the reply's own write), and
what a card shows beside them: the asks drafted for the talk, the I-statement drafted
the evening before, and what helped last time.

A talk's `intent` and `helped` are plain text on the talk record (`records.Talk`);
a talk without one has no such key. "Last time" is the latest talk before this one
that kept a note of what helped: read from the hot file, then from the archives of the
last HELPED_MONTHS months, newest first (a bounded read, whatever the history).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from halfway.core import plaintext
from halfway.core.instants import parse_instant
from halfway.ledger import book
from halfway.store.database import Record, Store, Tx, View
from halfway.talks import rules
from halfway.talks.rules import TalkError
from halfway.words import invoked
from halfway.words.language import _

MAX_INTENT = 300
# How far back "what helped last time" is looked for, in archive months.
HELPED_MONTHS = 6
# Replies that say nothing about the talk: the ledger's own list.
NOT_ANSWERS = book.NOT_ANSWERS


def stored_talk(store: Store, tx: Tx, talk_id: str) -> Record:
    """The talk `talk_id`, hot or read back from its archive; TalkError if there is none."""
    # A talk done or cancelled (or long past) leaves the hot file (layout.py); one read
    # back from its archive and changed is hot again.
    talk = tx.get("talks", talk_id) or store.archived("talks", talk_id)
    if talk is None:
        listed = invoked.command("talk list")
        raise TalkError(
            _("there is no talk '{id}' (see '{command}')").format(id=talk_id, command=listed)
        )
    return talk


def find(store: Store, talk_id: str) -> Record | None:
    """The talk `talk_id` for reading (hot, else its archive), or None."""
    return store.view().get("talks", talk_id) or store.archived("talks", talk_id)


# what the card writes -------------------------------------------------------------------


def intent_text(text: str) -> str:
    """The sentence of intent as kept: plain, trimmed; TalkError when too long."""
    words = plaintext.clean(text or "").strip()
    if len(words) > MAX_INTENT:
        raise TalkError(
            _("the sentence of intent is longer than {max} characters").format(max=MAX_INTENT)
        )
    return words


def set_intent(store: Store, talk_id: str, text: str) -> Record:
    """Keep `text` as the talk's sentence of intent (an empty one takes it away);
    TalkError for an unknown talk, a called-off one, or a sentence too long."""
    words = intent_text(text)
    with store.transaction() as tx:
        talk = stored_talk(store, tx, talk_id)
        if talk["state"] == rules.CANCELLED:
            raise TalkError(_("talk {id} was called off").format(id=talk_id))
        changed = {k: v for k, v in talk.items() if k != "intent"}
        if words:
            changed["intent"] = words
        if changed != talk:
            tx.put("talks", changed)
    return changed


def replied(tx: Tx, delivery: Record, value: str, note: str | None) -> None:
    """A talk reflection's reply keeps its note with its talk as `helped`, in the reply's
    own transaction; a changed reply keeps its latest note (none: none is kept)."""
    talk_id = delivery.get("talk_id")
    if delivery.get("kind") != rules.TALK_REFLECTION or not talk_id or value in NOT_ANSWERS:
        return
    talk = tx.get("talks", talk_id)  # a talk whose reflection is still hot is hot too
    if talk is None:
        return
    changed = {k: v for k, v in talk.items() if k != "helped"}
    if note and note.strip():
        changed["helped"] = note.strip()
    if changed != talk:
        tx.put("talks", changed)


# what the card shows --------------------------------------------------------------------


def last_helped(
    talks: Iterable[Record], before: datetime, not_id: str | None = None
) -> Record | None:
    """The latest talk before `before` (other than `not_id`) that kept what helped."""
    kept = [
        t
        for t in talks
        if t.get("helped") and t["id"] != not_id and parse_instant(t["at"]) < before
    ]
    return max(kept, key=lambda t: parse_instant(t["at"]), default=None)


def helped_before(store: Store, before: datetime, not_id: str | None = None) -> Record | None:
    """`last_helped` over the hot file, then the archives of the last HELPED_MONTHS
    months, newest first: the first month that has one answers."""
    found = last_helped(store.view().records("talks"), before, not_id)
    if found is not None:
        return found
    for month in reversed(store.months()[-HELPED_MONTHS:]):
        found = last_helped(store.archive(month).get("talks", []), before, not_id)
        if found is not None:
            return found
    return None


def drafted_asks(view: View, talk_id: str) -> list[Record]:
    """The asks written for this talk (from its clarity ask's reply), oldest first."""
    found = [a for a in view.records("asks") if a.get("talk_id") == talk_id]
    return sorted(found, key=lambda a: parse_instant(a["at"]))


def step_reply(view: View, talk: Record, kind: str) -> Record | None:
    """The reply to the talk's step of `kind` (its delivery's), if one came."""
    step = next((e for e in talk.get("chain", []) if e["kind"] == kind), None)
    delivery_id = step.get("delivery_id") if step else None
    if not delivery_id:
        return None
    return next((r for r in view.records("replies") if r["delivery_id"] == delivery_id), None)


def helped_for(store: Store, talks: Iterable[Record]) -> dict[str, str | None]:
    """What helped last time, for each of `talks` (the reframe step's words name it)."""
    found = {t["id"]: helped_before(store, parse_instant(t["at"]), t["id"]) for t in talks}
    return {talk_id: talk.get("helped") if talk else None for talk_id, talk in found.items()}
