"""Random and hostile e-mail at the mail reader.

The parser's entry points (`might_be_reply`, `parse_reply`) raise nothing but
`Unreadable`; and the poller's own handling of one message (`imap._read`, fed by a
stand-in for the IMAP session, then `mail.poll`'s real `handle`, which records through
the one set of reply rules) never raises out and never records a reply unless the mail
carried a genuine token.
"""

from __future__ import annotations

import base64
import contextlib
import os
import quopri
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from halfway.core import tokens
from halfway.replies import imap, mail, mailparse

from .conftest import Clock
from .engine import make_daemon

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PUBLIC = "http://127.0.0.1:8470"
NOW = "2026-11-25T10:00:00+01:00"

HEADER_TEXT = st.one_of(
    st.text(max_size=60).map(lambda t: t.replace("\r", " ").replace("\n", " ")),
    st.sampled_from(
        [
            "=?utf-8?b?SGVsZA==?=",
            "=?unknown-8bit?q?=FF=FE?=",
            "=?utf-8?b?!!!not base64?=",
            "=?x?q?" + "=" * 50 + "?=",
            "(" * 200,
            '"' * 300,
            "<" * 100 + "@" * 100,
            "a" * 5000,
            "Re: [d_1.x]",
            "\x00\x01\x02",
        ]
    ),
)
CHARSETS = st.sampled_from(
    ["utf-8", "us-ascii", "iso-8859-1", "utf-16", "x-unknown", "", "utf-7", "cp1252\x00"]
)
ENCODINGS = st.sampled_from(
    ["7bit", "8bit", "base64", "quoted-printable", "binary", "x-uuencode", "nope"]
)
SUBTYPES = st.sampled_from(["plain", "html", "enriched", "rfc822-headers"])


def encode(body: bytes, encoding: str, broken: bool) -> bytes:
    if broken:
        return body + b"=\r\n=ZZ%%%"
    if encoding == "base64":
        return base64.encodebytes(body)
    if encoding == "quoted-printable":
        return quopri.encodestring(body)
    return body


@st.composite
def leaf(draw: st.DrawFn, link: str) -> bytes:
    """One non-multipart part: text, HTML or anything, maybe carrying the link."""
    subtype = draw(SUBTYPES)
    charset = draw(CHARSETS)
    encoding = draw(ENCODINGS)
    words = draw(
        st.one_of(
            st.text(max_size=80), st.sampled_from(["held", "strained", "crossed", "later", ""])
        )
    )
    with_link = draw(st.sampled_from(["", "", link, "> " + link, link[:-2], link.upper()]))
    text = f"{words}\n\nOn Mon, 1 Dec 2026 at 09:00, halfway <h@x> wrote:\n{with_link}\n"
    if subtype == "html":
        text = (
            draw(st.sampled_from(["<p>", "<div><blockquote>", "<!--", "<script>", "<a href='"]))
            + text
        )
    body = text.encode("utf-8", "surrogatepass") + draw(st.binary(max_size=40))
    body = encode(body, encoding, draw(st.booleans()))
    head = (
        f'Content-Type: text/{subtype}; charset="{charset}"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n"
    )
    return head.encode("utf-8", "surrogatepass") + b"\r\n" + body


def part(link: str) -> st.SearchStrategy[bytes]:
    return st.recursive(
        leaf(link),
        lambda inner: st.builds(
            multipart,
            st.lists(inner, min_size=0, max_size=4),
            st.sampled_from(["mixed", "alternative", "related", "digest"]),
            st.sampled_from(["b1", "b1", "", '"', "x" * 80]),
            st.booleans(),
        ),
        max_leaves=6,
    )


def multipart(parts: list[bytes], subtype: str, boundary: str, closed: bool) -> bytes:
    out = f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode()
    for one in parts:
        out += f"--{boundary}\r\n".encode() + one + b"\r\n"
    if closed:
        out += f"--{boundary}--\r\n".encode()
    return out


