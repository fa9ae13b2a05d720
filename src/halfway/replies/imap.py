"""The IMAP client: read the mail that is new since the last poll, hand over the replies
to nudges and mark them handled.

Each poll reads only what arrived since the one before: a `Cursor` holds the folder's
UIDVALIDITY and the last UID looked at, and the caller keeps it between polls (and
restarts). If UIDVALIDITY changes, the server has renumbered the folder and the poll
starts over, looking only at messages of the last `ImapConfig.max_age_days` days that
are not marked handled (on a server that keeps only ``\\Seen``: that are unseen).

New messages are read headers first, `CHUNK` at a time; only a message whose headers say
it is a reply (`mailparse.might_be_reply`) is downloaded, and only its first
`mailparse.MAX_MESSAGE` bytes. `parse_reply` reads the token and the reply's own text out
of it, and the caller's `handle` records it, with the time the message reached the
mailbox (its INTERNALDATE) as `MailReply.received_at`.

A reply is marked with the keyword ``$halfway`` (plus ``\\Seen``), or moved to
`ImapConfig.move_to`; on servers that do not keep that keyword, with ``\\Seen`` only.
Every other message is left exactly as it was: the mailbox may be the user's main inbox.
A message the server fails on twice, or that halfway cannot read, is skipped with one
log line and left as it was; the cursor moves past it, so it is not tried again.

Talks to the server through IMAPClient (its part used here typed in `imaptypes`).
"""

from __future__ import annotations

import dataclasses
import imaplib
import logging
import re
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from imapclient import IMAPClient  # type: ignore[import-untyped]

from halfway.replies.imaptypes import Client, Criterion, Items
from halfway.replies.mailparse import (
    HEADER_FIELDS,
    MAX_HEAD,
    MAX_MESSAGE,
    TOKEN_LINK,
    MailReply,
    Unreadable,
    might_be_reply,
    parse_reply,
    token_link_pattern,
)

__all__ = [
    "KEYWORD",
    "TOKEN_LINK",
    "Cursor",
    "ImapConfig",
    "ImapError",
    "MailReply",
    "parse_reply",
    "poll",
    "token_link_pattern",
]

log = logging.getLogger("halfway")
# At debug level IMAPClient logs every line it exchanges, the text of people's mail included.
logging.getLogger("imapclient").setLevel(logging.INFO)

#: The IMAP keyword that marks a message as handled.
KEYWORD = "$halfway"
TLS_MODES = ("ssl", "starttls", "none")
CHUNK = 100  # messages whose headers are fetched at once
_HEAD = ["INTERNALDATE", f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]<0.{MAX_HEAD}>"]
_WHOLE = [f"BODY.PEEK[]<0.{MAX_MESSAGE}>"]


class ImapError(Exception):
    """Talking to the IMAP server failed; the message is one line naming host:port."""


@dataclass(frozen=True)
class ImapConfig:
    """Where to find replies and what to do with them once handled."""

    host: str
    port: int = 993
    user: str = ""
    password: str = ""
    folder: str = "INBOX"
    tls: str = "ssl"  # "ssl" (IMAPS), "starttls", or "none" (plain, for loopback tests)
    move_to: str | None = None
    timeout: float = 30.0
    #: Only messages that arrived this many days ago or later are looked at (None: all);
    #: this bounds the first poll, and every poll after UIDVALIDITY changed.
    max_age_days: int | None = 30

    def __post_init__(self) -> None:
        if self.tls not in TLS_MODES:
            raise ValueError(f"imap tls must be one of {', '.join(TLS_MODES)}, not {self.tls!r}")
        if not 0 < self.port < 65536:
            raise ValueError(f"imap port must be 1-65535, not {self.port}")
        if self.timeout <= 0:
            raise ValueError("imap timeout must be positive")

    def __repr__(self) -> str:
        return (
            f"ImapConfig(host={self.host!r}, port={self.port}, user={self.user!r}, "
            f"password='***', folder={self.folder!r}, tls={self.tls!r}, "
            f"move_to={self.move_to!r}, timeout={self.timeout}, "
            f"max_age_days={self.max_age_days})"
        )


@dataclass
class Cursor:
    """Where the polls have got to in the folder; `poll` moves it on as it reads."""

    uidvalidity: int | None = None  # the folder's numbering the UIDs belong to
    last_uid: int = 0  # every message up to this UID has been looked at


@dataclass(frozen=True)
class _Folder:
    uidvalidity: int | None
    uidnext: int | None
    keywords: bool  # whether the server keeps KEYWORD on its messages


class _Skip(Exception):
    """The server failed twice on one message."""


def _say(value: object) -> str:
    """Server text or an exception as one short line."""
    if isinstance(value, BaseException):
        value = value.args[0] if len(value.args) == 1 else (str(value) or type(value).__name__)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())[:300]


