"""What the store says when it refuses to open or write a data folder, in the person's
language: a data file missing from a folder that held one, a folder it cannot use, a
folder opened for reading that holds nothing yet, records lost in an upgrade. Kept here
so that `database` stays short; each names the file and what to do."""

from __future__ import annotations

from pathlib import Path

from halfway.words import invoked
from halfway.words.language import _, ngettext


def missing_file(path: Path, starting: bool) -> str:
    """The data file is gone from a folder that held one (`starting`: while a daemon or
    a writing command starts, which will not begin anew by itself)."""
    start = invoked.command("run --start-over")
    if starting:
        said = _(
            "{path}: the data file is missing from a folder that held one; halfway will not"
            " start over by itself. Restore it from a backup, or start afresh with '{start}'"
        )
    else:
        said = _(
            "{path}: the data file is missing from a folder that held one; restore it from a"
            " backup, or start afresh with '{start}'"
        )
    return said.format(path=path, start=start)


def unusable_folder(folder: Path, reason: str) -> str:
    return _("{folder}: cannot use the data folder ({reason})").format(folder=folder, reason=reason)


def nothing_yet(folder: Path) -> str:
    return _("{folder}: no halfway data here yet (opened for reading)").format(folder=folder)


def lost_in_upgrade(backup: Path, missing: set[str]) -> str:
    said = ngettext(
        "{path}: {n} record was not found after the upgrade (e.g. {id}); the old file is kept",
        "{path}: {n} records were not found after the upgrade (e.g. {id}); the old file is kept",
        len(missing),
    )
    return said.format(path=backup, n=len(missing), id=sorted(missing)[0])
