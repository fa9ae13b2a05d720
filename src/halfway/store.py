"""The data file: one TinyDB JSON document the user owns, and the only code that touches it.

Crash safety: every change is written whole to a temporary file in the same
folder, fsynced, then renamed over the old file, and the folder is fsynced,
so a reader (or a restart after SIGKILL) sees either the old file or the new
one, never a torn one. A change that returned is on disk.

Concurrency: each read-modify-write holds an inter-process file lock and uses
a fresh TinyDB instance (TinyDB caches the next document id and query
results per instance, which another process's insert would make stale).
Plain reads need no lock: the rename is atomic.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock
from tinydb import Query, TinyDB
from tinydb.middlewares import CachingMiddleware
from tinydb.storages import Storage

SCHEMA_VERSION = 1
TABLES = ("deliveries", "replies", "entries", "talks")
Record = dict[str, Any]


class StoreError(Exception):
    """The data file cannot be used; the message names it and says why."""


class AtomicStorage(Storage):
    """TinyDB storage that replaces the whole file atomically on each write."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def read(self) -> dict[str, Any] | None:
        return read_file(self.path)

    def write(self, data: dict[str, Any]) -> None:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        handle, temp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.path.parent)

    def close(self) -> None:
        pass


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_file(path: Path) -> dict[str, Any] | None:
    """The parsed data file, None if it does not exist yet; StoreError if unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StoreError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except ValueError as error:
        raise StoreError(
            f"{path}: the data file is damaged ({error}); halfway will not overwrite it —"
            " restore it from a backup or move it aside"
        ) from None
    meta: dict[str, Any] = next(iter(data.get("meta", {}).values()), {})
    version = int(meta.get("schema_version", SCHEMA_VERSION))
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: written by a newer halfway (schema {version}); upgrade halfway")
    return data


def new_id(prefix: str) -> str:
    """A short random id that stays with its record for good."""
    return f"{prefix}_{secrets.token_hex(6)}"


class Store:
    """Deliveries, replies, entries and talks in one crash-safe, locked file."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / "halfway.json"
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.data_dir.stat().st_uid == os.geteuid():
                self.data_dir.chmod(0o700)
        except OSError as error:
            raise StoreError(
                f"{self.data_dir}: cannot use the data folder ({error.strerror})"
            ) from None
        self._lock = FileLock(str(self.path) + ".lock", mode=0o600)
        read_file(self.path)  # refuse a damaged file now, not at the first write
        with self._lock:
            for stale in self.data_dir.glob(f".{self.path.name}.*.tmp"):
                stale.unlink(missing_ok=True)  # left by a writer killed mid-write

    @contextmanager
    def transaction(self) -> Iterator[TinyDB]:
        """A locked read-modify-write: all of it reaches the disk on exit, or none of it."""
        with self._lock:
            cache = CachingMiddleware(AtomicStorage)  # type: ignore[no-untyped-call]
            cache.WRITE_CACHE_SIZE = 1 << 30  # write once, at the end
            db = TinyDB(str(self.path), storage=cache)
            meta = db.table("meta")
            if not meta.all():
                meta.insert({"schema_version": SCHEMA_VERSION})
            yield db
            db.close()  # flushes the cache: the one atomic write

    def _table(self, name: str) -> list[Record]:
        data = read_file(self.path) or {}
        return [dict(record) for record in data.get(name, {}).values()]

    # deliveries -----------------------------------------------------------

    def add_delivery(self, record: Record) -> Record | None:
        """Insert a delivery unless one for the same fire (nudge_id, scheduled_for) exists."""
        found = Query()
        with self.transaction() as db:
            table = db.table("deliveries")
            same = (found.nudge_id == record["nudge_id"]) & (
                found.scheduled_for == record["scheduled_for"]
            )
            if table.contains(same):
                return None
            record = {"id": new_id("d"), **record}
            table.insert(record)
        return record

    def update_channels(self, delivery_id: str, changes: dict[str, Record]) -> Record:
        """Apply per-channel `changes` to a delivery and recompute its state, in one write."""
        found = Query()
        with self.transaction() as db:
            table = db.table("deliveries")
            record = table.get(found.id == delivery_id)
            if record is None:
                raise StoreError(f"{self.path}: no delivery {delivery_id}")
            channels = dict(record["channels"])
            for channel, change in changes.items():
                channels[channel] = {**channels.get(channel, {}), **change}
            state = delivery_state([c["state"] for c in channels.values()])
            table.update({"channels": channels, "state": state}, found.id == delivery_id)
        return {**record, "channels": channels, "state": state}

    def deliveries(self) -> list[Record]:
        return self._table("deliveries")

    def delivery(self, delivery_id: str) -> Record | None:
        return next((d for d in self.deliveries() if d["id"] == delivery_id), None)

    def last_scheduled(self, nudge_id: str) -> str | None:
        """The latest scheduled_for recorded for a nudge (ISO text in UTC), if any."""
        times = [d["scheduled_for"] for d in self.deliveries() if d["nudge_id"] == nudge_id]
        return max(times, default=None)

    def outbox_pending(self) -> int:
        """How many channel sends are not yet through (pending or failed)."""
        return sum(
            1
            for delivery in self.deliveries()
            for result in delivery["channels"].values()
            if result["state"] in ("pending", "failed")
        )

    # what the user writes -------------------------------------------------

    def add(self, table_name: str, record: Record) -> Record:
        """Insert a reply, entry or talk, giving it its id."""
        if table_name not in TABLES:
            raise ValueError(table_name)
        record = {"id": new_id(table_name[0]), **record}
        with self.transaction() as db:
            db.table(table_name).insert(record)
        return record

    def replies(self) -> list[Record]:
        return self._table("replies")

    def entries(self) -> list[Record]:
        return self._table("entries")

    def talks(self) -> list[Record]:
        return self._table("talks")

    def snapshot(self) -> dict[str, Any]:
        """Every record, read from one consistent version of the file."""
        data = read_file(self.path) or {}
        return {
            "schema_version": SCHEMA_VERSION,
            **{name: [dict(r) for r in data.get(name, {}).values()] for name in TABLES},
        }


def delivery_state(channel_states: list[str]) -> str:
    """A delivery's state from its channels': pending until each has an outcome."""
    if not channel_states or any(s == "pending" for s in channel_states):
        return "pending"
    if all(s == "sent" for s in channel_states):
        return "sent"
    if any(s == "sent" for s in channel_states):
        return "partial"
    return "failed"
