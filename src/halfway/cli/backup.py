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
from halfway.words.language import N_, _

BACKUP_HELP = N_("write one consistent backup file of the data folder (while halfway runs, too)")
RESTORE_HELP = N_("restore a backup into an empty folder, checking every file and record")


def backup_epilog() -> str:
    backup = invoked.command("backup")
    return _(
        "The file holds the data file, every archive month, the reply key and the link "
        "tokens, with a manifest of every record's id and a checksum per file; it is read "
        "under halfway's own lock, so a running daemon waits a moment and the copy is "
        "whole. It is readable by you only, and written over an existing file only with "
        "--force. '{backup} --check FILE' verifies a backup without restoring it. "
        "Exit 0 when it is written (or whole), 1 when the data or the backup is damaged, "
        "2 for a FILE it cannot use."
    ).format(backup=backup)


def restore_epilog() -> str:
    return _(
        "FOLDER must be empty or new: nothing is ever overwritten, and a folder a daemon "
        "runs on is refused. Every checksum and record id is checked before anything is "
        "written, and the folder is read back through halfway before it says it is done. "
        "Reply links and private links sent before keep working: the reply key and the "
        "link tokens come back with the data. Then point data_dir at FOLDER."
    )


def add_commands(command: AddCommand) -> None:
    """`backup FILE [--check] [--force]` and `restore FILE --to FOLDER`."""
    p = command("backup", cmd_backup, _(BACKUP_HELP))
    p.description, p.epilog = _(BACKUP_HELP), backup_epilog()
    p.add_argument("file", metavar="FILE", help=_("the backup file to write (or to --check)"))
    p.add_argument(
        "--check", action="store_true", help=_("verify FILE, every checksum and id; change nothing")
    )
    p.add_argument("--force", action="store_true", help=_("replace FILE if it exists"))
    p = command("restore", cmd_restore, _(RESTORE_HELP))
    p.description, p.epilog = _(RESTORE_HELP), restore_epilog()
    p.add_argument("file", metavar="FILE", help=_("a file written by 'halfway backup'"))
    p.add_argument(
        "--to", dest="folder", metavar="FOLDER", required=True, help=_("an empty or new folder")
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
                raise UsageError(_("--force: only for writing a backup, not with --check"))
            found = backupfile.open_backup(path, key)
            print(
                _(
                    "{path}: a whole backup, taken {when}: {holds}; every checksum and id matches"
                ).format(path=path, when=found.taken(), holds=found.holds())
            )
            return 0
        found = backups.backup(settings.data_dir, path, key, args.force, utc_now())
    except backupfile.BadInput as error:
        raise UsageError(str(error)) from None
    print(_("backed up {holds} to {path}").format(holds=found.holds(), path=path))
    if key is None:
        print(
            _(
                "it is not encrypted, and it holds the reply key:"
                " keep it as private as the data folder"
            )
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
        _("restored {holds} (taken {when}) into {folder}; every checksum and id checked").format(
            holds=found.holds(), when=found.taken(), folder=folder
        )
    )
    if folder.resolve() != settings.data_dir.resolve():
        print(
            _('to use it, set data_dir = "{folder}" in your config, then start halfway').format(
                folder=folder.resolve()
            )
        )
    return 0
