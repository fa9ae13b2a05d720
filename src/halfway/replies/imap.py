"""The IMAP client: poll a mailbox for e-mailed answers to nudges and mark them handled.

`poll` looks at the messages halfway has not handled yet, `parse_reply` (from
`halfway.replies.mailparse`) reads the token and the reply's own text out of each,
and the caller's `handle` records it.

Handled messages get the keyword ``$halfway`` (plus ``\\Seen``), or are moved to
`ImapConfig.move_to`. Servers that do not allow that keyword get ``\\Seen`` only,
and then only unseen messages are looked at. Messages without a token are never
changed: the mailbox may be the user's main inbox. Only messages that arrived in
the last `ImapConfig.max_age_days` days are looked at, so an inbox full of other
mail is not downloaded on every poll.

Standard library only.
"""

from __future__ import annotations

import base64
import imaplib
import re
import socket
import ssl
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Reading one message lives apart; these are re-exported for `imap.parse_reply` and friends.
from halfway.replies.mailparse import TOKEN_LINK, MailReply, parse_reply, token_link_pattern

__all__ = [
    "KEYWORD",
    "TOKEN_LINK",
    "ImapConfig",
    "ImapError",
    "MailReply",
    "parse_reply",
    "poll",
    "token_link_pattern",
]

#: The IMAP keyword that marks a message as handled.
KEYWORD = "$halfway"

TLS_MODES = ("ssl", "starttls", "none")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
    #: Only messages that arrived this many days ago or later are looked at (None: all).
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


# --- talking to the server --------------------------------------------------------------


def _text(value: object) -> str:
    """Server data (bytes, or a list of them) or an exception as one line of text."""
    if isinstance(value, BaseException):
        value = value.args[0] if len(value.args) == 1 else (str(value) or type(value).__name__)
    if isinstance(value, list | tuple):
        value = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in value if v)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(str(value).split())


def _say(value: object) -> str:
    """Server text or an exception, short enough for an error message."""
    return _text(value)[:300]


class _Session:
    """One logged-in connection with its folder selected."""

    def __init__(self, cfg: ImapConfig) -> None:
        self.cfg = cfg
        self.conn: imaplib.IMAP4 | None = None
        self.caps: frozenset[str] = frozenset()

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

    def check(self, result: tuple[str, Sequence[object]], doing: str) -> Sequence[object]:
        typ, data = result
        if typ != "OK":
            raise self.fail(f"{doing} failed: {typ} {_say(data)}")
        return data

    @property
    def imap(self) -> imaplib.IMAP4:
        assert self.conn is not None
        return self.conn

    def open(self) -> None:
        cfg = self.cfg
        context = ssl.create_default_context()
        with self.guard("connecting"):
            if cfg.tls == "ssl":
                self.conn = imaplib.IMAP4_SSL(
                    cfg.host, cfg.port, ssl_context=context, timeout=cfg.timeout
                )
            else:
                self.conn = imaplib.IMAP4(cfg.host, cfg.port, timeout=cfg.timeout)
        if cfg.tls == "starttls":
            if "STARTTLS" not in self.imap.capabilities:
                raise self.fail("TLS failed: the server does not offer STARTTLS")
            with self.guard("starting TLS"):
                self.check(self.imap.starttls(context), "STARTTLS")
        self.login()
        with self.guard("reading capabilities"):
            data = self.check(self.imap.capability(), "CAPABILITY")
        self.caps = frozenset(_text(data).upper().split())
        self.select()

    def login(self) -> None:
        cfg = self.cfg
        if "LOGINDISABLED" in self.imap.capabilities:
            raise self.fail("login refused: the server wants TLS first (LOGINDISABLED)")
        with self.guard(f"logging in as {cfg.user!r}"):
            try:
                if (cfg.user + cfg.password).isascii():
                    self.imap.login(cfg.user, cfg.password)
                else:
                    secret = f"\0{cfg.user}\0{cfg.password}".encode()
                    self.imap.authenticate("PLAIN", lambda _challenge: secret)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as exc:
                raise self.fail(f"login refused for user {cfg.user!r}: {_say(exc)}") from None

    def select(self) -> None:
        folder = self.cfg.folder
        with self.guard(f"opening folder {folder!r}"):
            typ, data = self.imap.select(_mailbox(folder))
        if typ != "OK":
            raise self.fail(f"folder {folder!r} missing or not selectable: {_say(data)}")
        if "READ-ONLY" in self.imap.untagged_responses:
            raise self.fail(f"folder {folder!r} is read-only")
        if self.cfg.move_to is not None:
            with self.guard(f"checking folder {self.cfg.move_to!r}"):
                typ, data = self.imap.status(_mailbox(self.cfg.move_to), "(MESSAGES)")
            if typ != "OK":
                raise self.fail(f"move_to folder {self.cfg.move_to!r} missing: {_say(data)}")

    def keywords_allowed(self) -> bool:
        """Whether `KEYWORD` can be stored: PERMANENTFLAGS has ``\\*`` or the keyword."""
        found = self.imap.untagged_responses.get("PERMANENTFLAGS")
        if not found:
            return True  # RFC 3501: without PERMANENTFLAGS, assume all flags are permanent
        flags = _text(found).strip("()").lower().split()
        return "\\*" in flags or KEYWORD.lower() in flags

    def close(self) -> None:
        if self.conn is None:
            return
        with suppress(OSError, imaplib.IMAP4.error):
            self.conn.logout()  # not CLOSE: that would expunge the user's deleted messages
        self.conn = None


