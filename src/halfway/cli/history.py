"""The commands that read the whole record: `history` and `export`.

Unlike the others they read every monthly archive, so they build one large
record tree: the garbage collector is held while they do. `write_private` writes
every private output file (an export, a digest page) whole or not at all.
"""

from __future__ import annotations

import argparse
import errno
import gc
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from halfway.cli.commands import UsageError, utc_now
from halfway.cli.invocation import load_settings
from halfway.words.language import _, ngettext

if TYPE_CHECKING:
    from halfway.core.rawjson import Record
    from halfway.store.database import Store


@contextmanager
def no_gc() -> Iterator[None]:
    """Hold the cyclic garbage collector while one big record tree is built.

    Each of its passes rescans every object alive, and history is hundreds of
    thousands of them; records hold no cycles, so nothing waits to be freed.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Turned back on as it is, the collector would at once scan the whole tree
        # (0.6 s at 100k deliveries): what exists now is set aside for good instead.
        gc.freeze()
        if was_on:
            gc.enable()


def cmd_history(args: argparse.Namespace) -> int:
    from halfway.records import export, history
    from halfway.store.atrest import open_store

    settings = load_settings(args)
    with no_gc():
        since = args.since.strftime("%Y-%m") if args.since else None
        data = snapshot(open_store(settings, create=False), since)
        if args.json:
            data = export.localized(data, settings.tz)
            rows = history.history_rows(data, args.since, utc_now())
        else:  # the lines show each row's time alone: localize just that
            local = export.local_clock(settings.tz)
            rows = history.history_rows(data, args.since, utc_now(), local)
        if args.json:
            sys.stdout.flush()
            sys.stdout.buffer.write(export.to_json(rows))
            return 0
        if rows:
            text = "\n".join(history.history_lines(rows))
        elif args.since:
            text = _("nothing recorded since {date}").format(date=args.since)
        else:
            text = _("nothing recorded yet")
    sys.stdout.write(text + "\n")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from halfway.records import export
    from halfway.store.atrest import open_store

    settings = load_settings(args)
    with no_gc():
        data = export.localized(snapshot(open_store(settings, create=False)), settings.tz)
        if args.format == "json":
            out = export.to_json(data)
        else:
            text = export.to_csv(data)
            out = (text if text.endswith("\n") else text + "\n").encode()
    if args.output:
        write_private(Path(args.output), out, args.force)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(out)
    return 0


def cmd_accept_loss(args: argparse.Namespace) -> int:
    """`halfway accept-loss YYYY-MM`: the person's own decision that a month the hot
    file lists is lost (or cut short) for good. The list then names what is there, so
    its readers stop refusing; nothing else changes, and a month still whole is left."""
    from halfway.store import archives
    from halfway.store.atrest import open_store
    from halfway.store.database import read_file

    settings = load_settings(args)
    store = open_store(settings, create=False)
    path = store.archive_dir / f"{args.month}.json"
    with store.transaction() as tx:
        listed = archives.known(tx.meta) or {}
        if args.month not in listed:
            raise UsageError(
                _("YYYY-MM: {month} is not an archive month of {folder}").format(
                    month=args.month, folder=store.data_dir
                )
            )
        held = archives.count(
            read_file(path, store.key) or {}
        )  # a damaged file: said, nothing changed
        if held >= listed[args.month]:
            print(
                ngettext(
                    "{path}: nothing is missing from it ({n} record); nothing changed",
                    "{path}: nothing is missing from it ({n} records); nothing changed",
                    held,
                ).format(path=path, n=held)
            )
            return 0
        months = {**listed, args.month: held}
        if not path.exists():
            del months[args.month]
        tx.set_meta({archives.META: months})
    lost = listed[args.month] - held
    print(
        ngettext(
            "{path}: {n} record accepted as lost; history, export and the digests read the rest",
            "{path}: {n} records accepted as lost; history, export and the digests read the rest",
            lost,
        ).format(path=path, n=lost)
    )
    return 0


def write_private(path: Path, data: bytes, force: bool, option: str = "--output") -> None:
    """Write an output file (`export --output`, `digest --out`) for its owner's eyes only,
    whole or not at all.

    The bytes go to a temporary file (0600) in the same folder, are fsynced, and only
    then take `path`'s name: without `force` by a link that fails if `path` exists by
    then, with it by a rename over it. On any failure the temporary file is removed, so
    a full disk leaves no truncated file to block the next try. UsageError (exit 2) for
    an existing file without `force`; StoreError (exit 1) when the folder cannot take it,
    in one line naming the file, the folder and why.
    """
    from halfway.store.database import StoreError

    if path.exists() and not force:
        raise UsageError(already(option, path))
    folder = path.parent
    temp: str | None = None
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if force:
            os.replace(temp, path)
        else:
            os.link(temp, path)  # never over a file that appeared meanwhile
            os.unlink(temp)
        temp = None
    except FileExistsError:
        raise UsageError(already(option, path)) from None
    except OSError as error:
        raise StoreError(
            _("{option}: {path} was not written: {why}").format(
                option=option, path=path, why=why(folder, error)
            )
        ) from None
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)


def why(folder: Path, error: OSError) -> str:
    """Why `folder` could not take a file, in words that name its disk."""
    where = folder.resolve()
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("the disk holding {folder} is full; free some space and try again").format(
            folder=where
        )
    if error.errno == errno.EROFS:
        return _("the disk holding {folder} is read-only").format(folder=where)
    return _("{reason} (in {folder})").format(reason=error.strerror or error, folder=where)


def already(option: str, path: Path) -> str:
    return _("{option}: {path} already exists; add --force to replace it").format(
        option=option, path=path
    )


def snapshot(store: Store, since_month: str | None = None) -> Record:
    """Every record, from the archives (from `since_month` on) and the hot file."""
    from halfway.store.database import SCHEMA_VERSION

    return {"schema_version": SCHEMA_VERSION, **store.everything(since_month)}
