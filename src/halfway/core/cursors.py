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
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from halfway.config.models import Nudge
from halfway.core import schedule
from halfway.core.instants import format_instant, parse_instant

ALL = "*"


def fingerprint(nudge: Nudge, timezone: str) -> str:
    """What the nudge's fire times depend on; a change means a new schedule."""
    timing = f"{nudge.cron}|{nudge.every}|{nudge.at}|{timezone}"
    return hashlib.sha256(timing.encode()).hexdigest()[:16]


def fresh(nudge_id: str, now: datetime, mark: str | None = None) -> dict[str, Any]:
    # Whole seconds: an `every` nudge's rhythm counts from here.
    start = format_instant(now.replace(microsecond=0))
    return {"id": nudge_id, "since": start, "pauses": [], "last": None, "fingerprint": mark}


def adopt(cursor: dict[str, Any] | None, nudge: Nudge, timezone: str, now: datetime) -> Any:
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


def since(cursor: dict[str, Any] | None, nudge: Nudge, zone: tzinfo, now: datetime) -> datetime:
    """The instant after which this nudge's fires are not yet recorded."""
    if cursor and cursor.get("last"):
        return parse_instant(cursor["last"])
    start = parse_instant(cursor["since"]) if cursor else now
    if nudge.at is not None:
        # A one-off is owed even if halfway first started after its time:
        # sent within its catch-up window, else recorded as missed.
        when = schedule.scheduled_after(nudge, zone, datetime.min.replace(tzinfo=UTC))
        if when is not None:
            start = min(start, when - timedelta(microseconds=1))
    return start


def pauses(
    cursors: dict[str, dict[str, Any]], nudge_id: str
) -> list[tuple[datetime, datetime | None]]:
    """The spans in which `nudge_id` is paused, its own and those of every nudge."""
    found = []
    for key in (nudge_id, ALL):
        for pause in (cursors.get(key) or {}).get("pauses", []):
            until = pause["until"]
            found.append((parse_instant(pause["from"]), parse_instant(until) if until else None))
    return found


def all_pauses(
    rows: list[dict[str, Any]], nudge_ids: list[str]
) -> dict[str, list[tuple[datetime, datetime | None]]]:
    """Each of `nudge_ids` with the spans in which it is paused (see `pauses`)."""
    by_id = {row["id"]: row for row in rows}
    return {nudge_id: pauses(by_id, nudge_id) for nudge_id in nudge_ids}


def is_open(pause: dict[str, Any], now: datetime) -> bool:
    """A pause not yet ended at `now` (compared as instants, whatever offset was stored)."""
    return pause["until"] is None or parse_instant(pause["until"]) > now


def paused(cursor: dict[str, Any], start: datetime, until: datetime | None) -> dict[str, Any]:
    """The cursor with a pause from `start` to `until` (None: until resumed).

    Pauses still open at `start` are replaced by the new one.
    """
    kept = [p for p in cursor.get("pauses", []) if not is_open(p, start)]
    kept.append({"from": format_instant(start), "until": format_instant(until) if until else None})
    return {**cursor, "pauses": kept}


def resumed(cursor: dict[str, Any], now: datetime) -> tuple[dict[str, Any], int]:
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


def to_resume(rows: list[dict[str, Any]], nudge_ids: list[str]) -> list[dict[str, Any]]:
    """The cursors whose pauses a resume of `nudge_ids` ends: every one for ["*"] (--all),
    so a nudge paused by name is resumed too; else the named nudges' own."""
    if ALL in nudge_ids:
        return rows
    named = set(nudge_ids)
    return [row for row in rows if row["id"] in named]


def in_force(cursor: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """The pauses in force at `now`."""
    return [
        p for p in cursor.get("pauses", []) if is_open(p, now) and parse_instant(p["from"]) <= now
    ]
