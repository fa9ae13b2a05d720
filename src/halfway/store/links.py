"""The private links' own tokens, each revocable on its own: the private page's (the
digest, `/?t=TOKEN` and `/digest/{week}?t=TOKEN`) and the calendar feed's
(`/calendar/{TOKEN}.ics`).

They live in `links.json` in the data folder (mode 0600, written whole, fsynced and
renamed, like the data files), beside the reply key and independent of it: a new reply
key (`halfway run --new-key`) changes no link, and `halfway links revoke` changes no
reply link. The daemon's first start makes the file (`ensure`); an install from before
it had one keeps its links: the tokens are first set to the ones it derived from the
reply key then, so a subscribed calendar keeps working until its link is revoked.

The daemon reads the file through `Links`, which looks at it again on every request
(one stat) and re-reads it when it changed, so a revoked link answers 403 at once,
without a restart. A file that is gone or damaged opens no link at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tempfile
import threading
from pathlib import Path

import orjson

from halfway.store import owners
from halfway.store.database import StoreError
from halfway.words import invoked
from halfway.words.language import N_, _

FILE = "links.json"
KINDS = ("digest", "calendar")
NAMES = {"digest": "digest", "private": "digest", "calendar": "calendar"}  # what revoke takes
# what a person reads of each link (`_()` where it is shown)
LABELS = {"digest": N_("private app (your digests, talks, asks)"), "calendar": N_("calendar feed")}
_LEGACY = {"digest": b"halfway digest pages", "calendar": b"halfway calendar feed"}


def new_token() -> str:
    """A fresh token: 18 random bytes, URL-safe (24 characters, as before)."""
    return secrets.token_urlsafe(18)


def legacy_token(key: bytes, kind: str) -> str:
    """The token an install before links.json derived from the reply key (for `ensure`)."""
    mac = hmac.new(key, _LEGACY[kind], hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(mac).decode()


# the file ----------------------------------------------------------------------------


def path_of(data_dir: Path) -> Path:
    return Path(data_dir) / FILE


def read(data_dir: Path) -> dict[str, str] | None:
    """The tokens by kind, None if there is no file yet; StoreError if it is damaged."""
    path = path_of(data_dir)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        said = _("{path}: cannot be read ({reason})")
        raise StoreError(said.format(path=path, reason=error.strerror)) from None
    try:
        data = orjson.loads(text)
        found = {kind: data[kind] for kind in KINDS if isinstance(data, dict) and kind in data}
    except ValueError:
        found = {}
    if not all(isinstance(t, str) and len(t) >= 16 for t in found.values()):
        found = {}
    if not found:
        said = _(
            "{path}: the link tokens are damaged, so no private link opens;"
            " '{revoke}' makes new ones for both"
        )
        raise StoreError(said.format(path=path, revoke=invoked.command("links revoke digest")))
    return found


def required(data_dir: Path) -> dict[str, str]:
    """The tokens, or a StoreError (exit 1) that says the daemon makes them."""
    found = read(data_dir)
    if found is None:
        said = _("{path}: no private links yet; halfway makes them when it first starts ('{run}')")
        raise StoreError(said.format(path=path_of(data_dir), run=invoked.command("run")))
    return found


def ensure(data_dir: Path, legacy_key: bytes | None = None) -> dict[str, str]:
    """The tokens, each one missing made now (the daemon's start): new random ones, or
    with `legacy_key` the ones an older install derived from it, so its links still open."""
    try:
        found = read(data_dir) or {}
    except StoreError:
        found = {}  # damaged: every link was unusable already; start again
    missing = [kind for kind in KINDS if kind not in found]
    for kind in missing:
        found[kind] = legacy_token(legacy_key, kind) if legacy_key else new_token()
    if missing:
        write(data_dir, found)
    return found


def revoke(data_dir: Path, kind: str) -> dict[str, str]:
    """Replace one link's token (the other stays); all the tokens now. A damaged file
    (no link opens) gets new tokens for both; a missing one is a StoreError (the
    daemon's first start makes it)."""
    try:
        tokens = required(data_dir)
    except StoreError:
        if not path_of(data_dir).exists():
            raise
        tokens = {other: new_token() for other in KINDS}
    tokens[kind] = new_token()
    write(data_dir, tokens)
    return tokens


def write(data_dir: Path, tokens: dict[str, str]) -> None:
    """Replace links.json whole: a temporary file (0600), fsynced, renamed, folder fsynced.
    Only as the data folder's owner (owners.WrongOwner otherwise): a root-owned file would
    shut the service out of its own links."""
    owners.check(Path(data_dir), writing=True)
    path = path_of(data_dir)
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{FILE}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        problem = f"{path}: cannot be written ({error.strerror}); nothing was changed"
        raise StoreError(problem) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(orjson.dumps({kind: tokens[kind] for kind in KINDS}))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


# the addresses -----------------------------------------------------------------------


def digest_url(base: str, token: str, week: str | None = None) -> str:
    """The address of a week's private page (None: the latest week's)."""
    path = f"/digest/{week}" if week else "/"
    return f"{base.rstrip('/')}{path}?t={token}"


def calendar_url(base: str, token: str) -> str:
    return f"{base.rstrip('/')}/calendar/{token}.ics"


# the daemon's view -------------------------------------------------------------------


class Links:
    """The tokens as the file says now: one stat per look, a re-read when it changed."""

    def __init__(self, data_dir: Path) -> None:
        self.path = path_of(data_dir)
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._tokens: dict[str, str] = {}

    def current(self) -> dict[str, str]:
        try:
            info = os.stat(self.path)
        except OSError:
            return {}  # gone: no link opens
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        with self._lock:
            if stamp != self._seen:
                try:
                    self._tokens = read(self.path.parent) or {}
                except StoreError:
                    self._tokens = {}
                self._seen = stamp
            return self._tokens

    def token(self, kind: str) -> str | None:
        return self.current().get(kind)

    def valid(self, kind: str, candidate: str | None) -> bool:
        """Whether `candidate` is this link's token now (compared in constant time)."""
        token = self.token(kind)
        if token is None or not candidate or not candidate.isascii():
            return False
        return hmac.compare_digest(candidate.encode(), token.encode())
