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
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
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
    version = int(meta_of(data).get("schema_version", SCHEMA_VERSION))
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: written by a newer halfway (schema {version}); upgrade halfway")
    return data


def meta_of(data: dict[str, Any]) -> Record:
    """The file's one meta record (schema version, alert state), or {} before the first write."""
    return dict(next(iter(data.get("meta", {}).values()), {}))


def _cancel_reminders(table: Any, delivery_id: str) -> None:
    """Reminders of this delivery not yet sent become `cancelled`."""
    for doc in table.search(Query().reminder_of == delivery_id):
        channels = {
            name: {**r, "state": "cancelled"} if r["state"] in ("pending", "failed") else r
            for name, r in doc["channels"].items()
        }
        if channels != doc["channels"]:
            record = {**doc, "channels": channels}
            table.update(
                {"channels": channels, "state": delivery_state(record)}, doc_ids=[doc.doc_id]
            )


def identity(delivery: Record) -> tuple[str, ...]:
    """What makes a delivery the same one twice: a fire is its nudge and scheduled instant;
    a reminder, the delivery it reminds of and when; a manual send is always new."""
    if delivery.get("manual"):
        return ("manual", delivery.get("id") or new_id("m"))
    if delivery.get("reminder_of"):
        return ("reminder", delivery["reminder_of"], delivery["scheduled_for"])
    return ("fire", delivery["nudge_id"], delivery["scheduled_for"])


