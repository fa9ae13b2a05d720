"""One data file, crash-safe: written whole to a temporary file, fsynced, renamed
into place and the folder fsynced; read back with its shape checked. The store (the
hot file and the archives) is built on these; nothing else writes a file of ours.
`View` reads one parsed version of a file's records, `Tx` changes them in a
transaction (the store holds the lock around it).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.middlewares import Middleware
from tinydb.storages import Storage

from halfway.core.deliveries import OPEN
from halfway.core.rawjson import Record
from halfway.store import faults, layout
from halfway.store.kinds import Kinds
from halfway.words import invoked

SCHEMA_VERSION = layout.SCHEMA_VERSION


class StoreError(Exception):
    """The data files cannot be used; the message names the file and says why."""


# one crash-safe file -------------------------------------------------------------


def write_file(path: Path, data: dict[str, Any]) -> None:
    """Replace `path` with `data` as JSON, atomically and durably (mode 0600).

    A disk that is full or read-only is a StoreError naming the file: the old file
    stays as it was, and nothing half-written is left behind.
    """
    text = orjson.dumps(data)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise unwritable(path, error) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        faults.point("write")
        os.replace(temp, path)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise unwritable(path, error) from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    faults.point("written")


def unwritable(path: Path, error: OSError) -> StoreError:
    return StoreError(f"{path}: cannot be written ({error.strerror or error}); nothing was changed")


def space_problem(folder: Path, need: int) -> str | None:
    """Why `folder` cannot take a write of about `need` bytes (read-only, or too full),
    from one statvfs: cheap enough for every /healthz."""
    try:
        info = os.statvfs(folder)
    except OSError as error:
        return f"{folder}: cannot be checked ({error.strerror})"
    if info.f_flag & os.ST_RDONLY:
        return f"{folder}: the disk is read-only; halfway cannot save anything"
    if info.f_bavail * info.f_frsize < need:
        return f"{folder}: the disk is full; halfway cannot save anything"
    return None


def fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_file(path: Path) -> dict[str, Any] | None:
    """The parsed data file, None if it does not exist; StoreError if it is unusable."""
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StoreError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        data: dict[str, Any] = orjson.loads(text)
        problem = layout.shape_problem(data)
        if problem:
            raise ValueError(problem)
    except ValueError as error:
        raise StoreError(
            f"{path}: the data file is damaged ({error}); halfway will not overwrite it —"
            " restore it from a backup or move it aside"
        ) from None
    version = int(meta_of(data).get("schema_version", 1))
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: written by a newer halfway (schema {version}); upgrade halfway")
    return data


def meta_of(data: dict[str, Any]) -> Record:
    """The file's one meta record, or {} before the first write."""
    return dict(next(iter(data.get("meta", {}).values()), {}))


def write_count(data: dict[str, Any]) -> int:
    """How many times the hot file was written (`meta.writes`): it only ever grows, so
    a file whose count went down is an older copy put back."""
    found = meta_of(data).get("writes", 0)
    return found if isinstance(found, int) else 0


def counted(data: dict[str, Any], path: Path | None = None) -> None:
    """Count one more write in the meta about to be written (none yet: nothing to do);
    never below the count kept beside the file (`path`): a copy taken on by choice
    (`run --accept-copy`) counts on from the newest, so that one stays the older."""
    meta = next(iter(data.get("meta", {}).values()), None)
    if isinstance(meta, dict):
        kept = last_write(path) if path else None
        floor = kept[1] if kept and kept[0] == meta.get("file_id") else 0
        meta["writes"] = max(write_count(data), floor) + 1


# Beside the hot file: its id and write count as its last write left them, so that an
# older copy put back while no halfway was running is noticed at the next start.
SIDECAR = "halfway.writes.json"
Seen = tuple[Any, int, bool]  # a file id, its write count, whether from the sidecar


def seen_in(data: dict[str, Any]) -> Seen:
    return (meta_of(data).get("file_id"), write_count(data), False)


def last_write(path: Path) -> tuple[str, int] | None:
    """The id and write count the hot file `path` had at its last write, from the file
    beside it; None if there is none (a new folder, one from before) or it cannot be read."""
    try:
        kept = orjson.loads(path.with_name(SIDECAR).read_bytes())
        file_id, count = kept["file_id"], kept["writes"]
    except (OSError, ValueError, TypeError, KeyError):
        return None
    usable = isinstance(file_id, str) and type(count) is int
    return (file_id, count) if usable else None