@st.composite
def messages(draw: st.DrawFn, link: str, token: str) -> bytes:
    """A whole message: random headers (a reply's, sometimes), then random parts."""
    headers = [
        (
            "Subject",
            draw(
                st.sampled_from(["Re: a small check-in", "AW: hi", "hello", f"Re: [{token}]", ""])
            ),
        ),
        ("From", draw(HEADER_TEXT)),
        (
            "Date",
            draw(
                st.one_of(
                    HEADER_TEXT, st.just(format_datetime(datetime(2026, 11, 25, 9, tzinfo=UTC)))
                )
            ),
        ),
        ("Message-ID", draw(HEADER_TEXT)),
    ]
    if draw(st.booleans()):
        headers.append(("In-Reply-To", draw(HEADER_TEXT)))
    for _ in range(draw(st.integers(0, 3))):
        headers.append(
            (
                draw(
                    st.sampled_from(
                        ["Auto-Submitted", "X-Autoreply", "Precedence", "References", "X-Any"]
                    )
                ),
                draw(HEADER_TEXT),
            )
        )
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode(
        "utf-8", "surrogatepass"
    )
    plain = st.sampled_from(["held", "strained", "crossed", "sideways"]).map(
        lambda word: f"Content-Type: text/plain\r\n\r\n{word}\r\n\r\n> {link}\r\n".encode()
    )
    body = draw(st.one_of(plain, part(link), st.binary(max_size=300)))
    message = head + b"MIME-Version: 1.0\r\n" + body
    return draw(
        st.sampled_from(
            [message, message, message[: len(message) // 2], message.replace(b"\r\n", b"\n")]
        )
    )


def test_the_parser_raises_nothing_but_unreadable() -> None:
    link = f"{PUBLIC}/r/d_0123456789ab.AAAAAAAAAAAAAAAAAAAAAA"
    pattern = mailparse.token_link_pattern(PUBLIC)

    @FUZZ
    @given(
        st.one_of(messages(link, "d_0123456789ab.AAAAAAAAAAAAAAAAAAAAAA"), st.binary(max_size=500))
    )
    def one(raw: bytes) -> None:
        try:
            mailparse.might_be_reply(raw)
            found = mailparse.parse_reply(raw, pattern)
        except mailparse.Unreadable:
            return
        if found is not None:
            assert found.token
            assert "\n" not in found.value
            assert found.received_at.tzinfo is not None

    one()


def test_a_charset_name_with_a_nul_is_unreadable_not_a_crash() -> None:
    raw = (
        b"Subject: Re: a small check-in\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: text/plain; charset="a\x00b"\r\n\r\nheld\r\n> '
        + f"{PUBLIC}/r/d_0123456789ab.AAAAAAAAAAAAAAAAAAAAAA".encode()
    )
    with contextlib.suppress(mailparse.Unreadable):
        mailparse.parse_reply(raw, mailparse.token_link_pattern(PUBLIC))


class Session:
    """What `imap._read` asks of an IMAP session, for one message held in memory."""

    def __init__(self, raw: bytes) -> None:
        head, _, _ = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
        self.items = {b"BODY[HEADER.FIELDS (SUBJECT)]": head, b"BODY[]": raw}
        self.marked: list[int] = []

    def fetch_one(self, uid: int, items: list[str]) -> dict[bytes, Any]:
        return self.items

    def mark(self, uid: int) -> None:
        self.marked.append(uid)


def test_the_poller_never_raises_and_never_records_without_a_genuine_token(tmp_path: Path) -> None:
    clock = Clock(NOW)
    body = (
        f'[[nudges]]\nid = "my-boundary"\nkind = "boundary"\nat = "{NOW}"\n'
        '[imap]\nhost = "127.0.0.1"\nuser = "me"\npassword = "pw-for-the-fuzz"\ntls = "none"\n'
        f'[server]\npublic_url = "{PUBLIC}"\n'
    )
    daemon = make_daemon(tmp_path, body, clock, push="json://127.0.0.1:9/x")
    daemon.run_once()
    [delivery] = daemon.store.view().records("deliveries")
    genuine = tokens.make(daemon.key, delivery["id"])
    forged = genuine[:-4] + ("AAAA" if not genuine.endswith("AAAA") else "BBBB")
    other = tokens.make(daemon.key, "d_000000000000")  # genuine, but no such delivery
    replied: list[str] = []

    def run(raw: bytes) -> int:
        """`mail.poll` on one message, through the real `imap._read` and `handle`."""

        def poll(cfg: imap.ImapConfig, handle: Callable[..., bool], **kw: Any) -> int:
            return imap._read(Session(raw), 1, None, handle, kw["pattern"])  # type: ignore[arg-type]

        with mock.patch.object(imap, "poll", poll):
            return mail.poll(
                daemon.settings,
                daemon.store,
                daemon.key,
                clock,
                lambda d, r, f: replied.append(r["id"]),
            )

    def replies() -> list[dict[str, Any]]:
        return [dict(r) for r in daemon.store.view().records("replies")]

    @FUZZ
    @given(
        st.sampled_from([genuine, forged, other, "d_x.y", genuine + "x"]).flatmap(
            lambda token: st.tuples(st.just(token), messages(f"{PUBLIC}/r/{token}", token))
        )
    )
    def one(case: tuple[str, bytes]) -> None:
        token, raw = case
        before = replies()
        run(raw)  # raises nothing
        if os.environ.get("FUZZ_DEBUG"):
            print("REC", token == genuine, len(replies()) - len(before), len(replied))
        after = replies()
        if after != before:
            assert token == genuine, raw[:300]
            [reply] = after
            assert reply["via"] == "email"
            assert reply["value"] in ("held", "strained", "crossed", "later")
            assert (
                genuine.encode() in raw
                or genuine in raw.decode("utf-8", "replace")
                or base64_has(raw)
            )

    one()
    assert replied, "no genuine reply was ever taken: the fuzz did not reach the recording"


def base64_has(raw: bytes) -> bool:
    """Whether the genuine link may be in a base64 or quoted-printable part (not checked
    byte for byte here: the parser decoded it)."""
    return b"base64" in raw or b"quoted-printable" in raw
