"""The data files, and the only code that touches them: a small hot file and monthly archives.

Layout of the data folder:
- `halfway.json`: the *hot* file (TinyDB): meta, a cursor per nudge, what is open or
  recent and the practices' records still in play (what leaves, and when: `layout.py`).
  A tick, claim, reply or status reads and writes only this.
- `archive/YYYY-MM.json`: read-only archives of the same shape, finished records by
  month, read by history, export, the digest and the care check.

Crash safety: every change of a file is written whole to a temporary file beside it,
fsynced, renamed over the old one, the folder fsynced: after SIGKILL, old or new.
Records move to an archive first and leave the hot file after, so a kill between
the two leaves a record in both; readers keep one copy per `id` (the hot one). Each
read-modify-write holds one inter-process file lock (archives are written only under
it too) and uses a fresh TinyDB instance. Reads need no lock.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from filelock import FileLock
from tinydb import TinyDB

from halfway.core.instants import format_instant
from halfway.core.rawjson import Record
from halfway.store import archives, layout, owners, refusals
from halfway.store.datafile import (
    AtomicStorage,
    OneWrite,
    Seen,
    StoreError,
    fsync_dir,
    identity_problem,
    kept_seen,
    meta_of,
    read_file,
    seen_in,
    space_problem,
    unwritable,
    write_file,
)
from halfway.store.views import Tx, View

__all__ = [
    "AtomicStorage",
    "Record",
    "Store",
    "StoreError",
    "Tables",
    "Tx",
    "View",
    "meta_of",
    "new_id",
    "read_file",
    "write_file",
]

log = logging.getLogger("halfway")

SCHEMA_VERSION = layout.SCHEMA_VERSION
Tables = dict[str, list[Record]]
# Files a daemon leaves once it has run on a folder (its lock, the reply key): with
# them and no hot file, the hot file was lost, not never made.
HELD_SIGNS = ("halfway.daemon.lock", "secret.key")


def new_id(prefix: str) -> str:
    """A short random id that stays with its record for good."""
    return f"{prefix}_{secrets.token_hex(6)}"


# reading and writing the hot file ---------------------------------------------------


class Store:
    """The hot file and its archives in one data folder, behind one lock."""

    def __init__(
        self,
        data_dir: Path,
        clock: Callable[[], datetime] | None = None,
        start_over: bool = False,
        create: bool = True,
        accept_copy: bool = False,
        key: bytes | None = None,
    ) -> None:
        """Open the data folder, making it and an empty hot file if it is new.

        A folder that has held a hot file (its lock file is left beside it) but lost
        it is refused: halfway never quietly starts over; `start_over` is that act. So is
        a hot file older than its last write (datafile.SIDECAR): `accept_copy` takes it.
        With `create=False` (the commands that only read) a folder with no data yet
        is left as it is: it reads as empty, and a write is refused. With a `key` (the
        config's, `atrest.store_key`) every file is sealed; see `datafile.opened`.
        """
        self.data_dir, self.key = Path(data_dir), key
        self.clock = clock or (lambda: datetime.now(UTC))
        self.path = self.data_dir / "halfway.json"
        self.archive_dir = self.data_dir / "archive"
        self.backup = self.data_dir / layout.BACKUP_NAME
        # the hot file last read or written (its id, its write count), else its last write
        self._seen: Seen | None = None if accept_copy else kept_seen(self.path)
        self._cache: tuple[tuple[int, int, int], View] | None = None
        self._written: tuple[int, int, int] | None = None
        self._told: set[str] = set()  # archived records of the wrong shape, warned of once
        self.readonly = not create and not self.path.exists()
        if owners.check(self.data_dir, writing=create):  # root reading another's folder:
            self.readonly = True  # no lock, no clean-up, no upgrade; nothing written
            return
        if self.readonly:
            if any((self.data_dir / n).exists() for n in HELD_SIGNS):
                raise StoreError(refusals.missing_file(self.path, starting=False))
            return
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.data_dir.stat().st_uid == os.geteuid():
                self.data_dir.chmod(0o700)
        except OSError as error:
            raise StoreError(refusals.unusable_folder(self.data_dir, str(error.strerror))) from None
        held = self.months() or any((self.data_dir / n).exists() for n in HELD_SIGNS)
        self._lock = FileLock(str(self.path) + ".lock", mode=0o600, preserve_lock_file=True)
        with self._lock:
            if not self.path.exists():
                if held and not start_over:
                    raise StoreError(refusals.missing_file(self.path, starting=True))
                write_file(self.path, {"meta": {"1": self.new_meta()}}, key)
        self.view()  # refuse a damaged file now, not at the first write
        with self._lock:
            for folder in (self.data_dir, self.archive_dir):
                for stale in folder.glob(".*.tmp"):
                    stale.unlink(missing_ok=True)  # left by a writer killed mid-write
            self._upgrade()

    # reading ---------------------------------------------------------------------

    def view(self) -> View:
        """The hot file as it is now, parsed again only when it changed.

        Every write renames a new file into place, so (inode, mtime, size) changes
        with each one, from any process. File times tick coarsely and inode numbers
        are reused: a file changed in the last moment is always read again.
        """
        try:
            info = self.path.stat()
        except FileNotFoundError:
            self.same_file(None)
            return View({})
        key = (info.st_ino, info.st_mtime_ns, info.st_size)
        settled = time.time_ns() - info.st_mtime_ns > 200_000_000
        trusted = settled or key == self._written  # what this process itself just wrote
        if self._cache is None or self._cache[0] != key or not trusted:
            data = read_file(self.path, self.key)
            self.same_file(data)
            self._cache = (key, View(data or {}))
        return self._cache[1]

    def new_meta(self) -> Record:
        """A new hot file's meta: schema, id, when begun, no archive months yet."""
        meta = {
            **layout.new_meta(),
            "file_id": new_id("f"),
            "created_at": format_instant(self.clock()),
        }
        return {**meta, archives.META: {}}

    def same_file(self, data: dict[str, Any] | None) -> None:
        """StoreError if the hot file this Store opened is gone, another took its place,
        or an older copy of it was put back (`datafile.identity_problem`).

        Every write keeps the file's `file_id` and counts itself in `writes`; a file that
        lacks an id (from an older halfway) is given one at its next write.
        """
        problem = identity_problem(self.path, data, self._seen)
        if problem:
            raise StoreError(problem)
        if data is not None:
            self._seen = seen_in(data)

    def space_problem(self) -> str | None:
        """Why the next write would fail (a read-only or full disk), or None."""
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0
        return space_problem(self.data_dir, 2 * size + (1 << 16))

    def stamp(self) -> tuple[int, int, int] | None:
        """What identifies the hot file's current version (one stat, no parse)."""
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return None
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def _wrote(self, data: dict[str, Any]) -> None:
        """Remember what a transaction of ours wrote, so reading it back costs no parse.

        Under the lock nobody else wrote in between; another writer's later file has a
        new inode (ours still held its number when theirs was made), so the key tells.
        """
        info = self.path.stat()
        self._written = (info.st_ino, info.st_mtime_ns, info.st_size)
        self._cache = (self._written, View(data))
        self._seen = seen_in(data)

    def months(self) -> list[str]:
        """The archive months there are, oldest first ('2026-11', …)."""
        if not self.archive_dir.is_dir():
            return []
        return sorted(p.stem for p in self.archive_dir.glob("????-??.json"))

    def archive(self, month: str, expected: dict[str, int] | None = None) -> Tables:
        """One month's records; a record of the wrong shape is named once (a warning) and
        left out. StoreError if the month holds fewer records than `expected` says (the
        hot file's list, see `archives`) were written to it."""
        path = self.archive_dir / f"{month}.json"
        data = read_file(path, self.key) or {}
        problem = archives.shrunk(path, month, archives.count(data), expected)
        if problem:
            raise StoreError(problem)
        tables, malformed = archives.well_formed(path, data)
        for line in malformed:
            if line not in self._told:
                self._told.add(line)
                log.warning("%s", line)
        return tables

    def everything(self, since_month: str | None = None, until_month: str | None = None) -> Tables:
        """Every record from the archives (from `since_month` on, up to `until_month`) and
        the hot file, one per id. StoreError for a month in that span the hot file's list
        names that is missing or cut short: never less than was written, quietly."""
        merged: dict[str, dict[str, Record]] = {name: {} for name in layout.TABLES}
        view = self.view()
        expected = archives.known(view.meta)
        for month in sorted(set(self.months()) | set(expected or {})):
            if (since_month or month) <= month <= (until_month or month):
                gone = archives.missing(self.archive_dir, {month: (expected or {}).get(month, 0)})
                if gone:
                    raise StoreError(gone)
                for name, records in self.archive(month, expected).items():
                    layout.merge_into(name, merged.setdefault(name, {}), records)
        for name in merged:
            layout.merge_into(name, merged[name], view.records(name))
        return {name: list(records.values()) for name, records in merged.items()}

    def archive_problem(self) -> str | None:
        """A month the hot file's list names whose file is gone (one listing of the folder)."""
        return archives.missing(self.archive_dir, archives.known(self.view().meta))

    def archived(self, table: str, record_id: str) -> Record | None:
        """A record that has left the hot file (its latest copy in the archives), or None.
        Put back in the hot file with a change, the hot copy is the one every reader sees."""
        found: dict[str, Record] = {}
        for month in self.months():
            layout.merge_into(table, found, self.archive(month).get(table, []))
        return found.get(record_id)

    # writing ---------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A locked read-modify-write of the hot file: all of it reaches the disk, or none."""
        if self.readonly:
            raise StoreError(refusals.nothing_yet(self.data_dir))
        try:
            self._lock.acquire()
        except OSError as error:  # the lock file cannot be opened: a read-only disk
            raise unwritable(Path(self._lock.lock_file), error) from None
        try:
            with self._open() as db:
                yield Tx(db)
        finally:
            self._lock.release()

    @contextmanager
    def _open(self) -> Iterator[TinyDB]:
        storage = partial(
            AtomicStorage, on_write=self._wrote, on_read=self.same_file, counts=True, key=self.key
        )
        db = TinyDB(str(self.path), storage=OneWrite(storage))  # written once, at close
        meta = db.table("meta").all()
        if not meta:
            db.table("meta").insert(self.new_meta())
        elif "file_id" not in meta[0]:  # a file from an older halfway: it gets its id now
            db.table("meta").update({"file_id": new_id("f")})
        yield db
        db.close()  # writes the document, if anything changed: the one atomic write

    def add(self, table: str, record: Record) -> Record:
        """Insert one record the user wrote (an entry, a talk), giving it its id."""
        record = {"id": new_id(table[0]), **record}
        with self.transaction() as tx:
            tx.put(table, record)
        return record

    def compact(self, now: datetime) -> int:
        """Move finished records from the hot file to the archives; how many moved.

        Archive first, hot file after: a kill between leaves copies in both, which
        readers merge by id and the next compaction finishes. The months and their
        counts go into the hot file's meta with it (`archives`): a month written but
        not yet listed holds more than the list says, never less.
        """
        with self.transaction() as tx:
            found = layout.choose_moves(tx.records, now)
            expected = archives.known(tx.meta)
            if expected is None:  # a folder from before the list: what is there now
                expected = archives.counts(self.archive_dir, self.months(), self.key)
            written = {
                month: self.append_archive(month, tables, expected)
                for month, tables in sorted(found.moves.items())
            }
            for month_tables in found.moves.values():
                for name, records in month_tables.items():
                    staying = {r["id"] for r in found.rewrite.get(name, [])}
                    tx.remove(name, (r["id"] for r in records if r["id"] not in staying))
            for name, records in found.rewrite.items():
                for record in records:
                    tx.put(name, record)
            months = archives.with_counts(expected, written)
            if months is not None or archives.known(tx.meta) is None:
                tx.set_meta({archives.META: months or expected})
        return found.count()

    def append_archive(
        self, month: str, tables: Tables, expected: dict[str, int] | None = None
    ) -> int:
        """Add records to one month's archive (replacing those with the same id, a
        boundary's answers joined: `layout.merged`), crash-safe; how many it holds now.
        A month the list names that is gone or cut short is refused, never begun anew."""
        self.archive_dir.mkdir(mode=0o700, exist_ok=True)
        path = self.archive_dir / f"{month}.json"
        listed = {month: expected[month]} if expected and month in expected else None
        gone = archives.missing(self.archive_dir, listed)
        if gone:
            raise StoreError(gone)
        data = read_file(path, self.key) or {"meta": {"1": layout.new_meta()}}
        cut = archives.shrunk(path, month, archives.count(data), expected)
        if cut:
            raise StoreError(cut)
        archives.add(data, tables)
        write_file(path, data, self.key)
        return archives.count(data)

    # the single-file layout of halfway 0.1 ----------------------------------------

    def _upgrade(self) -> None:
        """Move a single-file data folder to the hot/archive layout (under the lock).

        The old file is first kept as a hard link (`halfway.v1.json`); it is removed
        only once every record in it is found in the new files. A kill at any step
        leaves files that parse, and the next start carries on from there.
        """
        now = self.clock()
        data = read_file(self.path, self.key)
        if data is not None and layout.is_old(data):
            if not self.backup.exists():
                os.link(self.path, self.backup)
                fsync_dir(self.data_dir)
            write_file(self.path, layout.upgrade(data), self.key)
        if self.backup.exists():
            self._cache = None
            self.compact(now)
            missing = layout.missing(
                read_file(self.backup, self.key, self.path.name) or {}, self.everything()
            )
            if missing:
                raise StoreError(refusals.lost_in_upgrade(self.backup, set(missing)))
            self.backup.unlink()
            fsync_dir(self.data_dir)
        self._cache = None