def keep_count(path: Path, data: dict[str, Any]) -> None:
    """After a write of the hot file (on disk already): its id and count beside it,
    replaced whole. Written after the file, a crash leaves it behind the file, never
    ahead; a disk that refuses it costs only this guard (the write itself is done)."""
    file_id = meta_of(data).get("file_id")
    if not isinstance(file_id, str):
        return
    temp: str | None = None
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{SIDECAR}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(orjson.dumps({"file_id": file_id, "writes": write_count(data)}))
        os.replace(temp, path.with_name(SIDECAR))
    except OSError:
        if temp:
            Path(temp).unlink(missing_ok=True)


def kept_seen(path: Path) -> Seen | None:
    """What the hot file was at its last write, as `identity_problem` takes it."""
    kept = last_write(path)
    return (kept[0], kept[1], True) if kept else None


def identity_problem(path: Path, data: dict[str, Any] | None, seen: Seen | None) -> str | None:
    """Why the hot file read now is not the one last seen (`seen`: its `file_id`, its
    write count, and whether that comes from the file's last write, kept beside it,
    rather than from this process's own reading), or None: it is gone, another took its
    place, or an older copy of it was put back (its count went down). From beside it,
    only an older copy is a problem: a missing file is the store's to say, and another
    file is one put there on purpose while halfway was stopped."""
    if seen is None:
        return None
    file_id, count, kept = seen
    if data is None:
        return (
            None
            if kept
            else (
                f"{path}: the data file is gone; halfway will not start over by itself. Restore"
                " it from a backup (then all carries on), or stop halfway and start it with"
                " --start-over"
            )
        )
    if meta_of(data).get("file_id") != file_id:
        return (
            None
            if kept
            else (
                f"{path}: another data file took the place of the one halfway opened; halfway"
                " will not write into it. Put the right file back, or restart halfway to use"
                " the new one"
            )
        )
    if write_count(data) < count:
        went = "is an older copy of itself" if kept else "went back to an older copy"
        last = "halfway's last write was write" if kept else "after write"
        stop = "" if kept else " stop halfway, then"
        return (
            f"{path}: the data file {went} (its write {write_count(data)}; {last} {count});"
            " halfway will not write into it. Put the newest copy back, or carry on from"
            f" this one:{stop} '{invoked.command('run --accept-copy')}'"
        )
    return None


class AtomicStorage(Storage):
    """TinyDB storage that reads with orjson and replaces the whole file atomically. The
    hot file's (`counts`) counts each write in its meta and keeps the count beside it."""

    def __init__(
        self,
        path: str,
        on_write: Callable[[dict[str, Any]], None] | None = None,
        on_read: Callable[[dict[str, Any] | None], None] | None = None,
        counts: bool = False,
    ) -> None:
        self.path = Path(path)
        self.on_write = on_write
        self.on_read = on_read
        self.counts = counts

    def read(self) -> dict[str, Any] | None:
        data = read_file(self.path)
        if self.on_read:
            self.on_read(data)
        return data

    def write(self, data: dict[str, Any]) -> None:
        if self.counts:
            counted(data, self.path)
        write_file(self.path, data)
        if self.counts:
            keep_count(self.path, data)  # after the file is safe: never ahead of it
        if self.on_write:
            self.on_write(data)

    def close(self) -> None:
        pass


class OneWrite(Middleware):
    """TinyDB middleware (its documented layer between the tables and the storage) that
    keeps a transaction's document in memory: the file is read at the first read, every
    table change replaces the document here, and `close` writes it to the storage once,
    if anything changed. So a transaction is one crash-safe write, however many records
    it puts."""

    def __init__(self, storage_cls: Callable[[str], Storage]) -> None:
        super().__init__(storage_cls)
        self.data: dict[str, Any] | None = None
        self.changed = False

    def read(self) -> dict[str, Any] | None:
        if self.data is None:
            self.data = self.storage.read()
        return self.data

    def write(self, data: dict[str, Any]) -> None:
        self.data = data
        self.changed = True

    def close(self) -> None:
        if self.changed and self.data is not None:
            self.storage.write(self.data)
            self.changed = False
        self.storage.close()


# the hot file's records, read (View) and changed in a transaction (Tx) ---------


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