def _open(pause: Record, now: str) -> bool:
    """A pause that has not ended by `now` (ISO text in UTC)."""
    return pause["until"] is None or bool(pause["until"] > now)


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
        self._lock = FileLock(str(self.path) + ".lock", mode=0o600, preserve_lock_file=True)
        self._cache: tuple[tuple[int, int, int], dict[str, Any]] | None = None
        self._read()  # refuse a damaged file now, not at the first write
        with self._lock:
            for stale in self.data_dir.glob(f".{self.path.name}.*.tmp"):
                stale.unlink(missing_ok=True)  # left by a writer killed mid-write

    def _read(self) -> dict[str, Any]:
        """The parsed file for reading only, parsed again only when the file changed.

        Every write renames a new file into place, so (inode, mtime, size) changes
        with each one, from any process. Callers must not modify what this returns.
        """
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return {}
        key = (info.st_ino, info.st_mtime_ns, info.st_size)
        # File times tick coarsely and inode numbers are reused: a file changed in
        # the last moment is always read again rather than trusted by its stat.
        settled = time.time_ns() - info.st_mtime_ns > 200_000_000
        if self._cache is None or self._cache[0] != key or not settled:
            self._cache = (key, read_file(self.path) or {})
        return self._cache[1]

    # the one running daemon ------------------------------------------------

    def hold_daemon_lock(self) -> FileLock:
        """Take the lock that says a daemon runs on this data; StoreError if one already does."""
        lock = FileLock(
            str(self.data_dir / "halfway.daemon.lock"), mode=0o600, preserve_lock_file=True
        )
        try:
            lock.acquire(timeout=0)
        except Timeout:
            pid = self.daemon_pid()
            raise StoreError(
                f"{self.data_dir}: another halfway daemon is already running on this data"
                + (f" (pid {pid})" if pid else "")
            ) from None
        pid_file = self.data_dir / "halfway.pid"
        pid_file.write_text(f"{os.getpid()}\n", encoding="utf-8")
        return lock

    def daemon_pid(self) -> int | None:
        """The pid of the daemon running on this data, or None if none is."""
        lock = FileLock(
            str(self.data_dir / "halfway.daemon.lock"), mode=0o600, preserve_lock_file=True
        )
        try:
            lock.acquire(timeout=0)
        except Timeout:
            try:
                return int((self.data_dir / "halfway.pid").read_text().strip())
            except (OSError, ValueError):
                return None
        lock.release()
        return None

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
        data = self._read()
        return [dict(record) for record in data.get(name, {}).values()]

    # deliveries -----------------------------------------------------------

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
            state = delivery_state({**record, "channels": channels})
            table.update({"channels": channels, "state": state}, found.id == delivery_id)
        return {**record, "channels": channels, "state": state}

    def deliveries(self) -> list[Record]:
        return self._table("deliveries")

    def delivery(self, delivery_id: str) -> Record | None:
        return next((d for d in self.deliveries() if d["id"] == delivery_id), None)

    def last_scheduled(self, nudge_id: str) -> str | None:
        """The latest scheduled fire recorded for a nudge (ISO text in UTC), if any.

        Manual sends and reminders are not fires of the schedule: they must not
        move an `every` nudge's rhythm or hide a fire that is still owed.
        """
        times = [
            d["scheduled_for"]
            for d in self.deliveries()
            if d["nudge_id"] == nudge_id and not d.get("manual") and not d.get("reminder_of")
        ]
        return max(times, default=None)

    def outbox_pending(self) -> int:
        """How many channel sends are not yet through (pending, sending or failed)."""
        return sum(
            1
            for delivery in self.deliveries()
            for result in delivery["channels"].values()
            if result["state"] in OPEN
        )

    def record_fires(self, records: list[Record]) -> list[Record]:
        """Insert deliveries for several fires in one write; those already recorded are left out.

        Returns the records that were new.
        """
        added: list[Record] = []
        with self.transaction() as db:
            table = db.table("deliveries")
            known = {identity(d) for d in table.all()}
            for record in records:
                key = identity(record)
                if key in known:
                    continue
                known.add(key)
                record = {"id": new_id("d"), **record}
                table.insert(record)
                added.append(record)
        return added

    def claim_sends(
        self, now: str, owner: Record, give_up_before: str, only: str | None = None
    ) -> list[Record]:
        """Atomically take every channel send that is due, marking it `sending` by `owner`.

        Due: `pending`, or `failed` with its next attempt at or before `now`. A send
        whose delivery was due before `give_up_before` is marked `gave_up` instead.
        Returns the claimed deliveries, each with `claimed` listing its channels.
        """
        claimed: list[Record] = []
        with self.transaction() as db:
            table = db.table("deliveries")
            for doc in table.all():
                if doc["state"] != "pending" or (only and doc["id"] != only):
                    continue
                channels, names = dict(doc["channels"]), []
                for name, result in channels.items():
                    due = result["state"] == "pending" or (
                        result["state"] == "failed" and result.get("next_attempt", "") <= now
                    )
                    if not due:
                        continue
                    if doc["due_at"] < give_up_before:
                        channels[name] = {**result, "state": "gave_up", "next_attempt": None}
                        continue
                    channels[name] = {
                        **result,
                        "state": "sending",
                        "attempts": result["attempts"] + 1,
                        "started_at": now,
                        "owner": owner,
                    }
                    names.append(name)
                if channels != doc["channels"]:
                    record = {**doc, "channels": channels}
                    record["state"] = delivery_state(record)
                    table.update(
                        {"channels": channels, "state": record["state"]}, doc_ids=[doc.doc_id]
                    )
                    if names:
                        claimed.append({**record, "claimed": names})
        return claimed

    def recover_sends(self, is_dead: Callable[[Record], bool]) -> int:
        """Sends left `sending` by a process that died: back to pending, marked as re-sent."""
        count = 0
        with self.transaction() as db:
            table = db.table("deliveries")
            for doc in table.all():
                channels = dict(doc["channels"])
                for name, result in channels.items():
                    if result["state"] == "sending" and is_dead(result.get("owner") or {}):
                        channels[name] = {**result, "state": "pending", "resent_after_crash": True}
                        count += 1
                if channels != doc["channels"]:
                    table.update({"channels": channels}, doc_ids=[doc.doc_id])
        return count

    # per-nudge state: since when it is planned, and its pauses -------------

    def nudge_states(self) -> dict[str, Record]:
        return {r["nudge_id"]: r for r in self._table("nudges")}

    def ensure_planned(self, nudge_ids: list[str], now: str) -> dict[str, Record]:
        """Note when each nudge was first planned (its catch-up never reaches before that)."""
        with self.transaction() as db:
            table = db.table("nudges")
            known = {r["nudge_id"] for r in table.all()}
            for nudge_id in nudge_ids:
                if nudge_id not in known:
                    table.insert({"nudge_id": nudge_id, "since": now, "pauses": []})
        return self.nudge_states()

    def pause(self, nudge_ids: list[str], start: str, until: str | None) -> None:
        """Pause nudges (\"*\" for all) from `start` until `until` (None: until resumed)."""
        with self.transaction() as db:
            table = db.table("nudges")
            for nudge_id in nudge_ids:
                row = table.get(Query().nudge_id == nudge_id)
                before: list[Record] = row["pauses"] if row else []
                pauses = [p for p in before if not _open(p, start)]
                pauses.append({"from": start, "until": until})
                if row is None:
                    table.insert({"nudge_id": nudge_id, "since": start, "pauses": pauses})
                else:
                    table.update({"pauses": pauses}, doc_ids=[row.doc_id])

    def resume(self, nudge_ids: list[str], now: str) -> int:
        """End the open pauses of these nudges (\"*\" for the pause of all) now; how many ended."""
        ended = 0
        with self.transaction() as db:
            table = db.table("nudges")
            for row in table.all():
                if row["nudge_id"] not in nudge_ids:
                    continue
                pauses = []
                for p in row.get("pauses", []):
                    if _open(p, now):
                        p = {**p, "until": now}
                        ended += 1
                    pauses.append(p)
                table.update({"pauses": pauses}, doc_ids=[row.doc_id])
        return ended

    # small shared state (alerts, heartbeat) --------------------------------

    def meta(self) -> Record:
        return meta_of(self._read())

    def set_meta(self, changes: Record) -> None:
        with self.transaction() as db:
            db.table("meta").update(changes)

    # what the user writes -------------------------------------------------

    def add(self, table_name: str, record: Record) -> Record:
        """Insert a reply, entry or talk, giving it its id."""
        if table_name not in TABLES:
            raise ValueError(table_name)
        record = {"id": new_id(table_name[0]), **record}
        with self.transaction() as db:
            db.table(table_name).insert(record)
        return record

    def record_reply(
        self, delivery_id: str, version: Record, stop_reminders: bool = True
    ) -> tuple[Record, bool]:
        """Record a reply to a delivery; a later reply keeps the earlier ones in `history`.

        In the same write, reminders of the delivery not yet sent are cancelled
        (unless `stop_reminders` is False, for a "later"). Returns the reply and
        whether it is the delivery's first. A version carrying a `message_id`
        already recorded is ignored (a mail seen twice).
        """
        found = Query()
        with self.transaction() as db:
            table = db.table("replies")
            current = table.get(found.delivery_id == delivery_id)
            if current is None:
                record, first = (
                    {"id": new_id("r"), "delivery_id": delivery_id, **version, "history": []},
                    True,
                )
                table.insert(record)
            else:
                first = False
                seen = [current.get("message_id")] + [
                    v.get("message_id") for v in current["history"]
                ]
                if version.get("message_id") and version["message_id"] in seen:
                    return dict(current), False
                earlier = {k: current.get(k) for k in version}
                record = {**current, **version, "history": [*current["history"], earlier]}
                table.update(record, doc_ids=[current.doc_id])
            if stop_reminders:
                _cancel_reminders(db.table("deliveries"), delivery_id)
        return record, first

    def reply_to(self, delivery_id: str) -> Record | None:
        return next((r for r in self.replies() if r["delivery_id"] == delivery_id), None)

    def replies(self) -> list[Record]:
        return self._table("replies")

    def entries(self) -> list[Record]:
        return self._table("entries")

    def snapshot(self) -> dict[str, Any]:
        """Every record, read from one consistent version of the file."""
        data = self._read()
        return {
            "schema_version": SCHEMA_VERSION,
            **{name: [dict(r) for r in data.get(name, {}).values()] for name in TABLES},
        }


OPEN = ("pending", "sending", "failed")  # a channel send that is not finished yet
FINAL_DELIVERY = ("missed", "skipped")  # a delivery decided without sending


def delivery_state(record: Record) -> str:
    """A delivery's state from its channels': pending until each has an outcome."""
    if record.get("state") in FINAL_DELIVERY:
        return str(record["state"])
    states = [c["state"] for c in record["channels"].values()]
    if any(s in OPEN for s in states):
        return "pending"
    if states and all(s == "cancelled" for s in states):
        return "cancelled"  # a reminder made needless by a reply
    if states and all(s == "sent" for s in states):
        return "late" if record.get("late") else "sent"
    if any(s == "sent" for s in states):
        return "partial"
    return "failed"
