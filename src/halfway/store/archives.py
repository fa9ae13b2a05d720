"""The monthly archives as the hot file knows them, and each archived record's shape.

Compaction writes a month's archive first, then, with the hot file, the month and how
many records it holds in the hot file's meta (`meta["archives"]`: {"2026-11": 123}).
A kill between the two leaves a month holding more than the meta says, never fewer.
So a month the meta names that is gone, or that holds fewer records than were written
to it, was deleted or cut short by something outside halfway: every reader of that
month refuses it (a StoreError naming the file), as the hot file's loss is refused,
rather than quietly show less. A folder from before the list is given one at its next
compaction, from the months it holds then.

A record that lacks what every reader needs (a delivery without `scheduled_for`, say)
is named with its file and left out; the records beside it are read.

Pure apart from `missing`, which only looks whether the files are there (one listing
of the folder: cheap enough for every pass of the daemon and every /healthz), and `counts`, which reads them once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from halfway.core.instants import parse_instant
from halfway.core.rawjson import Record
from halfway.store import layout
from halfway.store.datafile import StoreError, read_file
from halfway.words import invoked
from halfway.words.language import _, ngettext

META = "archives"

# What every reader (history, export, the digest) takes for granted in an archived
# record: field -> its type (TIME: an ISO 8601 instant).
TIME = "time"
NEEDS: dict[str, dict[str, Any]] = {
    "deliveries": {"id": str, "nudge_id": str, "kind": str, "scheduled_for": TIME, "state": str},
    "replies": {"id": str, "delivery_id": str, "received_at": TIME, "value": object},
    "entries": {"id": str, "kind": str, "text": str, "at": TIME},
    "talks": {"id": str, "at": TIME, "history": list},
    "asks": {"id": str, "text": str},
    "boundaries": {"id": str, "text": str, "created_at": TIME},
}


def record_problem(table: str, record: Record) -> str | None:
    """What a record of `table` lacks that its readers need, or None."""
    for name, kind in NEEDS.get(table, {}).items():
        value = record.get(name)
        if value is None:
            return f"has no '{name}'"
        if kind is TIME:
            if not isinstance(value, str) or not _instant(value):
                return f"'{name}' is not a time"
        elif not isinstance(value, kind):
            return f"'{name}' is not a {kind.__name__}"
    if table == "deliveries" and not isinstance(record.get("channels", {}), dict):
        return "'channels' is not an object"
    return None


def _instant(text: str) -> bool:
    try:
        parse_instant(text)
    except ValueError:
        return False
    return True


def well_formed(path: Path, data: Mapping[str, Any]) -> tuple[dict[str, list[Record]], list[str]]:
    """An archive's tables with each malformed record left out, and a line per record
    left out naming the file, the table, the record's number and its id."""
    tables: dict[str, list[Record]] = {}
    problems = []
    for name, table in data.items():
        if name == "meta":
            continue
        kept = tables.setdefault(name, [])
        for key, record in table.items():
            problem = record_problem(name, record)
            if problem is None:
                kept.append(record)
            else:
                named = f" ({record['id']})" if isinstance(record.get("id"), str) else ""
                problems.append(
                    f"{path}: record {key} of '{name}'{named} {problem}; it is left out"
                )
    return tables, problems


def add(data: dict[str, Any], tables: Mapping[str, list[Record]]) -> None:
    """Put `tables`' records into an archive's `data`, each in place of the one with its
    id (a boundary's answers joined: `layout.merged`), a new one under the next number."""
    for name, records in tables.items():
        table = data.setdefault(name, {})
        known = {r["id"]: key for key, r in table.items()}
        next_key = max((int(k) for k in table), default=0) + 1
        for record in records:
            key = known.get(record["id"])
            if key is None:
                key, next_key = str(next_key), next_key + 1
            table[key] = layout.merged(name, table.get(key), record)


def count(data: Mapping[str, Any]) -> int:
    """The records an archive holds (every table but the meta)."""
    return sum(len(table) for name, table in data.items() if name != "meta")


def counts(folder: Path, months: list[str], key: bytes | None = None) -> dict[str, int]:
    """Each month there is with the records it holds now, for a folder from before the
    list (a damaged one left out: its readers say so)."""
    found = {}
    for month in months:
        try:
            found[month] = count(read_file(folder / f"{month}.json", key) or {})
        except StoreError:
            continue
    return found


def known(meta: Mapping[str, Any]) -> dict[str, int] | None:
    """The months the hot file's meta names with their counts; None before the list."""
    found = meta.get(META)
    return dict(found) if isinstance(found, dict) else None


def shrunk(path: Path, month: str, held: int, expected: Mapping[str, int] | None) -> str | None:
    """Why a month's archive holding `held` records is not what was written, or None."""
    if expected is None or month not in expected or held >= expected[month]:
        return None
    records = ngettext("{n} record", "{n} records", held).format(n=held)
    said = ngettext(
        "{path}: this archive month holds {held}, {n} was written to it; it was cut short or"
        " replaced. {remedy}",
        "{path}: this archive month holds {held}, {n} were written to it; it was cut short or"
        " replaced. {remedy}",
        expected[month],
    )
    return said.format(path=path, held=records, n=expected[month], remedy=remedy(month))


def missing(folder: Path, expected: Mapping[str, int] | None) -> str | None:
    """The first month the meta names whose file is gone, said as a problem, or None.
    One listing of the folder, not a stat per month: 132 months cost 0.08 ms, not 0.6."""
    if not expected:
        return None
    try:
        present = {entry.name for entry in os.scandir(folder)}
    except FileNotFoundError:
        present = set()
    for month in sorted(expected):
        if f"{month}.json" not in present:
            said = ngettext(
                "{path}: this archive month is missing ({n} record was written to it). {remedy}",
                "{path}: this archive month is missing ({n} records were written to it). {remedy}",
                expected[month],
            )
            path = folder / f"{month}.json"
            return said.format(path=path, n=expected[month], remedy=remedy(month))
    return None


def remedy(month: str) -> str:
    """What to do about a month missing or cut short (said with it, once)."""
    return _(
        "History, export and the digests that read it refuse rather than show less;"
        " restore it from a backup, or, if none has it, accept the loss with '{accept}'"
    ).format(accept=invoked.command(f"accept-loss {month}"))


def with_counts(expected: Mapping[str, int], written: Mapping[str, int]) -> dict[str, int] | None:
    """The meta's month list after a compaction wrote `written` ({month: its count now}),
    or None when it does not change."""
    months = {**expected, **written}
    return months if months != expected else None
