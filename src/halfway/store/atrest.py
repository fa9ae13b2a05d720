"""Encryption at rest: where the data folder's key comes from, the one door every
command opens the store through (`open_store`), and the switch of a folder between
plain and sealed (`halfway encrypt`, `halfway decrypt`).

The key is named under [encryption] in the config: `key_file` (a file of its own,
mode 0600, outside the data folder), or `credential`, a systemd credential's name,
read from `$CREDENTIALS_DIRECTORY/NAME` (`LoadCredential=`, `LoadCredentialEncrypted=`).
With both set, the credential is used where systemd hands it in (the service), the
file elsewhere (a command typed in a shell). With neither, the data is plain JSON.

A folder is all sealed or all plain: a sealed file and no key, a key that does not
open it, or a plain file while a key is set is a KeyProblem naming the file and what
to change (exit 2), and nothing is written (`datafile.opened`).

The switch works under the daemon's lock (no daemon can start, or run, meanwhile:
its store keeps the key it started with, and reads without the store's lock) and the
store's (no command writes meanwhile). Every file is first opened with the key as it
is now, so a key that does not fit changes nothing; then each is rewritten in the new
form, crash-safe, the archives first and the hot file last. Each file is read by its
own first bytes, so a switch cut off by a kill finishes when run again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock

from halfway.store import layout, owners, runlock, sealing
from halfway.store.database import Store
from halfway.store.datafile import KeyProblem, StoreError, opened, parsed, read_raw, write_file
from halfway.words import invoked
from halfway.words.language import _

if TYPE_CHECKING:
    from halfway.config.models import Settings

CREDENTIALS = "CREDENTIALS_DIRECTORY"
HOT = "halfway.json"
INBOX = "demo-inbox.jsonl"  # samples.INBOX: what the demo's nudges printed, kept in the folder


def key_path(settings: Settings) -> tuple[str, Path] | None:
    """Where the folder's key is, with the config key that names it; None when
    [encryption] names none. KeyProblem for a credential systemd did not hand in."""
    found = settings.encryption
    where = os.environ.get(CREDENTIALS)
    if found.credential and where:
        return "encryption.credential", Path(where) / found.credential
    if found.key_file is not None:
        return "encryption.key_file", found.key_file
    if found.credential:
        raise KeyProblem(
            f"encryption.credential: '{found.credential}' is a systemd credential, but this"
            f" command was not started with it (${CREDENTIALS} is not set); run it under the"
            " service (systemd-run with the same LoadCredential=), or set key_file too"
        )
    return None


def store_key(settings: Settings) -> bytes | None:
    """The key the data folder is sealed with (None: encryption is off); KeyProblem
    (exit 2) naming the config key and why when it cannot be used."""
    found = key_path(settings)
    if found is None:
        return None
    where, path = found
    outside(where, path, settings.data_dir)
    try:
        return sealing.read_key(path)
    except sealing.SealError as error:
        hint = ""
        if where == "encryption.credential" and not path.exists():
            hint = f" (add LoadCredential={path.name}:… or LoadCredentialEncrypted= to the unit)"
        elif not path.exists():
            hint = (
                f"; put back the key the data was encrypted with, or (for data not yet"
                f" encrypted) '{invoked.command('encrypt')}' makes a new one"
            )
        raise KeyProblem(f"{where}: {error}{hint}") from None


def outside(where: str, path: Path, data_dir: Path) -> None:
    """KeyProblem if the key file is inside the data folder: a copy of the folder would
    carry the key that opens it."""
    if path.resolve().is_relative_to(Path(data_dir).resolve()):
        raise KeyProblem(
            f"{where}: {path} is inside the data folder {data_dir}; keep the key outside it,"
            " or a copy of the folder carries the key that opens it"
        )


def open_store(
    settings: Settings,
    create: bool = True,
    start_over: bool = False,
    accept_copy: bool = False,
    clock: Callable[[], datetime] | None = None,
) -> Store:
    """The store of `settings`' data folder, opened with its key (`Store`'s options)."""
    key = store_key(settings)
    return Store(settings.data_dir, clock, start_over, create, accept_copy, key)


def ensure_key(settings: Settings) -> tuple[bytes, Path | None]:
    """The key for `halfway encrypt`, and the file it was just written to (None: it was
    there). A `key_file` that does not exist yet is made (mode 0600, its folder 0700)."""
    found = key_path(settings)
    if found is None:
        raise KeyProblem(
            "[encryption]: no key is named; set key_file (e.g. key_file ="
            ' "/etc/halfway/halfway.key") or credential in the config, then run this again'
        )
    where, path = found
    outside(where, path, settings.data_dir)
    if where == "encryption.key_file" and not path.exists():
        owners.check(settings.data_dir, writing=True)  # a key made for nothing, else
        sealed = [p for p, _ in data_files(settings.data_dir) if sealing.is_sealed(head(p))]
        if sealed:
            raise KeyProblem(
                f"{where}: {path} does not exist, and {sealed[0]} is encrypted already;"
                " put back the key it was encrypted with. Nothing was changed"
            )
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            sealing.write_key(path, sealing.new_key())
        except OSError as error:
            raise KeyProblem(
                f"{where}: {path} cannot be made ({error.strerror}); nothing was changed"
            ) from None
        return store_key_at(where, path), path
    return store_key_at(where, path), None


def head(path: Path) -> bytes:
    """The first bytes of `path` (enough to tell sealed from plain); b"" if it is not there."""
    try:
        with path.open("rb") as file:
            return file.read(len(sealing.MAGIC))
    except OSError:
        return b""


def store_key_at(where: str, path: Path) -> bytes:
    try:
        return sealing.read_key(path)
    except sealing.SealError as error:
        raise KeyProblem(f"{where}: {error}") from None


# the switch ---------------------------------------------------------------------------


class Running(Exception):
    """A daemon runs on the folder (exit 2: stop it first); nothing was changed."""


def data_files(data_dir: Path) -> list[tuple[Path, str]]:
    """Each data file with the name sealed into it, in the order the switch writes them:
    the archives, the upgrade's kept copy of the hot file (sealed as the hot file), the
    hot file last: until it changes, the folder counts as what it was."""
    files = [(p, p.name) for p in sorted((data_dir / "archive").glob("????-??.json"))]
    backup = data_dir / layout.BACKUP_NAME
    if backup.exists():
        files.append((backup, HOT))
    return [*files, (data_dir / HOT, HOT)]


def switch(
    data_dir: Path,
    key: bytes,
    seal: bool,
    say: Callable[[str], None] = lambda line: None,
) -> list[Path]:
    """Seal every data file in `data_dir` with `key` (`seal`), or open them all back to
    plain JSON; the files rewritten (those already so are left). See the top."""
    data_dir = Path(data_dir)
    owners.check(data_dir, writing=True)
    hot = data_dir / HOT
    if not hot.exists():
        if (data_dir / "archive").is_dir() or runlock.present(data_dir):
            said = _(
                "{path}: the data file is missing from a folder that held one; restore it"
                " from a backup first. Nothing was changed"
            )
            raise StoreError(said.format(path=hot))
        return []
    opens(data_dir, key)  # a key that does not fit: said before any lock file is made
    try:
        daemon = runlock.hold(data_dir)
    except runlock.AlreadyRunning as error:
        raise Running(
            _("{problem}; stop it first. Nothing was changed").format(problem=error)
        ) from None
    try:
        with FileLock(str(hot) + ".lock", mode=0o600, preserve_lock_file=True):
            return _switch(data_dir, key, seal, say)
    finally:
        runlock.release(daemon, data_dir)


def opens(data_dir: Path, key: bytes) -> list[tuple[Path, str]]:
    """The data files (`data_files`), each opened with `key` where it is sealed, and its
    shape checked: a KeyProblem or StoreError for the first that does not open."""
    files = data_files(data_dir)
    for path, name in files:
        raw = read_raw(path) or b""
        parsed(path, opened(path, raw, key if sealing.is_sealed(raw) else None, name))
    return files


def _switch(data_dir: Path, key: bytes, seal: bool, say: Callable[[str], None]) -> list[Path]:
    for folder in (data_dir, data_dir / "archive"):
        for stale in folder.glob(".*.tmp"):  # a write killed half-way: maybe plain words
            stale.unlink(missing_ok=True)
    files = opens(data_dir, key)  # again, under the locks
    done = []
    for path, name in files:
        raw = read_raw(path) or b""
        if sealing.is_sealed(raw) == seal:
            continue
        data = parsed(path, opened(path, raw, key if not seal else None, name))
        write_file(path, data, key if seal else None, name)
        done.append(path)
        say(f"{'encrypted' if seal else 'decrypted'} {path}")
    inbox = data_dir / INBOX
    if seal and inbox.exists():
        inbox.unlink()
        say(f"removed {inbox} (what the sample data's nudges printed; nothing reads it)")
    return done
