"""Which record lives in which file, as pure rules: what leaves the hot file for which
monthly archive, and the upgrade of the single data file of halfway's first releases
(schema 1).

The store applies these; nothing here touches a file or reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from halfway import deliveries
from halfway.deliveries import at, iso, month_of

SCHEMA_VERSION = 2
# The lists every reader (export, history, digest) sees, from the archives and the hot file.
TABLES = ("deliveries", "replies", "entries", "talks", "asks", "boundaries")
BACKUP_NAME = "halfway.v1.json"
# The back-off rule reads a nudge's last few fires; they stay hot whatever their age.
KEEP_LAST_FIRES = 4
# Instants stored by earlier versions, sometimes with a local offset; made UTC on upgrade.
TIME_FIELDS = (
    "scheduled_for",
    "due_at",
    "created_at",
    "expires_at",
    "sent_at",
    "received_at",
    "at",
    "next_attempt",
    "started_at",
    "finished_at",
    "first_failed_at",
    "since",
    "from",
    "until",
    "last",
)
# Words rendered for sending; a fire decided without sending never needs them.
RENDERED = ("title", "body", "link", "words_title", "words")

Record = dict[str, Any]
Moves = dict[str, dict[str, list[Record]]]  # month -> table -> records


def shape_problem(data: Any) -> str | None:
    """What is wrong with the shape of a parsed data file (TinyDB's: tables of
    records by number, each record an object), or None. Checked on every read, so
    no command works on, or writes into, a file of another shape."""
    if not isinstance(data, dict):
        return "not a JSON object"
    for name, table in data.items():
        if not isinstance(table, dict):
            return f"'{name}' is not a table"
        if not all(isinstance(record, dict) for record in table.values()):
            return f"'{name}' holds something that is not a record"
    return None


def new_meta() -> Record:
    return {"schema_version": SCHEMA_VERSION}


def is_old(data: dict[str, Any]) -> bool:
    """A data file in the single-file layout of halfway's first releases (schema 1)."""
    meta: Record = next(iter(data.get("meta", {}).values()), {})
    return int(meta.get("schema_version", 1)) < SCHEMA_VERSION


def utc_times(value: Any) -> Any:
    """A record tree with every known instant field rewritten in UTC."""
    if isinstance(value, dict):
        return {
            key: (
                iso(at(item)) if key in TIME_FIELDS and isinstance(item, str) else utc_times(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [utc_times(item) for item in value]
    return value


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """The single-file data in the new hot file's shape (archiving follows separately).

    Instants become UTC; missed and skipped fires drop their rendered words; each
    nudge gets a cursor holding its last recorded fire, so no tick reads history.
    """
    new: dict[str, Any] = {"meta": {"1": {**next(iter(data["meta"].values())), **new_meta()}}}
    for name in TABLES:
        new[name] = {key: utc_times(r) for key, r in data.get(name, {}).items()}
    for record in new["deliveries"].values():
        if record.get("state") in deliveries.FINAL_UNSENT:
            for field in RENDERED:
                record.pop(field, None)
    last: dict[str, str] = {}
    for record in new["deliveries"].values():
        if deliveries.is_fire(record):
            nudge, when = record["nudge_id"], record["scheduled_for"]
            if nudge not in last or at(when) > at(last[nudge]):
                last[nudge] = when
    cursors = {}
    for key, row in data.get("nudges", {}).items():
        row = utc_times(row)
        cursors[key] = {**row, "id": row["nudge_id"], "last": last.get(row["nudge_id"])}
    new["nudges"] = cursors
    return new


def choose_moves(records: Callable[[str], list[Record]], now: datetime) -> Moves:
    """What to move from the hot file now, by archive month and table.

    Deliveries per `deliveries.archivable`, each with its replies in its own month;
    entries once older than KEEP_ENTRIES_HOT. Talks, asks and boundaries stay hot.
    """
    moves: Moves = {}

    def move(month: str, table: str, record: Record) -> None:
        moves.setdefault(month, {}).setdefault(table, []).append(record)

    hot = records("deliveries")
    moving, _ = deliveries.archivable(hot, now, KEEP_LAST_FIRES)
    month = {}
    for delivery in hot:
        if delivery["id"] in moving:
            month[delivery["id"]] = month_of(delivery["scheduled_for"])
            move(month[delivery["id"]], "deliveries", delivery)
    hot_ids = {d["id"] for d in hot}
    for reply in records("replies"):
        target = reply["delivery_id"]
        if target in month:
            move(month[target], "replies", reply)
        elif target not in hot_ids and now - at(reply["received_at"]) > deliveries.KEEP_HOT:
            move(month_of(reply["received_at"]), "replies", reply)  # its delivery left before
    for entry in records("entries"):
        if now - at(entry["at"]) > deliveries.KEEP_ENTRIES_HOT:
            move(month_of(entry["at"]), "entries", entry)
    return moves


def missing(old: dict[str, Any], tables: dict[str, list[Record]]) -> set[str]:
    """Ids of records in the old file that `tables` (the new files, merged) lack."""
    found = {r["id"] for records in tables.values() for r in records}
    return {
        record["id"]
        for name in TABLES
        for record in old.get(name, {}).values()
        if record["id"] not in found
    }
