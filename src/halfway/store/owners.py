"""Who may use a data folder: the user who owns it, and nobody else writes in it.

A command run as root on the system service's folder would leave `halfway.json` (and
the locks, a new archive month) owned by root, mode 0600: the service, running as its
own user, could then neither read nor write its data, and systemd would restart it in
a loop. So a command that may write refuses to run as another user than the folder's
owner, before it touches anything, and says how to run it as that user. Root may still
read another user's folder (`status`, `history`, `export`): it is opened read-only.

A folder of the right owner holding files of another (the Quick start run as root, then
`install -d -o halfway` changing the folder only) is refused too, with the `chown -R`
that mends it.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from halfway.store.datafile import StoreError
from halfway.words.language import _


class WrongOwner(StoreError):
    """The data folder belongs to another user (exit 2: run it as that user, or chown).

    `run_as` is the user to run the command as (the CLI adds the command line after
    `sudo -u USER`), or None when the fix is a `chown` the message already says.
    """

    def __init__(self, message: str, run_as: str | None = None) -> None:
        super().__init__(message)
        self.run_as = run_as


def name_of(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def check(data_dir: Path, writing: bool) -> bool:
    """WrongOwner if this process must not use `data_dir`; True when it may only read
    (root reading another user's folder), False when it may use it as it likes."""
    me = os.geteuid()
    try:
        owner = data_dir.stat().st_uid
    except OSError:
        return False  # not made yet (it will be ours), or the store says why not
    if owner != me:
        if me == 0 and not writing:
            return True
        raise other_owner(data_dir, owner, me)
    if me == 0 and not writing:
        return False  # root reads any file; reading changes no owner
    stranger = first_stranger(data_dir, me)
    if stranger is not None:
        path, uid = stranger
        said = _(
            "{path}: belongs to {owner}, not to {me}, who owns the data folder and runs this"
            " (was a command run as another user?); halfway changed nothing. As root, give"
            " the folder back whole: {command}"
        )
        command = f"chown -R {name_of(me)}: {data_dir}"
        raise WrongOwner(
            said.format(path=path, owner=name_of(uid), me=name_of(me), command=command)
        )
    return False


def other_owner(data_dir: Path, owner: int, me: int) -> WrongOwner:
    if owner == 0:  # made by a command run as root, e.g. the Quick start
        said = _(
            "{folder}: belongs to root, not to {me}, who runs this; halfway changed nothing."
            " To keep {me}'s data there, as root: {command}"
        )
        command = f"chown -R {name_of(me)}: {data_dir}"
        return WrongOwner(said.format(folder=data_dir, me=name_of(me), command=command))
    said = _(
        "{folder}: belongs to the user {owner}; a file written as {me} would shut {owner}"
        " out of its own data, so halfway changed nothing"
    )
    return WrongOwner(
        said.format(folder=data_dir, owner=name_of(owner), me=name_of(me)), run_as=name_of(owner)
    )


def first_stranger(data_dir: Path, me: int) -> tuple[Path, int] | None:
    """The first file in the data folder (or its archive folder) another user owns."""
    for folder in (data_dir, data_dir / "archive"):
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in sorted(entries, key=lambda e: e.name != "halfway.json"):
            try:
                uid = entry.stat(follow_symlinks=False).st_uid
            except OSError:
                continue
            if uid != me:
                return Path(entry.path), uid
    return None
