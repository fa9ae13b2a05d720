"""The lock that says one daemon runs on a data folder, and the pid it leaves beside it.

Two daemons on one folder would both fire every nudge. `halfway run` holds this
lock for its whole life (the kernel drops it if the process dies); `halfway
reload` reads the pid next to it to know whom to signal. The pid file is readable
by its owner only, and a clean stop removes it (`release`).
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout

from halfway.words.language import _

LOCK_NAME = "halfway.daemon.lock"
PID_NAME = "halfway.pid"


class AlreadyRunning(Exception):
    """Another daemon holds the lock; the message names the folder and its pid."""


def _lock(data_dir: Path) -> FileLock:
    return FileLock(str(Path(data_dir) / LOCK_NAME), mode=0o600, preserve_lock_file=True)


def hold(data_dir: Path) -> FileLock:
    """Take the lock for this process and write its pid; AlreadyRunning if taken."""
    lock = _lock(data_dir)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        pid = running(data_dir)
        said = (
            _("{folder}: another halfway daemon is already running on this data (pid {pid})")
            if pid
            else _("{folder}: another halfway daemon is already running on this data")
        )
        raise AlreadyRunning(said.format(folder=data_dir, pid=pid)) from None
    try:
        write_pid(Path(data_dir) / PID_NAME)
    except BaseException:
        lock.release()
        raise
    return lock


def write_pid(path: Path) -> None:
    """This process's pid in `path`, mode 0600 whatever the umask or an older file's mode."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        os.fchmod(descriptor, 0o600)
        out.write(f"{os.getpid()}\n")


def release(lock: FileLock, data_dir: Path) -> None:
    """On a clean stop: remove the pid file if it still names this process, then let
    the lock go (in that order, so a daemon starting next never loses its own pid)."""
    path = Path(data_dir) / PID_NAME
    try:
        if path.read_text(encoding="utf-8").strip() == str(os.getpid()):
            path.unlink()
    except (OSError, ValueError):
        pass  # gone already, or unreadable: nothing of ours to remove
    finally:
        lock.release()


def present(data_dir: Path) -> bool:
    """Whether a daemon ever ran on this folder (looking creates nothing)."""
    return (Path(data_dir) / LOCK_NAME).exists()


def running(data_dir: Path) -> int | None:
    """The pid of the daemon running on this data, or None if none is. Looking creates
    nothing: a lock file made by root's `halfway erase` would shut the service out."""
    if not present(data_dir):
        return None
    lock = _lock(data_dir)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        try:
            return int((Path(data_dir) / PID_NAME).read_text().strip())
        except (OSError, ValueError):
            return None
    lock.release()
    return None
