"""Reading a reply out of one e-mail message: the token in its link, the reply's own
text above the quoted original, and whether it is a reply at all (not the nudge itself,
not an auto-reply). Pure: no network, standard library only.

Every nudge e-mail carries a reply link ``{public_url}/r/{token}``. When the user
answers with their mail client's "Reply", the answer is on the first line and the
original (with the link) is quoted below; `parse_reply` finds both.
"""

from __future__ import annotations

import email
import email.message
import email.policy
import email.utils
import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "SUBJECT_TOKEN",
    "TOKEN_LINK",
    "MailReply",
    "html_to_text",
    "parse_reply",
    "token_link_pattern",
]

TOKEN = r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"  # noqa: S105 (a regex, not a secret)
#: A reply link anywhere in a text; the named group ``token`` is the token.
TOKEN_LINK: re.Pattern[str] = re.compile(rf"/r/(?P<token>{TOKEN})")
#: In a subject, a bare token in square brackets also counts: ``Re: Call mum [d_1.x]``.
SUBJECT_TOKEN: re.Pattern[str] = re.compile(rf"\[(?P<token>{TOKEN})\]")


def token_link_pattern(public_url: str) -> re.Pattern[str]:
    """The reply-link pattern for one instance: only links to `public_url` count."""
    return re.compile(re.escape(public_url.rstrip("/")) + rf"/r/(?P<token>{TOKEN})")


@dataclass(frozen=True)
class MailReply:
    """One answer read from an e-mail."""

    token: str
    value: str  # the first non-empty line of the reply's own text ("" if it has none)
    note: str | None  # the rest of the reply's own text, stripped; None if empty
    message_id: str  # the Message-ID header, or "sha256:…" of the raw message
    received_at: datetime  # aware UTC: from the Date header, else now


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
