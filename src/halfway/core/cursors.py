"""A nudge's cursor, as pure rules: where its schedule stands and when it is paused.

One small record per nudge in the hot file, so a tick never reads history:
- `since`: fires after this instant are owed (first start, or a schedule change);
- `last`: the last fire recorded (an `every` nudge's rhythm counts from it);
- `fingerprint`: the schedule it was counted for; a changed schedule counts anew
  from the change instead of inventing missed fires under the new one;
- `pauses`: spans in which fires (and reminders, see reminding) are skipped. The row
  with id "*" pauses everything: every nudge, a talk's steps, care notes, the digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TypeVar, overload

from halfway.config.models import Nudge
from halfway.core import schedule
from halfway.core.instants import format_instant, parse_instant
from halfway.core.rawjson import Record
from halfway.core.records import Cursor, Pause

ALL = "*"

# A cursor as it was read: typed (`view.cursor(id)`), or raw JSON (`get("nudges", id)`).
Stored = Cursor | Record
R = TypeVar("R", bound=Stored)


def fingerprint(nudge: Nudge, timezone: str) -> str:
    """What the nudge's fire times depend on; a change means a new schedule."""
    timing = f"{nudge.cron}|{nudge.every}|{nudge.at}|{timezone}"
    return hashlib.sha256(timing.encode()).hexdigest()[:16]


def fresh(nudge_id: str, now: datetime, mark: str | None = None) -> Record:
    # Raw JSON, as `get("nudges", id)` reads a stored one: callers take either one
    # (`tx.get("nudges", id) or fresh(id, now)`) and read its `last` as they find it.
    # Whole seconds: an `every` nudge's rhythm counts from here.
    start = format_instant(now.replace(microsecond=0))
    return {"id": nudge_id, "since": start, "pauses": [], "last": None, "fingerprint": mark}


def adopt(cursor: Stored | None, nudge: Nudge, timezone: str, now: datetime) -> Stored | None:
    """The cursor to store for `nudge` now, or None if the stored one stands.

    A new nudge starts now. A cursor from before fingerprints existed takes the
    current one. A changed schedule starts counting from now; its pauses stay.
    """
    mark = fingerprint(nudge, timezone)
    if cursor is None:
        return fresh(nudge.id, now, mark)
    if cursor.get("fingerprint") is None:
        return {**cursor, "fingerprint": mark}
    if cursor["fingerprint"] != mark:
        return {**fresh(nudge.id, now, mark), "pauses": cursor.get("pauses", [])}
    return None


def since(cursor: Stored | None, nudge: Nudge, zone: tzinfo, now: datetime) -> datetime:
    """The instant after which this nudge's fires are not yet recorded."""
    last = cursor.get("last") if cursor else None
    if last:
        return parse_instant(last)
    start = parse_instant(cursor["since"]) if cursor else now
    if nudge.at is not None:
        # A one-off is owed even if halfway first started after its time:
        # sent within its catch-up window, else recorded as missed.
        when = schedule.scheduled_after(nudge, zone, datetime.min.replace(tzinfo=UTC))
        if when is not None:
            start = min(start, when - timedelta(microseconds=1))
    return start


def pauses(cursors: Mapping[str, Stored], nudge_id: str) -> list[tuple[datetime, datetime | None]]:
    """The spans in which `nudge_id` is paused, its own and those of every nudge."""
    found = []
    for key in (nudge_id, ALL):
        for pause in (cursors.get(key) or {}).get("pauses", []):
            until = pause["until"]
            found.append((parse_instant(pause["from"]), parse_instant(until) if until else None))
    return found


def all_pauses(
    rows: Sequence[Stored], nudge_ids: list[str]
) -> dict[str, list[tuple[datetime, datetime | None]]]:
    """Each of `nudge_ids` with the spans in which it is paused (see `pauses`)."""
    by_id = {row["id"]: row for row in rows}
    return {nudge_id: pauses(by_id, nudge_id) for nudge_id in nudge_ids}


def is_open(pause: Pause, now: datetime) -> bool:
    """A pause not yet ended at `now` (compared as instants, whatever offset was stored)."""
    return pause["until"] is None or parse_instant(pause["until"]) > now


def paused(cursor: Stored, start: datetime, until: datetime | None) -> Stored:
    """The cursor with a pause from `start` to `until` (None: until resumed).

    Pauses still open at `start` are replaced by the new one.
    """
    kept = [p for p in cursor.get("pauses", []) if not is_open(p, start)]
    kept.append({"from": format_instant(start), "until": format_instant(until) if until else None})
    return {**cursor, "pauses": kept}


def resumed(cursor: Stored, now: datetime) -> tuple[Stored, int]:
    """The cursor with its open pauses ended now, and how many there were."""
    ended, kept = 0, []
    for pause in cursor.get("pauses", []):
        if is_open(pause, now) and parse_instant(pause["from"]) <= now:
            pause = {**pause, "until": format_instant(now)}
            ended += 1
        elif is_open(pause, now):
            continue  # a pause that had not begun yet is dropped
        kept.append(pause)
    return {**cursor, "pauses": kept}, ended


def to_resume(rows: list[R], nudge_ids: list[str]) -> list[R]:
    """The cursors whose pauses a resume of `nudge_ids` ends: every one for ["*"] (--all),
    so a nudge paused by name is resumed too; else the named nudges' own."""
    if ALL in nudge_ids:
        return rows
    named = set(nudge_ids)
    return [row for row in rows if row["id"] in named]


@overload
def in_force(cursor: Cursor, now: datetime) -> list[Pause]: ...
@overload
def in_force(cursor: Record, now: datetime) -> list[Record]: ...  # a raw cursor's, raw


def in_force(cursor: Stored, now: datetime) -> list[Pause] | list[Record]:
    """The pauses in force at `now`."""
    return [
        p for p in cursor.get("pauses", []) if is_open(p, now) and parse_instant(p["from"]) <= now
    ]
