"""The user's boundaries, as pure rules: the record, the sync with the config, the
rotation of the `boundary` nudge, and the answers kept per boundary.

A boundary is a record in the `boundaries` table:
`{id, text, active, source, created_at, retired_at?, last_asked?, answers: [...]}`;
each answer is `{delivery_id, value (held|strained|crossed), note, at}`.
`source` is `config` (a `[[boundaries]]` table; its id is the config's) or `cli`
(`halfway boundary add`). A boundary is never deleted: retired, or gone from the
config, it turns inactive and keeps its answers.

The `boundary` nudge names one active boundary at a time: the one asked least
recently (never asked first), ties in a stable order (when it was added, then its
id). With none recorded it reads generically (the placeholder's empty form).

Nothing here reads the clock or the disk; stored instants are `instants.format_instant` UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

from halfway.core import plaintext
from halfway.core.instants import format_instant, parse_instant
from halfway.core.rawjson import Record
from halfway.core.records import Boundary, BoundaryAnswer, NamedBoundary
from halfway.words.language import _

KIND = "boundary"  # the practice whose nudge names a boundary
ANSWERS = ("held", "strained", "crossed")
CONFIG = "config"
CLI = "cli"
MAX_TEXT = 300

# A boundary as it was read: typed (`tx.boundaries()`), or raw JSON (the archives).
B = TypeVar("B", Boundary, Record)


class BoundaryError(ValueError):
    """A change a boundary cannot take; one calm line, fit to show the user."""


def text_of(text: str) -> str:
    words = " ".join(plaintext.clean(text or "").split())  # one line: it is put into a nudge
    if not words:
        raise BoundaryError(_("a boundary needs a few words"))
    if len(words) > MAX_TEXT:
        raise BoundaryError(
            _("a boundary is at most {max} characters; this one has {count}").format(
                max=MAX_TEXT, count=len(words)
            )
        )
    return words


def new_boundary(boundary_id: str, text: str, now: datetime, source: str = CLI) -> Boundary:
    return {
        "id": boundary_id,
        "text": text_of(text),
        "active": True,
        "source": source,
        "created_at": format_instant(now),
        "answers": [],
    }


def retired(boundary: Boundary, now: datetime) -> Boundary:
    """The boundary set aside; its answers stay."""
    if not boundary.get("active"):
        raise BoundaryError(_("boundary {id} is already retired").format(id=boundary["id"]))
    if boundary.get("source") == CONFIG:
        raise BoundaryError(
            _(
                "boundary {id} comes from [[boundaries]] in your config;"
                " remove it there and it is kept as retired"
            ).format(id=boundary["id"])
        )
    return {**boundary, "active": False, "retired_at": format_instant(now)}


def synced(
    records: Iterable[Boundary], configured: Iterable[tuple[str, str]], now: datetime
) -> list[Boundary]:
    """The boundary records the config's `[[boundaries]]` (id, text) change: new ones added,
    changed words updated, one back in the config active again, and one gone from the
    config inactive (never deleted, answers kept). Boundaries added by the CLI are left be."""
    known = {b["id"]: b for b in records}
    wanted = dict(configured)
    changed: list[Boundary] = []
    for boundary_id, text in wanted.items():
        old = known.get(boundary_id)
        if old is None:
            changed.append(new_boundary(boundary_id, text, now, CONFIG))
            continue
        new: Boundary = {**old, "text": text_of(text), "active": True, "source": CONFIG}
        new.pop("retired_at", None)
        if new != old:
            changed.append(new)
    for old in known.values():
        if old.get("source") == CONFIG and old["id"] not in wanted and old.get("active"):
            changed.append({**old, "active": False, "retired_at": format_instant(now)})
    return changed


def active(records: Iterable[B]) -> list[B]:
    """The active boundaries in their stable order (when added, then id)."""
    return sorted(
        (b for b in records if b.get("active")),
        key=lambda b: (parse_instant(b["created_at"]), b["id"]),
    )


def next_boundary(records: Iterable[Boundary]) -> Boundary | None:
    """The active boundary asked least recently (one never asked comes first)."""
    order = active(records)
    if not order:
        return None
    return min(
        enumerate(order),
        key=lambda pair: (pair[1].get("last_asked") is not None, _asked(pair[1]), pair[0]),
    )[1]


def _asked(boundary: Boundary) -> datetime:
    last = boundary.get("last_asked")
    return parse_instant(last) if last else parse_instant(boundary["created_at"])


def nudge_fields(
    kind: str, records: Iterable[Boundary]
) -> tuple[dict[str, str | None], NamedBoundary]:
    """For a nudge of `kind`: the fields its words are filled with, and what its delivery
    record carries besides (`boundary_id`). Other kinds: nothing."""
    if kind != KIND:
        return {}, {}
    chosen = next_boundary(records)
    if chosen is None:
        return {"boundary": None}, {}
    return {"boundary": chosen["text"]}, {"boundary_id": chosen["id"]}


def asked(boundary: Boundary, when: datetime) -> Boundary:
    """The boundary just named by a nudge scheduled for `when`."""
    return {**boundary, "last_asked": format_instant(when)}


def answered(
    boundary: Boundary, delivery_id: str, value: str, note: str | None, now: datetime
) -> Boundary:
    """The boundary with this delivery's answer; a changed reply replaces the earlier one."""
    if value not in ANSWERS:
        raise BoundaryError(f"'{value}' is not one of: {', '.join(ANSWERS)}")
    answer: BoundaryAnswer = {
        "delivery_id": delivery_id,
        "value": value,
        "note": note,
        "at": format_instant(now),
    }
    kept = [a for a in boundary.get("answers", []) if a.get("delivery_id") != delivery_id]
    return {**boundary, "answers": [*kept, answer]}
