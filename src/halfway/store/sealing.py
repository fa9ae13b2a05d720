"""Sealed bytes: a data file (or a backup) encrypted at rest with AES-256-GCM, an
authenticated scheme from `cryptography`, so that a changed byte or a wrong key is
refused, never read as something else.

A sealed file is MAGIC, a 12-byte random nonce, then the ciphertext with its 16-byte
tag. The file's name is bound in as associated data, so one month's archive cannot be
put in place of another's. MAGIC is plain, so a reader tells a sealed file from a
plain one (JSON starts with `{`) before it has a key.

The key is 32 random bytes, kept as one line of base64 in a file of its own (mode
0600), outside the data folder, or handed in by systemd (`LoadCredential=`).
Pure apart from `read_key` and `write_key`.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from halfway.words.language import _

MAGIC = b"halfway-sealed:1\n"
NONCE = 12
KEY_BYTES = 32


class SealError(ValueError):
    """Sealed bytes that cannot be opened (a wrong key, a changed byte), or a key file
    that cannot be used; the message says which and why."""


def is_sealed(data: bytes) -> bool:
    return data.startswith(MAGIC)


def seal(key: bytes, plain: bytes, name: str) -> bytes:
    """`plain` encrypted with `key`, bound to the file name `name`."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(NONCE)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plain, name.encode())


def unseal(key: bytes, data: bytes, name: str) -> bytes:
    """The plain bytes of `data` sealed as `name`; SealError if `key` is not the one it
    was sealed with, or a byte of it changed."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not is_sealed(data):
        raise SealError(_("not sealed"))
    body = data[len(MAGIC) :]
    try:
        return AESGCM(key).decrypt(body[:NONCE], body[NONCE:], name.encode())
    except (InvalidTag, ValueError):
        raise SealError(_("the key does not open it, or it was changed")) from None


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def read_key(path: Path) -> bytes:
    """The key in `path`; SealError naming the file if it is missing, unreadable, open
    to other users, or not a key."""
    try:
        text = path.read_text(encoding="ascii").strip()
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise SealError(_("{path}: the key file does not exist").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as error:
        said = _("{path}: the key file cannot be read ({reason})")
        raise SealError(said.format(path=path, reason=error)) from None
    if mode & 0o077:
        said = _("{path}: the key file can be read by other users; chmod 600 it")
        raise SealError(said.format(path=path))
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        said = _("{path}: not a halfway key (one line of base64, {n} bytes)")
        raise SealError(said.format(path=path, n=KEY_BYTES))
    return key


def write_key(path: Path, key: bytes) -> None:
    """Write `key` to a new file `path` (mode 0600); never over an existing file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    descriptor = os.open(path, flags, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(base64.b64encode(key).decode() + "\n")
        out.flush()
        os.fsync(out.fileno())
