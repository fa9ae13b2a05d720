"""`halfway erase`: everything halfway wrote in a data folder, found and deleted.

What counts as halfway's: the hot file and its lock, the schema-1 backup, the monthly
archives (the `archive/` folder), the reply key (`secret.key`), the link tokens
(`links.json`), the daemon's lock and pid file, the demo's inbox, and the temporary
files a write killed half-way leaves (`.NAME.*.tmp`). Anything else in the folder is
not halfway's and is left alone (and named), so a `data_dir` pointed at a folder that
holds other things never loses them. The folder itself goes when nothing is left in it.

Nothing is deleted while a daemon runs on the folder: erase takes the daemon's own lock
(`runlock`) for the whole deletion, so no daemon can start on it half-way either.
"""

from __future__ import annotations

import re
from pathlib import Path

from halfway.store import runlock
from halfway.words.language import _

ARCHIVE = "archive"
# Top-level names halfway writes: halfway.json, halfway.json.lock, halfway.v1.json,
# halfway.daemon.lock, halfway.pid, secret.key, links.json, demo-inbox.jsonl, and the
# temporary files of a crash-safe write of any of them.
_TOP = re.compile(
    r"(halfway[\w.-]*\.(json|lock|pid)|secret\.key|links\.json|demo-inbox\.jsonl"
    r"|\.(halfway|links|secret)[\w.-]*\.tmp)"
)
_MONTH = re.compile(r"\d{4}-\d{2}\.json(\.lock)?|\.\d{4}-\d{2}\.json[\w.-]*\.tmp")


class Running(Exception):
    """A daemon runs on the folder; the message names it and says what to do."""


def _files(folder: Path, pattern: re.Pattern[str]) -> tuple[list[Path], list[Path]]:
    """(halfway's files directly in `folder`, everything else there), sorted by name."""
    ours: list[Path] = []
    others: list[Path] = []
    try:
        entries = sorted(folder.iterdir())
    except FileNotFoundError:
        return [], []
    for path in entries:
        plain = path.is_symlink() or not path.is_dir()
        (ours if plain and pattern.fullmatch(path.name) else others).append(path)
    return ours, others


def survey(folder: Path) -> tuple[list[Path], list[Path]]:
    """(what erase removes, what it leaves alone). Reads only."""
    ours, others = _files(folder, _TOP)
    archive = folder / ARCHIVE
    if archive in others and not archive.is_symlink():
        others.remove(archive)
        months, strangers = _files(archive, _MONTH)
        ours += months
        others += strangers
        if not strangers:
            ours.append(archive)  # the folder itself, once empty
    return ours, others


def ours(folder: Path) -> list[Path]:
    """What erase would remove from `folder` (nothing if it does not exist)."""
    return survey(Path(folder))[0]


def running_daemon(folder: Path) -> str | None:
    """Why erase must wait: a daemon running on `folder` (None: none is)."""
    if not runlock.present(folder):
        return None
    pid = runlock.running(folder)
    if pid is None:
        try:
            lock = runlock.hold(folder)
        except runlock.AlreadyRunning as error:
            return _refusal(str(error))
        runlock.release(lock, folder)
        return None
    return _refusal(
        _("{folder}: a halfway daemon is running on this data (pid {pid})").format(
            folder=folder, pid=pid
        )
    )


def _refusal(reason: str) -> str:
    return _(
        "{reason}; stop it first (e.g. 'systemctl stop halfway'), then erase. Nothing was erased"
    ).format(reason=reason)


def erase(folder: Path) -> tuple[list[Path], list[Path]]:
    """Delete halfway's files in `folder` under the daemon's lock; (removed, left alone).
    Running if a daemon holds the folder."""
    folder = Path(folder)
    try:
        lock = runlock.hold(folder)
    except runlock.AlreadyRunning as error:
        raise Running(_refusal(str(error))) from None
    removed: list[Path] = []
    try:
        found, left = survey(folder)
        held = folder / runlock.LOCK_NAME  # last: while it is there, no daemon can start
        for path in [p for p in found if p != held] + [held]:
            if path.name == ARCHIVE and path.is_dir() and not path.is_symlink():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    finally:
        lock.release()
    if not left:
        try:
            folder.rmdir()
            removed.append(folder)
        except OSError:
            pass  # something appeared meanwhile: keep the folder
    return removed, left
