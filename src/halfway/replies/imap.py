"""Answers that come back by e-mail: poll an IMAP mailbox and read replies to nudges.

Every nudge e-mail carries a reply link ``{public_url}/r/{token}``. When the user
answers with their mail client's "Reply", the answer is on the first line and the
original (with the link) is quoted below. `poll` looks at the messages halfway has
not handled yet, `parse_reply` finds the token and the reply's own text, and the
caller's `handle` records it.

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
import email
import email.message
import email.policy
import email.utils
import hashlib
import html
import imaplib
import re
import socket
import ssl
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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

TOKEN = r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"  # noqa: S105 (a regex, not a secret)
#: A reply link anywhere in a text; the named group ``token`` is the token.
TOKEN_LINK: re.Pattern[str] = re.compile(rf"/r/(?P<token>{TOKEN})")
#: In a subject, a bare token in square brackets also counts: ``Re: Call mum [d_1.x]``.
SUBJECT_TOKEN: re.Pattern[str] = re.compile(rf"\[(?P<token>{TOKEN})\]")
#: The IMAP keyword that marks a message as handled.
KEYWORD = "$halfway"

TLS_MODES = ("ssl", "starttls", "none")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def token_link_pattern(public_url: str) -> re.Pattern[str]:
    """The reply-link pattern for one instance: only links to `public_url` count."""
    return re.compile(re.escape(public_url.rstrip("/")) + rf"/r/(?P<token>{TOKEN})")


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


@dataclass(frozen=True)
class MailReply:
    """One answer read from an e-mail."""

    token: str
    value: str  # the first non-empty line of the reply's own text ("" if it has none)
    note: str | None  # the rest of the reply's own text, stripped; None if empty
    message_id: str  # the Message-ID header, or "sha256:…" of the raw message
    received_at: datetime  # aware UTC: from the Date header, else now


# --- reading one message ------------------------------------------------------------------

_ATTRIBUTION = (
    # "On Mon, 1 Dec 2026 at 09:00, halfway <x@y> wrote:" (needs a digit or @, so that an
    # answer like "On my way, she wrote:" is not taken for one)
    re.compile(r"^On\s.*[\d@].*\bwrote:$", re.IGNORECASE),
    # "Am Mo., 1. Dez. 2026 um 09:00 Uhr schrieb halfway <x@y>:"
    re.compile(r"^Am\s.*[\d@].*\bschrieb\b.*:$", re.IGNORECASE),
    # Outlook, in English and German
    re.compile(r"^-{2,}\s*(Original Message|Ursprüngliche Nachricht)\s*-{2,}$", re.IGNORECASE),
    # Outlook web's separator above its header block
    re.compile(r"^_{8,}$"),
)
_HEADER_BLOCK_FROM = re.compile(r"^\*?(From|Von)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_BLOCK_NEXT = re.compile(
    r"^\*?(Sent|Date|To|Cc|Subject|Gesendet|Datum|An|Betreff)\s*:", re.IGNORECASE
)
_SIGNATURE = re.compile(
    r"^(--|-- |Sent from my .*|Sent from (Outlook|Mail for).*|Get Outlook for .*"
    r"|Von meinem .* gesendet\.?|Gesendet von (meinem|Outlook|Mail für) .*)$",
    re.IGNORECASE,
)
_REPLY_SUBJECT = re.compile(r"^\s*(re|aw|antw|sv|vs|odp|r)\s*(\[\d+\])?\s*:", re.IGNORECASE)
_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond")


def _is_attribution(line: str) -> bool:
    # attributions are short; the length check also keeps the regexes linear on huge lines
    return len(line) <= 400 and any(pattern.match(line) for pattern in _ATTRIBUTION)


def _is_quote_start(lines: list[str], i: int) -> bool:
    """Whether the reply's own text ends before line `i`."""
    line = lines[i].strip()
    if lines[i].lstrip().startswith(">"):
        return True
    if _SIGNATURE.match(lines[i]) or _SIGNATURE.match(line):
        return True
    # an attribution line, also when the client wrapped it onto two lines (but not when
    # the next line is an attribution of its own: then this line is still the answer)
    if _is_attribution(line):
        return True
    if i + 1 < len(lines):
        following = lines[i + 1].strip()
        if not _is_attribution(following) and _is_attribution(f"{line} {following}"):
            return True
    if _HEADER_BLOCK_FROM.match(line):
        block = [x.strip() for x in lines[i + 1 : i + 5]]
        return any(_HEADER_BLOCK_NEXT.match(x) for x in block)
    return False


def _split_own_text(text: str) -> tuple[str, str]:
    """Split `text` into the reply's own text (stripped of blank lines) and the rest."""
    lines = text.splitlines()
    cut = next((i for i in range(len(lines)) if _is_quote_start(lines, i)), len(lines))
    own = "\n".join(line.rstrip() for line in lines[:cut]).strip("\n")
    # strip leading/trailing blank lines, including lines of only whitespace
    own_lines = own.split("\n")
    while own_lines and not own_lines[0].strip():
        own_lines.pop(0)
    while own_lines and not own_lines[-1].strip():
        own_lines.pop()
    return "\n".join(own_lines), "\n".join(lines[cut:])


