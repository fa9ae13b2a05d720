"""The hot file's records: `View` reads one parsed version of them, `Tx` changes them
in a transaction (the store holds the lock around it and writes the file once).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from tinydb import TinyDB

from halfway.core.deliveries import OPEN
from halfway.core.rawjson import Record
from halfway.store.datafile import meta_of
from halfway.store.kinds import Kinds


class View(Kinds):
    """One parsed version of the hot file, for reading only (shared: do not modify)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self._index: dict[str, dict[str, Record]] = {}

    def records(self, table: str) -> list[Record]:
        return list(self.data.get(table, {}).values())

    def open_deliveries(self) -> list[Record]:
        """Deliveries with a send not yet finished (worked out once per version of the file)."""
        if "open" not in self._index:
            self._index["open"] = {
                d["id"]: d
                for d in self.records("deliveries")
                if any(send["state"] in OPEN for send in d["channels"].values())
            }
        return list(self._index["open"].values())

    def get(self, table: str, record_id: str) -> Record | None:
        if table not in self._index:
            self._index[table] = {r["id"]: r for r in self.records(table) if "id" in r}
        return self._index[table].get(record_id)

    @property
    def meta(self) -> Record:
        return meta_of(self.data)


class Tx(Kinds):
    """A locked read-modify-write of the hot file: records keyed by their `id`."""

    def __init__(self, db: TinyDB) -> None:
        self._db = db
        self._doc_ids: dict[str, dict[str, int]] = {}

    def _raw(self, table: str) -> dict[str, Record]:
        # The table's stored documents by doc id, as the storage holds them (`OneWrite`,
        # TinyDB's storage interface: the whole document), without TinyDB building a
        # Document for each (the index below is rebuilt in every transaction).
        raw: dict[str, Record] = (self._db.storage.read() or {}).get(table, {})
        return raw

    def _ids(self, table: str) -> dict[str, int]:
        if table not in self._doc_ids:
            self._doc_ids[table] = {d["id"]: int(k) for k, d in self._raw(table).items()}
        return self._doc_ids[table]

    def records(self, table: str) -> list[Record]:
        return [dict(d) for d in self._raw(table).values()]

    def get(self, table: str, record_id: str) -> Record | None:
        doc_id = self._ids(table).get(record_id)
        found = self._raw(table).get(str(doc_id)) if doc_id else None
        return dict(found) if found is not None else None

    def put(self, table: str, record: Mapping[str, Any]) -> None:
        """Insert `record`, or replace the one with its `id`."""
        ids = self._ids(table)
        doc_id = ids.get(record["id"])
        if doc_id is None:
            ids[record["id"]] = self._db.table(table).insert(record)
            return

        def replace(doc: MutableMapping[str, Any]) -> None:
            doc.clear()
            doc.update(record)

        self._db.table(table).update(replace, doc_ids=[doc_id])

    def remove(self, table: str, record_ids: Iterable[str]) -> None:
        ids = self._ids(table)
        doc_ids = [ids.pop(i) for i in set(record_ids) if i in ids]
        if doc_ids:
            self._db.table(table).remove(doc_ids=doc_ids)

    @property
    def meta(self) -> Record:
        return dict(self._db.table("meta").all()[0])

    def set_meta(self, changes: Record) -> None:
        self._db.table("meta").update(changes)