class _Session:
    """One logged-in connection with its folder selected; opened again if it breaks."""

    def __init__(self, cfg: ImapConfig) -> None:
        self.cfg = cfg
        self.client: Client | None = None
        self.folder: _Folder | None = None

    @property
    def imap(self) -> Client:  # the connection `open` made
        assert self.client is not None, "not connected"
        return self.client

    def fail(self, what: str) -> ImapError:
        message = f"IMAP {self.cfg.host}:{self.cfg.port}: {what}"
        if len(self.cfg.password) >= 4:
            message = message.replace(self.cfg.password, "***")
        return ImapError(" ".join(message.split()))

    @contextmanager
    def guard(self, doing: str) -> Iterator[None]:
        """Turn every network and protocol failure inside into an `ImapError`."""
        try:
            yield
        except ImapError:
            raise
        except ssl.SSLCertVerificationError as exc:
            raise self.fail(f"TLS failed while {doing}: {exc.verify_message}") from None
        except ssl.SSLError as exc:
            raise self.fail(f"TLS failed while {doing}: {exc.reason or exc}") from None
        except ConnectionRefusedError:
            raise self.fail(f"connection refused while {doing}") from None
        except TimeoutError:
            raise self.fail(f"timed out after {self.cfg.timeout:g}s while {doing}") from None
        except socket.gaierror as exc:
            raise self.fail(f"host not found while {doing}: {exc.strerror}") from None
        except OSError as exc:
            raise self.fail(f"{doing} failed: {exc.strerror or _say(exc)}") from None
        except imaplib.IMAP4.abort as exc:
            raise self.fail(f"connection lost while {doing}: {_say(exc)}") from None
        except imaplib.IMAP4.error as exc:
            raise self.fail(f"{doing} failed: {_say(exc)}") from None

    def open(self) -> _Folder:
        cfg = self.cfg
        with self.guard("connecting"):
            context = ssl.create_default_context()
            client: Client = IMAPClient(
                cfg.host,
                cfg.port,
                ssl=cfg.tls == "ssl",
                ssl_context=context if cfg.tls == "ssl" else None,
                timeout=cfg.timeout,
            )
            self.client = client
            client.normalise_times = False  # INTERNALDATE with its offset
        if cfg.tls == "starttls":
            with self.guard("starting TLS"):
                if not self.imap.has_capability("STARTTLS"):
                    raise self.fail("TLS failed: the server does not offer STARTTLS")
                self.imap.starttls(context)
        self.login()
        self.folder = self.select()
        return self.folder

    def login(self) -> None:
        cfg = self.cfg
        with self.guard(f"logging in as {cfg.user!r}"):
            if self.imap.has_capability("LOGINDISABLED"):
                raise self.fail("login refused: the server wants TLS first (LOGINDISABLED)")
            try:
                if (cfg.user + cfg.password).isascii():
                    self.imap.login(cfg.user, cfg.password)
                else:
                    self.imap.plain_login(cfg.user, cfg.password)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as exc:
                raise self.fail(f"login refused for user {cfg.user!r}: {_say(exc)}") from None

    def select(self) -> _Folder:
        folder, move_to = self.cfg.folder, self.cfg.move_to
        with self.guard(f"opening folder {folder!r}"):
            try:
                info = self.imap.select_folder(folder)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as exc:
                raise self.fail(
                    f"folder {folder!r} missing or not selectable: {_say(exc)}"
                ) from None
        if b"READ-ONLY" in info:
            raise self.fail(f"folder {folder!r} is read-only")
        if move_to is not None:
            with self.guard(f"checking folder {move_to!r}"):
                try:
                    self.imap.folder_status(move_to, ["MESSAGES"])
                except imaplib.IMAP4.abort:
                    raise
                except imaplib.IMAP4.error as exc:
                    raise self.fail(f"move_to folder {move_to!r} missing: {_say(exc)}") from None
        # RFC 3501: without PERMANENTFLAGS, all flags are permanent
        permanent = cast("tuple[bytes, ...]", info.get(b"PERMANENTFLAGS", (b"\\*",)))
        flags = [f.lower() for f in permanent]
        keywords = b"\\*" in flags or KEYWORD.encode() in flags
        numbers = [cast("int | None", info.get(key)) for key in (b"UIDVALIDITY", b"UIDNEXT")]
        return _Folder(numbers[0], numbers[1], keywords)

    def reopen(self) -> None:
        """A new connection after a failed command; the folder must keep its numbering."""
        assert self.folder is not None
        before = self.folder.uidvalidity
        self.close()
        if self.open().uidvalidity != before:
            raise self.fail(f"folder {self.cfg.folder!r} was renumbered while being read")

    def search(self, criteria: list[Criterion]) -> list[int]:
        with self.guard("searching"):
            return sorted(int(uid) for uid in self.imap.search(criteria))

    def fetch(self, uids: list[int], items: list[str]) -> dict[int, Items] | None:
        """`items` of several messages at once; None if that failed (ask one by one then)."""
        try:
            return dict(self.imap.fetch(uids, items))
        except Exception:
            self.reopen()
            return None

    def fetch_one(self, uid: int, items: list[str]) -> Items | None:
        """`items` of one message (None if it is gone); `_Skip` if the server fails twice."""
        for _attempt in range(2):
            try:
                found: Items | None = self.imap.fetch([uid], items).get(uid)
                return found
            except Exception as exc:  # the message, the connection or the answer: try again
                problem = exc
                self.reopen()  # an ImapError here: the server is gone, not the message bad
        raise _Skip(_say(problem))

    def mark(self, uid: int) -> None:
        """Mark one message handled: flag it, and move it if `move_to` says so."""
        assert self.folder is not None
        flags = ["\\Seen", KEYWORD] if self.folder.keywords else ["\\Seen"]
        with self.guard(f"marking message {uid} handled"):
            self.imap.add_flags([uid], flags, silent=True)
            if self.cfg.move_to is not None:
                self.move(uid, self.cfg.move_to)

    def move(self, uid: int, folder: str) -> None:
        """MOVE if the server has it, else COPY + \\Deleted + EXPUNGE."""
        if self.imap.has_capability("MOVE"):
            self.imap.move([uid], folder)
            return
        self.imap.copy([uid], folder)
        self.imap.add_flags([uid], ["\\Deleted"], silent=True)
        if self.imap.has_capability("UIDPLUS"):
            self.imap.uid_expunge([uid])
        else:  # expunges every \Deleted message in the folder; no narrower way without UIDPLUS
            self.imap.expunge()

    def close(self) -> None:
        if self.client is None:
            return
        with suppress(Exception):
            self.client.logout()  # not CLOSE: that would expunge the user's deleted messages
        with suppress(Exception):
            self.client.shutdown()
        self.client = None


