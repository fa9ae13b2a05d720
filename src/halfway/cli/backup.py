"""`halfway backup FILE [--check] [--force]` and `halfway restore FILE --to FOLDER`: one
consistent file of the data folder, taken while the daemon runs, and its way back into an
empty folder, each checked by checksum and record id. Thin over `store/backups` (taking
and restoring) and `store/backupfile` (what the file holds).

The key: with encryption at rest in the config (`[encryption]`), the backup is sealed
whole with the folder's own key, and a sealed backup opens only with it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from halfway.cli.commands import UsageError, utc_now
from halfway.cli.digest import AddCommand
from halfway.cli.invocation import load_settings
from halfway.words import invoked

BACKUP_HELP = "write one consistent backup file of the data folder (while halfway runs, too)"
RESTORE_HELP = "restore a backup into an empty folder, checking every file and record"


def backup_epilog() -> str:
    backup = invoked.command("backup")
    return (
        "The file holds the data file, every archive month, the reply key and the link "
        "tokens, with a manifest of every record's id and a checksum per file; it is read "
        "under halfway's own lock, so a running daemon waits a moment and the copy is "
        "whole. It is readable by you only, and written over an existing file only with "
        f"--force. '{backup} --check FILE' verifies a backup without restoring it. "
        "Exit 0 when it is written (or whole), 1 when the data or the backup is damaged, "
        "2 for a FILE it cannot use."
    )


def restore_epilog() -> str:
    return (
        "FOLDER must be empty or new: nothing is ever overwritten, and a folder a daemon "
        "runs on is refused. Every checksum and record id is checked before anything is "
        "written, and the folder is read back through halfway before it says it is done. "
        "Reply links and private links sent before keep working: the reply key and the "
        "link tokens come back with the data. Then point data_dir at FOLDER."
    )


def add_commands(command: AddCommand) -> None:
    """`backup FILE [--check] [--force]` and `restore FILE --to FOLDER`."""
    p = command("backup", cmd_backup, BACKUP_HELP)
    p.description, p.epilog = BACKUP_HELP, backup_epilog()
    p.add_argument("file", metavar="FILE", help="the backup file to write (or to --check)")
    p.add_argument(
        "--check", action="store_true", help="verify FILE, every checksum and id; change nothing"
    )
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p = command("restore", cmd_restore, RESTORE_HELP)
    p.description, p.epilog = RESTORE_HELP, restore_epilog()
    p.add_argument("file", metavar="FILE", help="a file written by 'halfway backup'")
    p.add_argument(
        "--to", dest="folder", metavar="FOLDER", required=True, help="an empty or new folder"
    )


def cmd_backup(args: argparse.Namespace) -> int:
    from halfway.store import backupfile, backups
    from halfway.store.atrest import store_key

    settings = load_settings(args)
    key = store_key(settings)
    path = Path(args.file)
    try:
        if args.check:
            if args.force:
                raise UsageError("--force: only for writing a backup, not with --check")
            found = backupfile.open_backup(path, key)
            print(
                f"{path}: a whole backup, taken {found.taken()}: {found.holds()};"
                " every checksum and id matches"
            )
            return 0
        found = backups.backup(settings.data_dir, path, key, args.force, utc_now())
    except backupfile.BadInput as error:
        raise UsageError(str(error)) from None
    print(f"backed up {found.holds()} to {path}")
    if key is None:
        print(
            "it is not encrypted, and it holds the reply key: keep it as private as the data folder"
        )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from halfway.store import backupfile, backups
    from halfway.store.atrest import store_key

    settings = load_settings(args)
    folder = Path(args.folder)
    try:
        found = backups.restore(Path(args.file), store_key(settings), folder)
    except backupfile.BadInput as error:
        raise UsageError(str(error)) from None
    print(
        f"restored {found.holds()} (taken {found.taken()}) into {folder};"
        " every checksum and id checked"
    )
    if folder.resolve() != settings.data_dir.resolve():
        print(f'to use it, set data_dir = "{folder.resolve()}" in your config, then start halfway')
    return 0
