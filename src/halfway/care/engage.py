"""When the partner starts to take part: what the partner's side of the record is, the
switch that stops recording it (`[partner] record = false`), erasing it on request
(`halfway erase --partner-side`), and the one offer that leads there.

The partner's side, one rule (`own_record`), read by the digest and by erase alike:
- `entries` written `by: partner` (their reaching out, their gestures, anything logged
  as theirs), and `gesture` entries not marked `by: me` (a gesture noticed is theirs):
  the whole entry;
- `replies` to the evening's `gesture_log` that answer it (a gesture named, or "none"):
  the whole reply; and in replies to the weekly review or a talk's reflection
  (`kinds.PARTNER_KINDS`) a movement answer (`kinds.PARTNER_CHOICES`: agreed to a time,
  acknowledged, a small change, avoided, said no, no movement): that value only (left
  empty, LEFT_OUT), in the reply and its earlier versions. The person's own note and energy scale stay; a reply
  that held nothing else goes;
- `talks` begun `by: partner`: that field only; the talk is the person's.
Everything else is the person's own: their asks (and what they marked of them), their
boundaries, their notes and what hurt (unless logged as the partner's), their calm
minutes, their talks. Deliveries (what halfway sent) are not records of the partner.

The offer (`offer_due`): movement in 3 of the last 4 whole weeks right after a still
stretch, by care's own rule (`triggers.movement_returned` over `core/weeks`). The home
page shows it once: after its answer ("not now", or "done") it never comes back; the
answer is kept in the hot file's meta (`meta["engage"]`). Nothing else happens on its
own: halfway cannot edit the config file, and says what to set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from halfway.care import triggers
from halfway.core import kinds
from halfway.core.instants import format_instant
from halfway.core.rawjson import Record
from halfway.core.weeks import NOT_ANSWERS
from halfway.store import archives
from halfway.store.database import Store
from halfway.store.datafile import read_file, write_file

META = "engage"  # meta["engage"]: {"run": the occurrence, "answer": …, "at": when}
ANSWERS = ("not_now", "done")
TABLES = ("entries", "replies", "talks")  # the tables that hold anything of theirs
SETTING = "[partner]\nrecord = false"  # what to write in the config file
LEFT_OUT = ""  # a reply's value once the partner's answer is taken out (readers need one)


def _partner_value(value: object) -> bool:
    return isinstance(value, str) and value in kinds.PARTNER_CHOICES


def own_record(table: str, record: Record, kind_of: Mapping[str, str]) -> Record | None:
    """`record` with the partner's side taken out (see the module's rule): the same
    record when it holds none, a changed copy, or None when nothing of it is left.
    `kind_of` gives each delivery id its kind (a reply's kind is its delivery's)."""
    if table == "entries":
        theirs = record.get("by") == "partner" or (
            record.get("kind") == "gesture" and record.get("by") != "me"
        )
        return None if theirs else record
    if table == "talks":
        if record.get("by") != "partner":
            return record
        return {k: v for k, v in record.items() if k != "by"}
    if table != "replies":
        return record
    kind = kind_of.get(str(record.get("delivery_id", "")), "")
    if kind == "gesture_log":
        return record if record.get("value") in NOT_ANSWERS else None
    if kind not in kinds.PARTNER_KINDS:
        return record
    versions = [record, *record.get("history", ())]
    if not any(_partner_value(v.get("value")) for v in versions):
        return record
    history = [
        {**v, "value": LEFT_OUT} if _partner_value(v.get("value")) else v
        for v in record.get("history", ())
    ]
    changed = {**record, "history": history}
    if _partner_value(record.get("value")):
        changed["value"] = LEFT_OUT
    own = [changed, *history]
    if not any(v.get("value") or v.get("note") or v.get("scale") for v in own):
        return None
    return changed


def kinds_of(deliveries: Iterable[Record]) -> dict[str, str]:
    return {str(d["id"]): str(d.get("kind", "")) for d in deliveries if "id" in d}


def own_side(records: Mapping[str, Iterable[Record]]) -> dict[str, list[Record]]:
    """The records with the partner's side taken out (what the digest shows with
    `[partner] record = false`); nothing is written."""
    tables = {name: list(rows) for name, rows in records.items()}
    kind_of = kinds_of(tables.get("deliveries", ()))
    for name in TABLES:
        kept = (own_record(name, r, kind_of) for r in tables.get(name, ()))
        tables[name] = [r for r in kept if r is not None]
    return tables


@dataclass
class Erased:
    """What `erase_partner_side` did: ids removed and ids changed, per table."""

    removed: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)

    def note(self, table: str, before: Record, after: Record | None) -> bool:
        """Count one record's fate; whether it changed at all."""
        if after is not None and after == before:
            return False
        found = self.removed if after is None else self.changed
        ids = found.setdefault(table, [])
        if str(before["id"]) not in ids:  # a record in the hot file and an archive: once
            ids.append(str(before["id"]))
        return True

    def count(self) -> int:
        return sum(len(v) for v in self.removed.values()) + sum(
            len(v) for v in self.changed.values()
        )


