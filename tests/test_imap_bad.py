"""One bad message never stops the poll: a message the server fails on, or one halfway
cannot read, is skipped with one log line, not tried again, and the mail after it is read.
Against a real IMAP server (pymap) on loopback."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from halfway.replies import imap, mailparse

from .test_imap import (  # noqa: F401 - fixtures
    LINK,
    REPLY,
    TOKEN,
    Recorder,
    Server,
    append,
    flags,
    mail,
    maildir_home,
    run_pymap,
    server,
)
from .test_imap_freeze import nested


@pytest.fixture
def crashing_server(tmp_path: Path) -> Iterator[Server]:
    """pymap with a message that makes its FETCH fail (a message/rfc822 nested 500 deep,
    put straight into the maildir: pymap refuses it over APPEND)."""
    backend = maildir_home(tmp_path)
    bad = nested(500, mail(f"held\n> {LINK}\n"))
    (tmp_path / "mail" / "halfway" / "new" / "1700000000.bad.host").write_bytes(bad)
    yield from run_pymap(tmp_path, backend, keywords=True)


def skips(caplog: pytest.LogCaptureFixture) -> list[str]:
    found = [r.getMessage() for r in caplog.records if "skipped an e-mail" in r.getMessage()]
    caplog.clear()
    return found


def test_a_message_the_server_fails_on_is_skipped_and_the_rest_is_read(
    crashing_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "halfway")
    append(crashing_server, REPLY)
    handle = Recorder()

    assert imap.poll(crashing_server.config(), handle) == 1

    assert [r.message_id for r in handle.replies] == ["<reply-1@client.example>"]
    [skipped] = skips(caplog)
    assert skipped.startswith("skipped an e-mail that could not be read (UID 1):")
    assert flags(crashing_server)[0] == set()  # the bad one is left as it was


def test_a_skipped_message_is_not_tried_again(
    crashing_server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "halfway")
    cursor = imap.Cursor()
    assert imap.poll(crashing_server.config(), Recorder(), cursor=cursor) == 0
    assert len(skips(caplog)) == 1

    append(crashing_server, REPLY)
    assert imap.poll(crashing_server.config(), Recorder(), cursor=cursor) == 1
    assert imap.poll(crashing_server.config(), Recorder(), cursor=cursor) == 0
    assert skips(caplog) == []


BROKEN = {
    "invalid base64": mail(
        "this is not base64 at all: ÿ!!\n", subject=f"Re: Call mum? {LINK}", encoding="base64"
    ),
    "bytes not in their charset": mail(
        b"\xff\xfe\xfd held\n",
        subject=f"Re: Call mum? {LINK}",
        content_type="text/plain; charset=x-made-up",
    ),
    "bytes not in utf-8": mail(
        b"held \xe9\xff\n> " + LINK.encode() + b"\n", content_type="text/plain; charset=utf-8"
    ),
}


@pytest.mark.parametrize("raw", BROKEN.values(), ids=BROKEN.keys())
def test_a_reply_whose_text_cannot_be_decoded_records_nothing(
    server: Server,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
    raw: bytes,
) -> None:
    caplog.set_level(logging.INFO, "halfway")
    append(server, raw)
    append(server, REPLY)
    handle = Recorder()

    assert imap.poll(server.config(), handle) == 1

    assert [r.message_id for r in handle.replies] == ["<reply-1@client.example>"]
    assert len(skips(caplog)) == 1
    assert flags(server)[0] == set()  # left for the user to read


def test_broken_text_is_unreadable_not_garbage() -> None:
    for raw in BROKEN.values():
        with pytest.raises(mailparse.Unreadable):
            mailparse.parse_reply(raw)


def test_padding_left_off_and_utf8_under_an_unknown_label_are_still_read() -> None:
    encoded = base64.b64encode(f"held\n> {LINK}\n".encode()).decode().rstrip("=")
    reply = mailparse.parse_reply(mail(encoded + "\n", encoding="base64"))
    assert reply is not None
    assert (reply.token, reply.value) == (TOKEN, "held")
    labelled = mail(f"schön\n> {LINK}\n", content_type="text/plain; charset=x-unknown-8bit")
    reply = mailparse.parse_reply(labelled)
    assert reply is not None
    assert reply.value == "schön"
