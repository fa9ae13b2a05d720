"""One data file, crash-safe: written whole to a temporary file, fsynced, renamed
into place and the folder fsynced; read back with its shape checked. The store (the
hot file and the archives) is built on these; nothing else writes a file of ours.
A sealed file (encrypted at rest, `sealing`) is told from a plain one by its first
bytes; `opened` gives its plain bytes, or says why the config's key does not fit it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from tinydb.middlewares import Middleware
from tinydb.storages import Storage

from halfway.core.rawjson import Record
from halfway.store import faults, layout, sealing
from halfway.words import invoked
from halfway.words.language import _

SCHEMA_VERSION = layout.SCHEMA_VERSION


class StoreError(Exception):
    """The data files cannot be used; the message names the file and says why."""


class KeyProblem(StoreError):
    """The data's encryption and the config's key do not match: a sealed file and no key,
    a key that does not open it, a plain file while a key is set (exit 2: the config or
    a `halfway encrypt` is to change, not the data)."""


# one crash-safe file -------------------------------------------------------------


def write_file(
    path: Path, data: dict[str, Any], key: bytes | None = None, name: str | None = None
) -> None:
    """Replace `path` with `data` as JSON, atomically and durably (mode 0600); with a
    `key`, sealed (encrypted at rest, `sealing`) and bound to the file's name (`name`,
    else its own), before any byte of it reaches the disk, the temporary file too.

    A disk that is full or read-only is a StoreError naming the file: the old file
    stays as it was, and nothing half-written is left behind.
    """
    text = orjson.dumps(data)
    if key is not None:
        text = sealing.seal(key, text, name or path.name)
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
    said = _("{path}: cannot be written ({reason}); nothing was changed")
    return StoreError(said.format(path=path, reason=error.strerror or error))


def space_problem(folder: Path, need: int) -> str | None:
    """Why `folder` cannot take a write of about `need` bytes (read-only, or too full),
    from one statvfs: cheap enough for every /healthz."""
    try:
        info = os.statvfs(folder)
    except OSError as error:
        return _("{folder}: cannot be checked ({reason})").format(
            folder=folder, reason=error.strerror
        )
    if info.f_flag & os.ST_RDONLY:
        return _("{folder}: the disk is read-only; halfway cannot save anything").format(
            folder=folder
        )
    if info.f_bavail * info.f_frsize < need:
        return _("{folder}: the disk is full; halfway cannot save anything").format(folder=folder)
    return None


def fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_file(
    path: Path, key: bytes | None = None, name: str | None = None
) -> dict[str, Any] | None:
    """The parsed data file, None if it does not exist; StoreError if it is unusable,
    KeyProblem if it is sealed and `key` is None or does not open it, or it is plain
    and a `key` is given (a folder is all sealed or all plain: `opened`)."""
    raw = read_raw(path)
    return None if raw is None else parsed(path, opened(path, raw, key, name))


def read_raw(path: Path) -> bytes | None:
    """The file's bytes as they are on the disk, None if it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        said = _("{path}: cannot be read ({reason})")
        raise StoreError(said.format(path=path, reason=error.strerror)) from None


def opened(path: Path, raw: bytes, key: bytes | None, name: str | None = None) -> bytes:
    """The plain bytes of a data file read as `raw`, told sealed or plain by its own
    first bytes; KeyProblem when that does not match `key` (see `read_file`)."""
    if not sealing.is_sealed(raw):
        if key is None:
            return raw
        said = _(
            "{path}: this data is not encrypted, but [encryption] in the config names a"
            " key; run '{encrypt}' to encrypt it (or '{decrypt}' to finish decrypting it,"
            " then remove [encryption]); nothing was changed"
        )
        encrypt, decrypt = invoked.command("encrypt"), invoked.command("decrypt")
        raise KeyProblem(said.format(path=path, encrypt=encrypt, decrypt=decrypt))
    if key is None:
        said = _(
            "{path}: this data is encrypted, and the config names no key for it; set"
            " key_file (or credential) under [encryption] to the key it was encrypted with;"
            " nothing was changed"
        )
        raise KeyProblem(said.format(path=path))
    try:
        return sealing.unseal(key, raw, name or path.name)
    except sealing.SealError:
        said = _(
            "{path}: the key named under [encryption] does not open this file (another"
            " key, or the file was changed); name the key it was encrypted with;"
            " nothing was changed"
        )
        raise KeyProblem(said.format(path=path)) from None


def parsed(path: Path, text: bytes) -> dict[str, Any]:
    """A data file's plain bytes parsed, its shape and schema checked (StoreError)."""
    try:
        data: dict[str, Any] = orjson.loads(text)
        problem = layout.shape_problem(data)
        if problem:
            raise ValueError(problem)
    except ValueError as error:
        said = _(
            "{path}: the data file is damaged ({problem}); halfway will not overwrite it —"
            " restore it from a backup or move it aside"
        )
        raise StoreError(said.format(path=path, problem=error)) from None
    version = int(meta_of(data).get("schema_version", 1))
    if version > SCHEMA_VERSION:
        raise StoreError(newer(path, version))
    return data


def newer(path: Path | str, version: object) -> str:
    said = _("{path}: written by a newer halfway (schema {version}); upgrade halfway")
    return said.format(path=path, version=version)


def damaged(path: Path | str, error: object) -> str:
    return _("{path}: the data file is damaged ({problem})").format(path=path, problem=error)


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
            else _(
                "{path}: the data file is gone; halfway will not start over by itself. Restore"
                " it from a backup (then all carries on), or stop halfway and start it with"
                " --start-over"
            ).format(path=path)
        )
    if meta_of(data).get("file_id") != file_id:
        return (
            None
            if kept
            else _(
                "{path}: another data file took the place of the one halfway opened; halfway"
                " will not write into it. Put the right file back, or restart halfway to use"
                " the new one"
            ).format(path=path)
        )
    if write_count(data) < count:
        said = (
            _(
                "{path}: the data file is an older copy of itself (its write {n};"
                " halfway's last write was write {count}); halfway will not write into it."
                " Put the newest copy back, or carry on from this one: '{accept}'"
            )
            if kept
            else _(
                "{path}: the data file went back to an older copy (its write {n}; after write"
                " {count}); halfway will not write into it. Put the newest copy back, or carry"
                " on from this one: stop halfway, then '{accept}'"
            )
        )
        accept = invoked.command("run --accept-copy")
        return said.format(path=path, n=write_count(data), count=count, accept=accept)
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
        key: bytes | None = None,
    ) -> None:
        self.path = Path(path)
        self.key = key
        self.on_write = on_write
        self.on_read = on_read
        self.counts = counts

    def read(self) -> dict[str, Any] | None:
        data = read_file(self.path, self.key)
        if self.on_read:
            self.on_read(data)
        return data

    def write(self, data: dict[str, Any]) -> None:
        if self.counts:
            counted(data, self.path)
        write_file(self.path, data, self.key)
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