def _own_month(data: Mapping[str, object], kind_of: Mapping[str, str]) -> dict[str, object]:
    """One archive month's document with the partner's side taken out."""
    out: dict[str, object] = dict(data)
    for name in TABLES:
        table = data.get(name)
        if not isinstance(table, dict):
            continue
        kept: dict[str, Record] = {}
        for key, record in table.items():
            own = own_record(name, record, kind_of)
            if own is not None:
                kept[key] = own
        out[name] = kept
    return out


def erase_partner_side(store: Store) -> Erased:
    """Remove the partner's side from the hot file and every archive month.

    Crash-safe in two steps, each under the store's lock: first the hot file (its
    records, and the months' counts lowered by what will leave them), in one atomic
    write; then each month, written whole. A kill in between leaves a month holding
    more than its count says, which readers accept, and a second run finishes it."""
    done = Erased()
    deliveries = store.everything().get("deliveries", [])
    kind_of = kinds_of(deliveries)
    months = store.months()
    with store.transaction() as tx:
        for name in TABLES:
            gone = []
            for record in tx.records(name):
                own = own_record(name, record, kind_of)
                if done.note(name, record, own) and own is not None:
                    tx.put(name, own)
                elif own is None:
                    gone.append(str(record["id"]))
            tx.remove(name, gone)
        expected = archives.known(tx.meta)
        lowered = dict(expected or {})
        for month in months:
            data = read_file(store.archive_dir / f"{month}.json", store.key) or {}
            if month in lowered:
                lowered[month] -= archives.count(data) - archives.count(_own_month(data, kind_of))
        if expected is not None and lowered != expected:
            tx.set_meta({archives.META: lowered})
    for month in months:
        with store.transaction():
            path = store.archive_dir / f"{month}.json"
            data = read_file(path, store.key) or {}
            own = _own_month(data, kind_of)
            if own == data:
                continue
            for name in TABLES:
                before = data.get(name) or {}
                after = own.get(name) or {}
                for key, record in before.items():
                    kept = after.get(key) if isinstance(after, dict) else None
                    done.note(name, record, kept)
            write_file(path, own, store.key)
    return done


# the offer -----------------------------------------------------------------------------


def occurrence(records: Mapping[str, Iterable[Record]], zone: tzinfo, now: datetime) -> str | None:
    """The still stretch movement came back after (its first Monday), if movement is
    noted in 3 of the last 4 whole weeks right after one; else None."""
    last = triggers.last_whole_week(now, zone)
    found = triggers.movement_returned(triggers.weeks(records, zone, last), last)
    return found.isoformat() if found else None


def offer_due(
    records: Mapping[str, Iterable[Record]],
    zone: tzinfo,
    now: datetime,
    meta: Mapping[str, object],
    recording: bool = True,
) -> str | None:
    """The occurrence to offer for on the home page now, or None: never when the
    partner's side is not recorded already, and never again once answered."""
    if not recording or isinstance(meta.get(META), Mapping):
        return None
    return occurrence(records, zone, now)


def answer(store: Store, run: str, value: str, now: datetime) -> None:
    """Keep the offer's answer ("not_now" or "done"): the offer does not come back."""
    if value not in ANSWERS:
        raise ValueError(f"'{value}' is not one of: {', '.join(ANSWERS)}")
    with store.transaction() as tx:
        if not isinstance(tx.meta.get(META), Mapping):
            tx.set_meta({META: {"run": run, "answer": value, "at": format_instant(now)}})
