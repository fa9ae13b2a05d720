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
from halfway.words.plural import plural

ENCRYPT_HELP = (
    "encrypt the data folder with the key named under [encryption] (made, mode 0600,"
    " if the key file does not exist yet)"
)
DECRYPT_HELP = "turn an encrypted data folder back into plain JSON (then remove [encryption])"


def add_commands(
    command: Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser],
) -> None:
    """`encrypt` and `decrypt` on the main parser."""
    command("encrypt", cmd_encrypt, ENCRYPT_HELP)
    command("decrypt", cmd_decrypt, DECRYPT_HELP)


def cmd_encrypt(args: argparse.Namespace) -> int:
    from halfway.store import atrest

    settings = load_settings(args)
    if daemon_runs(settings.data_dir, "encrypted"):
        return 1
    key, made = atrest.ensure_key(settings)
    if made:
        print(f"made a new key in {made} (readable by you only)")
    done = switched(settings.data_dir, key, True)
    if done is None:
        return 1
    folder = settings.data_dir
    if done:
        print(
            f"encrypted {plural(len(done), 'data file')} in {folder}: without the key, none opens"
        )
    elif settings.db_path.exists():
        print(f"the data in {folder} is encrypted already; nothing changed")
    else:
        print(f"no data in {folder} yet; it is encrypted from its first write")
    if made:
        print(
            f"Back up {made} apart from the data: without it, the data cannot be read by"
            " anyone, you included; a backup that holds both protects nothing."
        )
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
            "[encryption]: no key is named; decrypt needs the key the data was encrypted"
            " with (key_file or credential)"
        )
    done = switched(settings.data_dir, key, False)
    if done is None:
        return 1
    folder = settings.data_dir
    if done:
        print(f"decrypted {plural(len(done), 'data file')} in {folder}: it is plain JSON again")
    else:
        print(f"the data in {folder} is plain already; nothing changed")
    print(
        f"now remove [encryption] from {args.source}: while it names a key, halfway refuses"
        " plain data. Keep the key as long as a backup made before needs it."
    )
    return 0


def daemon_runs(folder: Path, what: str) -> bool:
    """Whether a daemon runs on the folder (said on stderr): it keeps the key it
    started with, so the folder is switched only while it is stopped."""
    from halfway.store import runlock

    pid = runlock.running(folder)
    if pid is None:
        return False
    print(
        f"halfway: {folder}: a halfway daemon is running on this data (pid {pid}); stop it"
        f" first (e.g. 'systemctl stop halfway'), then run '{invoked.command()} "
        f"{'encrypt' if what == 'encrypted' else 'decrypt'}' again. Nothing was {what}",
        file=sys.stderr,
    )
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