def _mailbox(name: str) -> str:
    """A mailbox name as an IMAP quoted string, in modified UTF-7 (RFC 3501 5.1.3)."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            data = "".join(run).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            run.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            run.append(ch)
    flush()
    encoded = "".join(out)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _imap_date(day: datetime) -> str:
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def _fetched_message(data: Sequence[object]) -> bytes | None:
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and b"BODY[]" in item[0].upper():
            body = item[1]
            return body if isinstance(body, bytes) else None
    return None


def poll(
    cfg: ImapConfig,
    handle: Callable[[MailReply], bool],
    *,
    pattern: re.Pattern[str] = TOKEN_LINK,
) -> int:
    """Connect, look at messages not yet handled, call `handle` for each one that carries a
    token, mark each of those handled so it is never counted twice; return how many were
    handled. Messages without a token are left exactly as they were.

    `handle` returning False (token not valid) still marks the message handled. If `handle`
    raises, the message stays unhandled and the exception propagates.
    """
    session = _Session(cfg)
    try:
        session.open()
        imap = session.imap
        keyword = session.keywords_allowed()
        criteria = ["UNDELETED", f"NOT KEYWORD {KEYWORD}" if keyword else "UNSEEN"]
        if cfg.max_age_days is not None:
            since = datetime.now(UTC) - timedelta(days=cfg.max_age_days)
            criteria.append(f"SINCE {_imap_date(since)}")
        with session.guard("searching"):
            data = session.check(imap.uid("SEARCH", *criteria), "SEARCH")
        uids = _text(data).split()

        flags = f"(\\Seen {KEYWORD})" if keyword else "(\\Seen)"
        handled = 0
        for uid in uids:
            with session.guard(f"fetching message {uid}"):
                data = session.check(imap.uid("FETCH", uid, "(BODY.PEEK[])"), "FETCH")
            raw = _fetched_message(data)
            if raw is None:  # expunged by someone else meanwhile
                continue
            reply = parse_reply(raw, pattern)
            if reply is None:
                continue
            handle(reply)
            with session.guard(f"marking message {uid} handled"):
                session.check(imap.uid("STORE", uid, "+FLAGS.SILENT", flags), "STORE")
                if cfg.move_to is not None:
                    _move(session, uid, cfg.move_to)
            handled += 1
        return handled
    finally:
        session.close()


def _move(session: _Session, uid: str, folder: str) -> None:
    """Move one message: MOVE if the server has it, else COPY + \\Deleted + EXPUNGE."""
    imap = session.imap
    target = _mailbox(folder)
    if "MOVE" in session.caps:
        session.check(imap.uid("MOVE", uid, target), "MOVE")
        return
    session.check(imap.uid("COPY", uid, target), "COPY")
    session.check(imap.uid("STORE", uid, "+FLAGS.SILENT", "(\\Deleted)"), "STORE")
    if "UIDPLUS" in session.caps:
        session.check(imap.uid("EXPUNGE", uid), "UID EXPUNGE")
    else:  # expunges every \Deleted message in the folder; no narrower way without UIDPLUS
        session.check(imap.expunge(), "EXPUNGE")
