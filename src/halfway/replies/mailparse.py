"""Reading a reply out of one e-mail message: the token in its link, the reply's own
text above the quoted original, and whether it is a reply at all (not the nudge itself,
not an auto-reply). Pure: no network, standard library only.

Every nudge e-mail carries a reply link ``{public_url}/r/{token}``. When the user
answers with their mail client's "Reply", the answer is on the first line and the
original (with the link) is quoted below; `parse_reply` finds both.

The mail is untrusted, so every step has a bound: the first MAX_MESSAGE bytes, at most
MAX_PARTS parts and MAX_DEPTH levels, MAX_HEADER characters of each header, MAX_TEXT
characters of the answer's part (HTML through the linear `htmltext`). The token is looked
for first; a mail without one costs no more than that search. A part that cannot be
decoded (broken base64, bytes not in their charset) gives `Unreadable`, never garbage as
the answer.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.message
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from halfway.core import tokens
from halfway.replies.htmltext import html_to_text

__all__ = [
    "HEADER_FIELDS",
    "MAX_HEAD",
    "MAX_MESSAGE",
    "SUBJECT_TOKEN",
    "TOKEN_LINK",
    "MailReply",
    "Unreadable",
    "html_to_text",
    "might_be_reply",
    "parse_reply",
    "token_link_pattern",
]

#: Only this much of a message is read (a reply's text comes first; attachments after).
MAX_MESSAGE = 1024 * 1024
MAX_PARTS = 100  # a message with more parts than this (all levels) is not read
MAX_DEPTH = 8  # multipart levels looked into
MAX_HEADER = 4096  # characters kept of each header
MAX_TEXT = 64 * 1024  # characters of the answer's part looked at for the answer
MAX_HEAD = 64 * 1024  # bytes of `HEADER_FIELDS` looked at by `might_be_reply`
MAX_ID = 500  # a longer Message-ID is replaced by the message's hash
#: The headers that tell whether a message may be a reply (`might_be_reply`).
HEADER_FIELDS = (
    "Subject",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "X-Autoreply",
    "X-Autorespond",
    "Precedence",
)


class Unreadable(Exception):
    """A message halfway cannot read; the text says why, in a few words."""


class _BoundedPolicy(email.policy.EmailPolicy):
    """The default policy, keeping only the first MAX_HEADER characters of every header of
    every part, so no header parser ever sees more."""

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        return name, value[:MAX_HEADER]


_POLICY = _BoundedPolicy()

#: A reply link anywhere in a text; the named group ``token`` is the token.
TOKEN_LINK: re.Pattern[str] = re.compile(rf"/r/(?P<token>{tokens.SHAPE})")
#: In a subject, a bare token in square brackets also counts: ``Re: Call mum [d_1.x]``.
SUBJECT_TOKEN: re.Pattern[str] = re.compile(rf"\[(?P<token>{tokens.SHAPE})\]")


def token_link_pattern(public_url: str) -> re.Pattern[str]:
    """The reply-link pattern for one instance: only links to `public_url` count."""
    return re.compile(re.escape(public_url.rstrip("/")) + rf"/r/(?P<token>{tokens.SHAPE})")


@dataclass(frozen=True)
class MailReply:
    """One answer read from an e-mail."""

    token: str
    value: str  # the first non-empty line of the reply's own text ("" if it has none)
    note: str | None  # the rest of the reply's own text, stripped; None if empty
    message_id: str  # the Message-ID header, or "sha256:…" of the raw message
    received_at: datetime  # aware UTC: from the Date header, else now (`imap` gives the
    # time the message reached the mailbox instead)


_ATTRIBUTION = (
    # "On Mon, 1 Dec 2026 at 09:00, halfway <x@y> wrote:" (needs a digit or @, so that an
    # answer like "On my way, she wrote:" is not taken for one)
    re.compile(r"^On\s(?=.*[\d@]).*\bwrote:$", re.IGNORECASE),  # linear: one lookahead
    # "Am Mo., 1. Dez. 2026 um 09:00 Uhr schrieb halfway <x@y>:"
    re.compile(r"^Am\s[^\d@]*+[\d@].*\bschrieb\b.*:$", re.IGNORECASE),
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
    # attributions are short and end so; the checks also spare the regexes most lines
    if len(line) > 400 or not line.endswith((":", "-", "_")):
        return False
    return any(pattern.match(line) for pattern in _ATTRIBUTION)


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


def _payload(part: email.message.Message) -> tuple[bytes, str | None]:
    """A part's bytes with its transfer encoding undone, and what was wrong with it (or None).

    Base64 is decoded here rather than by `email`, which quietly skips characters that do
    not belong (and so turns a damaged part into plausible-looking garbage).
    """
    if _header(part, "Content-Transfer-Encoding").lower() == "base64":
        encoded = "".join(str(part.get_payload()).split())
        try:
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True), None
        except (binascii.Error, ValueError):
            damaged = part.get_payload(decode=True)
            return (damaged if isinstance(damaged, bytes) else b""), "its text is not valid base64"
    payload = part.get_payload(decode=True)
    return (payload if isinstance(payload, bytes) else b""), None


def _decode(part: email.message.Message) -> tuple[str, str | None]:
    """The text of one MIME part (transfer encoding and charset undone), and what was wrong
    with it, or None. A part that cannot be decoded still gives text, with U+FFFD for the
    bytes that could not be read: good enough to find a token in, not to take as an answer."""
    payload, problem = _payload(part)
    declared = part.get_content_charset() or "utf-8"
    for charset in (declared, "utf-8"):  # UTF-8 too: a common mislabelling, and never garbage
        try:
            text = payload.decode(charset)
        except (LookupError, ValueError):  # ValueError: UnicodeError, or a NUL in the name
            continue
        break
    else:
        text = payload.decode("utf-8", "replace")
        problem = problem or f"its text is not in its charset ({declared[:40]})"
    return text.replace("\r\n", "\n").replace("\r", "\n"), problem


def _answer_text(part: email.message.Message | None) -> str:
    """The body as plain text, at most MAX_TEXT characters: HTML stripped, format=flowed
    undone. `Unreadable` if its bytes cannot be decoded."""
    if part is None:
        return ""
    text, problem = _decode(part)
    if problem:
        raise Unreadable(problem)
    if part.get_content_subtype() == "html":
        return html_to_text(text)[:MAX_TEXT]
    if str(part.get_param("format", "")).lower() == "flowed":
        return _unflow(text[:MAX_TEXT], str(part.get_param("delsp", "")).lower() == "yes")
    return text[:MAX_TEXT]


def _text_parts(msg: email.message.Message) -> list[email.message.Message]:
    """The text parts, in order, at most MAX_DEPTH levels deep; attached messages (and
    anything in them) are not entered."""
    found: list[email.message.Message] = []
    stack = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        if part.get_content_maintype() == "multipart":
            children = part.get_payload()
            if depth < MAX_DEPTH and isinstance(children, list):
                kids = [c for c in children if isinstance(c, email.message.Message)]
                stack += [(child, depth + 1) for child in reversed(kids)]
        elif part.get_content_maintype() == "text":
            found.append(part)
    return found


def _body(parts: list[email.message.Message]) -> email.message.Message | None:
    """The part that holds the answer: the first plain text that is not an attachment, else
    the first such HTML."""
    inline = [p for p in parts if p.get_content_disposition() != "attachment"]
    for subtype in ("plain", "html"):
        found = next((p for p in inline if p.get_content_subtype() == subtype), None)
        if found is not None:
            return found
    return None


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


def _is_reply(msg: email.message.Message) -> bool:
    """A reply (In-Reply-To, References or a "Re:"/"AW:" subject), and not an out-of-office
    answer or other machine mail (RFC 3834 Auto-Submitted, X-Autoreply)."""
    subject = _header(msg, "Subject")
    if not (
        _header(msg, "In-Reply-To") or _header(msg, "References") or _REPLY_SUBJECT.match(subject)
    ):
        return False
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and not auto.startswith("no"):
        return False
    if any(_header(msg, name) for name in _AUTO_HEADERS):
        return False
    return _header(msg, "Precedence").lower() != "auto_reply"


def _message(raw: bytes) -> email.message.Message:
    """`raw` parsed; `Unreadable` as soon as it has more than MAX_PARTS parts."""
    made = -1  # the parser makes one message up front, to see how to call the factory

    def factory(policy: email.policy.Policy) -> email.message.Message:
        nonlocal made
        made += 1
        if made > MAX_PARTS:
            raise Unreadable(f"it has more than {MAX_PARTS} parts")
        return email.message.EmailMessage(policy)

    return email.message_from_bytes(raw, policy=_POLICY.clone(message_factory=factory))


def might_be_reply(head: bytes) -> bool:
    """Whether a message whose `HEADER_FIELDS` are `head` may be an answer (see
    `parse_reply`), so that its body is worth reading."""
    return _is_reply(_message(head[:MAX_HEAD]))


def parse_reply(raw: bytes, pattern: re.Pattern[str] = TOKEN_LINK) -> MailReply | None:
    """Find the token (in the subject, else in the text parts, including the quoted original)
    and the reply's own text; None if there is no token, or if the mail is not a reply.

    Only replies count (`might_be_reply`): the nudge itself, should it land in the polled
    mailbox, and an out-of-office answer quoting it are not answers. The token is looked
    for before any other work on the text. `pattern`'s group ``token`` (else group 1, else
    the whole match) is the token. Raises `Unreadable` for a mail with a token whose answer
    cannot be read, or one with more than MAX_PARTS parts.
    """
    raw = raw[:MAX_MESSAGE]
    msg = _message(raw)
    if not _is_reply(msg):
        return None
    subject = _header(msg, "Subject")
    parts = _text_parts(msg)
    body = _body(parts)
    token = _find(pattern, subject) or _find(SUBJECT_TOKEN, subject)
    for part in ([body] if body is not None else []) + [p for p in parts if p is not body]:
        if token is not None:
            break
        token = _find(pattern, _decode(part)[0])
    if token is None:
        return None

    own, _ = _split_own_text(_answer_text(body))
    value, _, rest = own.partition("\n")
    message_id = _header(msg, "Message-ID")
    if not message_id or len(message_id) > MAX_ID:
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    return MailReply(
        token=token,
        value=value.strip(),
        note=rest.strip() or None,
        message_id=message_id,
        received_at=_received_at(msg),
    )
