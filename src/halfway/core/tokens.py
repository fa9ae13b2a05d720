"""Reply tokens: an HMAC over the delivery id, with a key kept in the data folder.

A token is `{delivery_id}.{signature}`. Nobody without the key can make one,
so a reply link cannot be guessed or forged; the key is generated on first
start of the daemon, mode 0600, and never leaves the machine. The same key signs the
guards of our own forms (`form_guard`), one purpose each.

The one home of a reply token's shape (`SHAPE`) and of what the key signs. The private
links' tokens (the private page's, the calendar feed's) are random, not signed, each
revocable on its own: they live in `store.links`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from halfway.words import invoked
from halfway.words.language import _

KEY_FILE = "secret.key"
# What `delivery_named` reads at most: a reply link as pasted (a public URL, its path, the
# page's own `?saved=1`) is far shorter; anything longer is refused unread.
MAX_LINK = 2048
# The one shape of a token (`make`), bounded: an id as `store.new_id` makes them
# (`d_1a2b…`), a dot, `_sign`'s urlsafe base64. The reply page refuses any other shape
# unread, an e-mail reply is looked through for this shape only (`replies.mailparse`),
# and `delivery_named` takes a pasted link's last part only in it.
SHAPE = r"[A-Za-z0-9_]{1,64}\.[A-Za-z0-9_-]{1,64}"
_SHAPE = re.compile(SHAPE)


class KeyMissing(Exception):
    """The data folder has no reply key, and this command may not make one."""


def load_key(data_dir: Path, create: bool = False) -> bytes:
    """The data folder's secret key (mode 0600, never overwritten).

    Only the daemon's first start (or `halfway run --new-key`) passes `create`:
    a key made by any other command would split links between two keys.
    """
    path = Path(data_dir) / KEY_FILE
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        if not create:
            raise KeyMissing(
                _(
                    "{path}: the reply key is missing. The daemon makes it when it first"
                    " starts ('{run}'); if it has run here before, restore secret.key"
                    " from a backup"
                ).format(path=path, run=invoked.command("run"))
            ) from None
        return _make(path)
    if len(key) < 32:
        raise ValueError(f"{path}: the reply key is damaged (too short)")
    return key


def _make(path: Path) -> bytes:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made a moment ago by another process: use that one
        return load_key(path.parent)
    key = secrets.token_bytes(32)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key)
        out.flush()
        os.fsync(out.fileno())
    return key


def fingerprint(key: bytes) -> str:
    """A short name for a key, kept in the data file to notice a replaced key."""
    return hashlib.sha256(b"halfway key id:" + key).hexdigest()[:16]


def _sign(key: bytes, message: str) -> str:
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def make(key: bytes, delivery_id: str) -> str:
    return f"{delivery_id}.{_sign(key, delivery_id)}"


def well_formed(token: str) -> bool:
    """Whether `token` has a token's shape (`SHAPE`): checked before any other work."""
    return _SHAPE.fullmatch(token) is not None


def check(key: bytes, token: str) -> str | None:
    """The delivery id a genuine token names, or None for a forged or malformed one."""
    if not token.isascii():
        return None  # every genuine token is ASCII; compare_digest refuses anything else
    delivery_id, dot, signature = token.partition(".")
    if not dot or not delivery_id:
        return None
    return delivery_id if hmac.compare_digest(signature, _sign(key, delivery_id)) else None


def delivery_named(text: str) -> str | None:
    """The delivery id a person gave for a delivery: the bare id (`d_1a2b…`), the
    token as it ends a reply link (`d_1a2b….SIGNATURE`), or the whole link
    (`https://host/…/r/d_1a2b….SIGNATURE?…`). None for a text that is none of them.

    The signature's shape is checked, not its value: whoever runs the CLI holds the
    data folder and its key already, and the bare id answers as well.
    """
    text = text.strip()
    if len(text) > MAX_LINK:
        return None
    if "/" not in text and "." not in text:
        return text or None  # a bare id, looked up as it is
    token = text
    if "/" in text:  # a link: the segment after its last `/r/` (`…/r/TOKEN/log` too)
        segments = text.split("#", 1)[0].split("?", 1)[0].split("/")
        after_r = [segments[i + 1] for i in range(len(segments) - 1) if segments[i] == "r"]
        if not after_r:
            return None
        token = after_r[-1]
    return token.partition(".")[0] if well_formed(token) else None


# Which form a guard is for, signed with the page's token: a reply page's forms (the
# reply token), the private page's pause and resume forms (the private link's token).
REPLY_FORM = ""
PAUSE_FORM = "pause:"


def form_guard(key: bytes, token: str, form: str = REPLY_FORM) -> str:
    """The hidden form field that proves a form POST came from our own page: `token` is
    the page's (a reply token, or the private link's), `form` which of our forms."""
    return _sign(key, f"form:{form}{token}")


def genuine_form(
    key: bytes, token: str, guard: object, fetch_site: str | None, form: str = REPLY_FORM
) -> bool:
    """Whether a form POST came from one of our own pages: not sent from another site
    (`Sec-Fetch-Site`), and its `guard` field is `form_guard(key, token, form)` (compared
    in constant time)."""
    if fetch_site == "cross-site" or not isinstance(guard, str) or not guard.isascii():
        return False
    return hmac.compare_digest(guard, form_guard(key, token, form))


# The private app's sessions. The private link opens one: a cookie `{ends}.{nonce}.{mac}`
# whose mac signs the link's current token with the rest, so revoking the link (a new
# token) ends every session at once, with nothing stored on the server. Its forms carry
# `form_guard(key, cookie, APP_FORM)`, bound to the session.
APP_FORM = "app:"
_SESSION = re.compile(r"[0-9]{1,12}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}")


def _session_mac(key: bytes, link_token: str, ends: int, nonce: str) -> str:
    return _sign(key, f"session:{link_token}:{ends}:{nonce}")


def open_session(key: bytes, link_token: str, ends: int) -> str:
    """A new session's cookie value, ending at `ends` (seconds since the epoch)."""
    nonce = secrets.token_urlsafe(16)
    return f"{ends}.{nonce}.{_session_mac(key, link_token, ends, nonce)}"


def session_ends(key: bytes, link_token: str | None, cookie: str | None, now: float) -> int | None:
    """When the session of `cookie` ends (seconds since the epoch); None when it is not
    one of ours, has ended, or its link was revoked since (`link_token` is the link's
    token now; None when there is none). Its shape is checked before anything else."""
    if not link_token or not cookie or _SESSION.fullmatch(cookie) is None:
        return None
    ends, nonce, mac = cookie.split(".")
    if not hmac.compare_digest(mac, _session_mac(key, link_token, int(ends), nonce)):
        return None
    return int(ends) if int(ends) > now else None