def _unflow(text: str, delsp: bool) -> str:
    """Undo format=flowed (RFC 3676): join soft-wrapped lines, keep quote depth."""
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for raw in text.split("\n"):
        depth = len(raw) - len(raw.lstrip(">"))
        body = raw[depth:]
        if body.startswith(" "):
            body = body[1:]  # space-stuffing
        if pending is not None and pending[0] != depth:
            out.append(pending)
            pending = None
        content = body if pending is None else pending[1] + body
        if body.endswith(" ") and body != "-- ":  # a soft line break
            pending = (depth, content[:-1] if delsp else content)
        else:
            out.append((depth, content))
            pending = None
    if pending is not None:
        out.append(pending)
    return "\n".join((">" * depth + " " if depth else "") + line for depth, line in out)


_BLOCK_END = re.compile(
    r"</(p|div|tr|li|h[1-6]|table|pre|blockquote)\s*>|<br\s*/?>|<hr[^>]*>", re.I
)
_DROP = re.compile(r"<(script|style|head|title)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def html_to_text(markup: str) -> str:
    """Plain text from HTML; a quoted block starts with a ``>`` line so it is cut off."""
    text = _DROP.sub("", markup)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    text = re.sub(r"\s+", " ", text)  # HTML whitespace is not layout
    text = re.sub(r"<blockquote\b[^>]*>", "\n>\n", text, flags=re.IGNORECASE)
    text = _BLOCK_END.sub("\n", text)
    text = re.sub(r"<[^>]*>", "", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _decode_part(part: email.message.Message) -> str:
    """The text of one MIME part: transfer encoding and charset undone."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload()).encode("utf-8", "surrogateescape")
    declared = part.get_content_charset() or "utf-8"
    for charset in (declared, "utf-8"):
        try:
            text = payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return payload.decode("cp1252", "replace").replace("\r\n", "\n").replace("\r", "\n")


def _part_text(part: email.message.Message) -> str:
    """A text part as plain text: HTML stripped, format=flowed undone."""
    text = _decode_part(part)
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    if str(part.get_param("format", "")).lower() == "flowed":
        return _unflow(text, str(part.get_param("delsp", "")).lower() == "yes")
    return text


def _header(msg: email.message.Message, name: str) -> str:
    """A header as one line of text; malformed headers never raise."""
    try:
        value = msg.get(name)
    except Exception:  # the parser is strict about some headers, and the mail is untrusted
        value = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    return " ".join(str(value).split()) if value is not None else ""


def _find(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    if match is None:
        return None
    if "token" in pattern.groupindex:
        return match.group("token")
    return match.group(1) if pattern.groups else match.group(0)


def _received_at(msg: email.message.Message) -> datetime:
    try:
        when = email.utils.parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return datetime.now(UTC)
    if when.tzinfo is None:  # "-0000": UTC, origin unknown
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _is_auto_reply(msg: email.message.Message) -> bool:
    """An out-of-office answer or other machine mail (RFC 3834), not the user's answer."""
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and not auto.startswith("no"):
        return True
    if any(_header(msg, name) for name in _AUTO_HEADERS):
        return True
    return _header(msg, "Precedence").lower() == "auto_reply"


def parse_reply(raw: bytes, pattern: re.Pattern[str] = TOKEN_LINK) -> MailReply | None:
    """Find the token (in the subject or anywhere in the text, including the quoted original)
    and the reply's own text; None if there is no token.

    Only replies count (In-Reply-To, References or a "Re:"/"AW:" subject) and no auto-replies
    (RFC 3834 Auto-Submitted, X-Autoreply): the nudge itself, should it land in the polled
    mailbox, and an out-of-office answer quoting it are not answers. `pattern`'s group
    ``token`` (else group 1, else the whole match) is the token.
    """
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = _header(msg, "Subject")
    is_reply = bool(
        _header(msg, "In-Reply-To") or _header(msg, "References") or _REPLY_SUBJECT.match(subject)
    )
    if not is_reply or _is_auto_reply(msg):
        return None

    body = None
    if isinstance(msg, email.message.EmailMessage):
        body = msg.get_body(preferencelist=("plain", "html"))
    text = _part_text(body) if body is not None else ""
    own, quoted = _split_own_text(text)

    token = (
        _find(pattern, subject)
        or _find(SUBJECT_TOKEN, subject)
        or _find(pattern, quoted)
        or _find(pattern, own)
    )
    if token is None:  # e.g. the link only in the HTML alternative's href
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                token = _find(pattern, _decode_part(part))
                if token is not None:
                    break
    if token is None:
        return None

    value, _, rest = own.partition("\n")
    message_id = _header(msg, "Message-ID") or "sha256:" + hashlib.sha256(raw).hexdigest()
    return MailReply(
        token=token,
        value=value.strip(),
        note=rest.strip() or None,
        message_id=message_id,
        received_at=_received_at(msg),
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
