"""`halfway encrypt` and `halfway decrypt`: a data folder switched between plain JSON and
sealed files (`store/atrest`), with the daemon stopped; run again, either finishes
what a kill cut off."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from halfway.cli.commands import UsageError
from halfway.cli.invocation import load_settings
from halfway.words import invoked
from halfway.words.language import N_, _, ngettext

ENCRYPT_HELP = N_(
    "encrypt the data folder with the key named under [encryption] (made, mode 0600,"
    " if the key file does not exist yet)"
)
DECRYPT_HELP = N_("turn an encrypted data folder back into plain JSON (then remove [encryption])")


def add_commands(
    command: Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser],
) -> None:
    """`encrypt` and `decrypt` on the main parser."""
    command("encrypt", cmd_encrypt, _(ENCRYPT_HELP))
    command("decrypt", cmd_decrypt, _(DECRYPT_HELP))


def cmd_encrypt(args: argparse.Namespace) -> int:
    from halfway.store import atrest

    settings = load_settings(args)
    if daemon_runs(settings.data_dir, "encrypted"):
        return 1
    key, made = atrest.ensure_key(settings)
    if made:
        print(_("made a new key in {path} (readable by you only)").format(path=made))
    done = switched(settings.data_dir, key, True)
    if done is None:
        return 1
    folder = settings.data_dir
    if done:
        said = ngettext(
            "encrypted {n} data file in {folder}: without the key, none opens",
            "encrypted {n} data files in {folder}: without the key, none opens",
            len(done),
        )
        print(said.format(n=len(done), folder=folder))
    elif settings.db_path.exists():
        print(_("the data in {folder} is encrypted already; nothing changed").format(folder=folder))
    else:
        print(
            _("no data in {folder} yet; it is encrypted from its first write").format(folder=folder)
        )
    if made:
        said = _(
            "Back up {path} apart from the data: without it, the data cannot be read by"
            " anyone, you included; a backup that holds both protects nothing."
        )
        print(said.format(path=made))
    return 0


def cmd_decrypt(args: argparse.Namespace) -> int:
    from halfway.store import atrest, owners

    settings = load_settings(args)
    if daemon_runs(settings.data_dir, "decrypted"):
        return 1
    owners.check(settings.data_dir, writing=True)
    key = atrest.store_key(settings)
    if key is None:
        raise UsageError(
            _(
                "[encryption]: no key is named; decrypt needs the key the data was encrypted"
                " with (key_file or credential)"
            )
        )
    done = switched(settings.data_dir, key, False)
    if done is None:
        return 1
    folder = settings.data_dir
    if done:
        said = ngettext(
            "decrypted {n} data file in {folder}: it is plain JSON again",
            "decrypted {n} data files in {folder}: it is plain JSON again",
            len(done),
        )
        print(said.format(n=len(done), folder=folder))
    else:
        print(_("the data in {folder} is plain already; nothing changed").format(folder=folder))
    said = _(
        "now remove [encryption] from {source}: while it names a key, halfway refuses"
        " plain data. Keep the key as long as a backup made before needs it."
    )
    print(said.format(source=args.source))
    return 0


def daemon_runs(folder: Path, what: str) -> bool:
    """Whether a daemon runs on the folder (said on stderr): it keeps the key it
    started with, so the folder is switched only while it is stopped."""
    from halfway.store import runlock

    pid = runlock.running(folder)
    if pid is None:
        return False
    again = invoked.command("encrypt" if what == "encrypted" else "decrypt")
    said = (
        _(
            "{folder}: a halfway daemon is running on this data (pid {pid}); stop it first"
            " (e.g. 'systemctl stop halfway'), then run '{again}' again. Nothing was encrypted"
        )
        if what == "encrypted"
        else _(
            "{folder}: a halfway daemon is running on this data (pid {pid}); stop it first"
            " (e.g. 'systemctl stop halfway'), then run '{again}' again. Nothing was decrypted"
        )
    )
    print("halfway: " + said.format(folder=folder, pid=pid, again=again), file=sys.stderr)
    return True


def switched(folder: Path, key: bytes, seal: bool) -> list[Path] | None:
    """The files `atrest.switch` rewrote (each named as it goes); None if a daemon took
    the folder meanwhile (said)."""
    from halfway.store import atrest

    try:
        return atrest.switch(folder, key, seal, print)
    except atrest.Running as error:
        print(f"halfway: {error}", file=sys.stderr)
        return None