def _criteria(cfg: ImapConfig, cursor: Cursor, folder: _Folder) -> list[Criterion]:
    criteria: list[Criterion] = ["UID", f"{cursor.last_uid + 1}:*", "UNDELETED"]
    if folder.keywords:
        criteria += ["NOT", "KEYWORD", KEYWORD]
    elif cursor.last_uid == 0:
        criteria.append("UNSEEN")  # starting over: what was seen may have been handled
    if cfg.max_age_days is not None:
        criteria += ["SINCE", (datetime.now(UTC) - timedelta(days=cfg.max_age_days)).date()]
    return criteria


def _item(data: Items, prefix: bytes) -> bytes:
    """The bytes of the fetched item whose name starts with `prefix` (b"" if none)."""
    value = next((v for k, v in data.items() if k.upper().startswith(prefix)), None)
    return value if isinstance(value, bytes) else b""


def poll(
    cfg: ImapConfig,
    handle: Callable[[MailReply], bool],
    *,
    pattern: re.Pattern[str] = TOKEN_LINK,
    cursor: Cursor | None = None,
) -> int:
    """Connect, look at the messages after `cursor`, call `handle` for each reply that
    carries a token and mark it handled; return how many were handled. `cursor` (a fresh
    one if None: start over) is moved on past every message looked at.

    `handle` returning False (token not valid) still marks the message handled. If `handle`
    raises, the message stays unhandled, the cursor stays before it, and the exception
    propagates.
    """
    cursor = Cursor() if cursor is None else cursor
    session = _Session(cfg)
    try:
        folder = session.open()
        if folder.uidvalidity is None or folder.uidvalidity != cursor.uidvalidity:
            if cursor.uidvalidity is not None:
                log.info("the e-mail folder was renumbered; looking at its recent mail again")
            cursor.uidvalidity, cursor.last_uid = folder.uidvalidity, 0
        if folder.uidnext is not None and folder.uidnext <= cursor.last_uid + 1:
            return 0  # nothing new
        uids = [u for u in session.search(_criteria(cfg, cursor, folder)) if u > cursor.last_uid]
        handled = 0
        for start in range(0, len(uids), CHUNK):
            chunk = uids[start : start + CHUNK]
            heads = session.fetch(chunk, _HEAD) or {}
            for uid in chunk:
                handled += _read(session, uid, heads.get(uid), handle, pattern)
                cursor.last_uid = uid
        if folder.uidnext is not None:  # the rest up to UIDNEXT did not match: looked at too
            cursor.last_uid = max(cursor.last_uid, folder.uidnext - 1)
        return handled
    finally:
        session.close()


def _read(
    session: _Session,
    uid: int,
    head: Items | None,
    handle: Callable[[MailReply], bool],
    pattern: re.Pattern[str],
) -> int:
    """Look at one new message: 1 if it was a reply, handed over and marked handled."""
    try:
        head = head if head is not None else session.fetch_one(uid, _HEAD)
        if head is None or not might_be_reply(_item(head, b"BODY[HEADER")):
            return 0
        whole = session.fetch_one(uid, _WHOLE)
        reply = parse_reply(_item(whole, b"BODY[]"), pattern) if whole is not None else None
    except ImapError:
        raise
    except Exception as exc:  # this message only: the poll goes on without it
        plain = isinstance(exc, _Skip | Unreadable)
        why = _say(exc) if plain else f"{type(exc).__name__}: {_say(exc)}"
        log.warning("skipped an e-mail that could not be read (UID %d): %s", uid, why)
        return 0
    if reply is None:
        return 0
    arrived = head.get(b"INTERNALDATE")
    if isinstance(arrived, datetime) and arrived.tzinfo is not None:
        reply = dataclasses.replace(reply, received_at=arrived.astimezone(UTC))
    handle(reply)
    session.mark(uid)
    return 1
