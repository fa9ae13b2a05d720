"""Backups that restore: `halfway backup` takes a data folder as it was at one instant,
`halfway restore` brings it back into an empty folder, both checked by id.

The files are read under the store's own lock (`halfway.json.lock`, which every write
of the hot file and the archives holds), so they are one consistent state: a running
daemon's next write waits until they are in memory (a moment), never longer. The file
is written like a data file (a temporary file, fsynced, renamed; mode 0600), never over
an existing one unless asked. What it holds and how it is checked: `backupfile`.

A restore verifies the whole backup first, then writes into an empty (or new) folder
under the daemon's lock (`runlock`), so no daemon starts on it half-way: the archive
months, the keys, the hot file, then its count, each crash-safe. It then reads the
folder back through the store and finds every id of the manifest there; if anything
fails on the way, what it wrote is removed again.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

from halfway.store import faults, layout, owners, runlock
from halfway.store.backupfile import (
    HOT,
    TOP,
    Backup,
    BadInput,
    manifest_of,
    open_backup,
    order,
    pack,
    whole_problem,
)
from halfway.store.database import Store, StoreError
from halfway.store.datafile import fsync_dir
from halfway.words.language import _

LOCK_WAIT = 60.0  # seconds a backup waits for a write under way (one takes milliseconds)
ARCHIVE = "archive"


# taking a backup -------------------------------------------------------------------


def backup(data_dir: Path, path: Path, key: bytes | None, force: bool, now: datetime) -> Backup:
    """Write a backup of `data_dir` to `path` (mode 0600, crash-safe; over an existing
    file only with `force`), sealed with `key` if there is one; the backup as written.
    BadInput for a `path` it cannot go to, StoreError when the folder cannot be taken."""
    path = Path(path)
    where_to(path, data_dir, force)
    files = read_folder(data_dir, key=key)
    manifest = manifest_of(files, now, key)
    write_private(path, pack(manifest, files, key), force)
    return Backup(manifest, files)


def where_to(path: Path, data_dir: Path, force: bool) -> None:
    """BadInput if a backup cannot go to `path`."""
    if path.is_dir():
        raise BadInput(_("{path}: is a folder; give a file name for the backup").format(path=path))
    if path.exists() and not force:
        raise BadInput(_("{path}: already exists; add --force to replace it").format(path=path))
    if not path.parent.is_dir():
        raise BadInput(
            _("{path}: the folder {parent} does not exist").format(path=path, parent=path.parent)
        )
    if path.resolve().is_relative_to(Path(data_dir).resolve()):
        raise BadInput(
            _("{path}: is inside the data folder; a backup there is lost with it").format(path=path)
        )


def read_folder(
    data_dir: Path, while_locked: Callable[[], None] | None = None, key: bytes | None = None
) -> dict[str, bytes]:
    """The files a backup takes from `data_dir` (by name: `archive/2026-11.json`), read
    under the store's lock.

    StoreError when there is no data to take, the lock stays held (another write), or
    the folder is not whole (an archive month missing or cut short: a backup of it would
    not restore). `while_locked` runs with the lock held, after the hot file is read (the
    tests' look at the lock).
    """
    data_dir = Path(data_dir)
    store = Store(data_dir, create=False, key=key)  # refuses a damaged or replaced hot file
    if not store.path.exists():
        raise StoreError(
            _("{data_dir}: no halfway data here yet; there is nothing to back up").format(
                data_dir=data_dir
            )
        )
    lock_path = Path(f"{store.path}.lock")
    # Root reading the service's folder takes the lock only where it is: a lock file
    # made by root would shut the service out (see `owners`).
    lock = (
        None
        if store.readonly and not lock_path.exists()
        else FileLock(str(lock_path), mode=0o600, preserve_lock_file=True)
    )
    try:
        if lock is not None:
            lock.acquire(timeout=LOCK_WAIT)
    except Timeout:
        raise StoreError(
            _(
                "{lock_path}: the data stayed locked for {wait:.0f} s (another halfway"
                " command writing?); no backup was written, try again"
            ).format(lock_path=lock_path, wait=LOCK_WAIT)
        ) from None
    try:
        files: dict[str, bytes] = {}
        for name in TOP:
            raw = _read(data_dir / name)
            if raw is not None:
                files[name] = raw
            if name == HOT and while_locked is not None:
                while_locked()
        for month in store.months():
            raw = _read(store.archive_dir / f"{month}.json")
            if raw is not None:
                files[f"{ARCHIVE}/{month}.json"] = raw
    finally:
        if lock is not None:
            lock.release()
    problem = whole_problem(files, lambda name: str(data_dir / name), key)
    if problem:
        raise StoreError(_("{problem}; no backup was written").format(problem=problem))
    return files


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StoreError(
            _("{path}: cannot be read ({reason})").format(path=path, reason=error.strerror)
        ) from None


def write_private(path: Path, data: bytes, force: bool) -> None:
    """`data` as `path`, mode 0600, whole or not at all: a temporary file beside it,
    fsynced, then linked (never over a file that appeared meanwhile) or, with `force`,
    renamed over it; the folder fsynced."""
    temp: str | None = None
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        faults.point("write")
        if force:
            os.replace(temp, path)
        else:
            os.link(temp, path)
            os.unlink(temp)
        temp = None
        fsync_dir(path.parent)
    except FileExistsError:
        raise BadInput(
            _("{path}: already exists; add --force to replace it").format(path=path)
        ) from None
    except OSError as error:
        raise StoreError(
            _("{path}: cannot be written ({reason}); nothing was written").format(
                path=path, reason=error.strerror
            )
        ) from None
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)


# restoring one ---------------------------------------------------------------------


def restore(path: Path, key: bytes | None, target: Path) -> Backup:
    """Restore the backup in `path` into `target`, an empty or new folder; the backup.

    BadInput (nothing changed) for a folder that holds anything or a file that is no
    backup; StoreError for a daemon running on the folder, a damaged backup (`Damaged`)
    or a restore that did not read back whole (what it wrote is removed again).
    """
    target = Path(target)
    empty_target(target)
    found = open_backup(path, key)  # verified whole before anything is written
    made = not target.exists()
    try:
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(
            _("{target}: cannot be made ({reason}); nothing was restored").format(
                target=target, reason=error.strerror
            )
        ) from None
    try:
        lock = runlock.hold(target)  # no daemon starts on it half-way
    except runlock.AlreadyRunning as error:
        _undo(target, [], made)
        raise StoreError(_("{error}; nothing was restored").format(error=error)) from None
    written: list[Path] = []
    try:
        empty_target(target, runlock.LOCK_NAME, runlock.PID_NAME)  # nothing came meanwhile
        for name in sorted(found.files, key=order):
            dest = target / name
            dest.parent.mkdir(mode=0o700, exist_ok=True)
            write_private(dest, found.files[name], force=False)
            written.append(dest)
    except BaseException:
        runlock.release(lock, target)
        _undo(target, written, made)
        raise
    runlock.release(lock, target)
    problem = read_back(target, found, key)
    if problem:
        _undo(target, written, made)
        raise StoreError(_("{problem}; nothing was restored").format(problem=problem))
    return found


def empty_target(target: Path, *ours: str) -> None:
    """BadInput unless `target` is a folder that holds nothing (but `ours`) or is not
    there yet; StoreError when a daemon runs on it; WrongOwner when it is another's."""
    if target.exists() and not target.is_dir():
        raise BadInput(
            _("--to {target}: is a file; restore goes into an empty or new folder").format(
                target=target
            )
        )
    if not target.exists():
        return
    owners.check(target, writing=True)
    pid = runlock.running(target) if not ours else None
    if pid is not None:
        raise StoreError(
            _(
                "{target}: a halfway daemon is running on this data (pid {pid}); restore goes"
                " into an empty or new folder only. Nothing was restored"
            ).format(target=target, pid=pid)
        )
    held = sorted(p.name for p in target.iterdir() if p.name not in ours)
    if held:
        files = ", ".join(held[:3]) + (", …" if len(held) > 3 else "")
        raise BadInput(
            _(
                "--to {target}: holds files already ({files}); restore goes into an empty or"
                " new folder only, so nothing is overwritten"
            ).format(target=target, files=files)
        )


def read_back(target: Path, found: Backup, key: bytes | None = None) -> str | None:
    """Why the restored folder does not read back as the backup through the store (a
    record id it does not find), or None."""
    try:
        store = Store(target, create=False, key=key)
        tables = store.everything()
        tables["nudges"] = store.view().records("nudges")
    except StoreError as error:
        return str(error)
    have = {(t, r["id"]) for t, records in tables.items() for r in records if "id" in r}
    for entry in found.manifest["files"].values():
        for table, ids in sorted(entry.get("records", {}).items()):
            if table not in layout.TABLES and table != "nudges":
                continue
            for record_id in ids:
                if (table, record_id) not in have:
                    said = _("{path}: record {id} of '{table}' did not read back")
                    return said.format(path=target, id=record_id, table=table)
    return None


def _undo(target: Path, written: list[Path], made: bool) -> None:
    """Remove what a restore that failed wrote (and the folder, if it made it)."""
    for path in [*written, target / runlock.LOCK_NAME, target / f"{HOT}.lock"]:
        path.unlink(missing_ok=True)
    for folder in [target / ARCHIVE, *([target] if made else [])]:
        with contextlib.suppress(OSError):
            folder.rmdir()
