"""The e-mail reply poller, against a real IMAP server (pymap) on loopback, and its parser.

Each poll test runs twice: against pymap's ``dict`` backend, which does not keep custom
keywords (so halfway falls back to ``\\Seen`` and UNSEEN), and against its ``maildir``
backend with ``$halfway`` declared, where the keyword is stored.
"""

from __future__ import annotations

import base64
import dataclasses
import imaplib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from halfway.replies.imap import (
    ImapConfig,
    ImapError,
    MailReply,
    parse_reply,
    poll,
    token_link_pattern,
)

TOKEN = "d_3f9a1c2b7e4d.Qm9vX2Zvb2Jhcg"
LINK = f"https://halfway.example/r/{TOKEN}"
USER = "halfway"
PASSWORD = "correct-horse-imap-7"


# --- the server ---------------------------------------------------------------------------


class Server(NamedTuple):
    host: str
    port: int
    user: str
    password: str
    keywords: bool  # whether the server keeps the $halfway keyword

    def config(self, **changes: Any) -> ImapConfig:
        plain = ImapConfig(self.host, self.port, self.user, self.password, tls="none", timeout=5)
        return dataclasses.replace(plain, **changes)

    def client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=5)
        imap.login(self.user, self.password)
        return imap


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pymap_command() -> str:
    found = Path(sys.executable).with_name("pymap")
    if found.exists():
        return str(found)
    which = shutil.which("pymap")
    if which is None:
        pytest.fail("pymap is not installed: pip install -e '.[test]'")
    return which


def greets(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            return sock.recv(64).startswith(b"* OK")
    except OSError:
        return False


def maildir_home(base: Path) -> list[str]:
    """A maildir base with one user whose INBOX allows the $halfway keyword."""
    from pysasl.hashing import BuiltinHash  # comes with pymap

    secret = BuiltinHash(rounds=1000).hash(PASSWORD)
    (base / "pymap-etc-passwd").write_text(f"{USER}:::::mail/{USER}:\n")
    (base / "pymap-etc-shadow").write_text(f"{USER}:{secret}:::::::\n")
    inbox = base / "mail" / USER
    for sub in ("cur", "new", "tmp"):
        (inbox / sub).mkdir(parents=True)
    (inbox / "dovecot-keywords").write_text("0 $halfway\n")
    return ["maildir", str(base)]


@pytest.fixture
def dict_server(tmp_path: Path) -> Iterator[Server]:
    """pymap's in-memory backend: no custom keywords."""
    args = ["dict", "--demo-user", USER, "--demo-password", PASSWORD]
    yield from run_pymap(tmp_path, args, keywords=False)


@pytest.fixture(params=["dict", "maildir"], ids=["seen-only", "keyword"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A fresh pymap on a free loopback port, killed afterwards."""
    if request.param == "dict":
        args = ["dict", "--demo-user", USER, "--demo-password", PASSWORD]
    else:
        args = maildir_home(tmp_path)
    yield from run_pymap(tmp_path, args, keywords=request.param == "maildir")


def run_pymap(tmp_path: Path, backend: list[str], *, keywords: bool) -> Iterator[Server]:
    log = tmp_path / "pymap.log"
    for _attempt in range(3):  # another process may take the free port before pymap does
        port = free_port()
        command = [pymap_command(), "--no-tls", "--host", "127.0.0.1", "--port", str(port)]
        with log.open("wb") as out:
            proc = subprocess.Popen([*command, *backend], stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while proc.poll() is None and time.monotonic() < deadline and not greets(port):
            time.sleep(0.05)
        if proc.poll() is None and greets(port):
            break
        proc.kill()
        proc.wait()
    else:
        pytest.fail(f"pymap did not start: {log.read_text()}")
    try:
        yield Server("127.0.0.1", port, USER, PASSWORD, keywords)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- messages -----------------------------------------------------------------------------


def mail(
    body: str | bytes,
    *,
    subject: str = "Re: Did you call mum?",
    headers: str = "In-Reply-To: <nudge-1@halfway.example>\r\n",
    content_type: str = "text/plain; charset=utf-8",
    encoding: str = "8bit",
    message_id: str | None = "<reply-1@client.example>",
) -> bytes:
    head = (
        "From: Sam <sam@example.org>\r\n"
        "To: halfway <halfway@example.org>\r\n"
        f"Subject: {subject}\r\n"
        "Date: Mon, 30 Nov 2026 21:15:00 +0100\r\n"
        + (f"Message-ID: {message_id}\r\n" if message_id else "")
        + headers
        + "MIME-Version: 1.0\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    )
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return head.encode("ascii") + raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


REPLY = mail(
    "Yes, called her\n"
    "She says hi.\n"
    "We talked for an hour.\n"
    "\n"
    "On Mon, 30 Nov 2026 at 20:00, halfway <halfway@example.org> wrote:\n"
    "> Did you call mum?\n"
    f"> Answer: {LINK}\n"
)


def append(server: Server, raw: bytes, folder: str = "INBOX", when: datetime | None = None) -> None:
    imap = server.client()
    try:
        date = imaplib.Time2Internaldate(when) if when else None
        typ, data = imap.append(folder, None, date, raw)
        assert typ == "OK", data
    finally:
        imap.logout()


def flags(server: Server, folder: str = "INBOX") -> list[set[str]]:
    """The flags of each message in `folder`, without the session flag \\Recent."""
    imap = server.client()
    try:
        typ, data = imap.select(folder, readonly=True)
        assert typ == "OK", data
        if data[0] == b"0":
            return []
        _, fetched = imap.fetch("1:*", "(FLAGS)")
        found = []
        for line in fetched:
            assert isinstance(line, bytes)
            inner = line.split(b"FLAGS (", 1)[1].split(b")", 1)[0].decode()
            found.append(set(inner.split()) - {"\\Recent"})
        return found
    finally:
        imap.logout()


class Recorder:
    """A `handle` that remembers what it was given and answers `accept`."""

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.replies: list[MailReply] = []

    def __call__(self, reply: MailReply) -> bool:
        self.replies.append(reply)
        return self.accept


# --- polling a real server ----------------------------------------------------------------


def test_a_reply_is_handed_over_once_with_its_value_and_note(server: Server) -> None:
    arrived = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    append(server, REPLY, when=arrived)
    handle = Recorder()

    assert poll(server.config(), handle) == 1
    assert poll(server.config(), handle) == 0

    assert len(handle.replies) == 1
    reply = handle.replies[0]
    assert reply.token == TOKEN
    assert reply.value == "Yes, called her"
    assert reply.note == "She says hi.\nWe talked for an hour."
    assert reply.message_id == "<reply-1@client.example>"
    assert reply.received_at == arrived  # when it reached the mailbox, not its Date header


def test_a_handled_message_is_marked_seen_and_with_the_keyword_if_the_server_keeps_it(
    server: Server,
) -> None:
    append(server, REPLY)
    poll(server.config(), Recorder())
    expected = {"\\Seen", "$halfway"} if server.keywords else {"\\Seen"}
    assert flags(server) == [expected]


def test_a_message_without_a_token_is_left_unseen_and_unflagged(server: Server) -> None:
    append(server, mail("Lunch on Sunday?\n\nOn Mon, 30 Nov 2026, Kim wrote:\n> hello\n"))
    handle = Recorder()

    assert poll(server.config(), handle) == 0
    assert poll(server.config(), handle) == 0

    assert handle.replies == []
    assert flags(server) == [set()]


def test_a_message_without_a_token_next_to_a_reply_is_left_alone(server: Server) -> None:
    append(server, mail("Unrelated mail\n", subject="Hello", headers=""))
    append(server, REPLY)
    assert poll(server.config(), Recorder()) == 1
    assert flags(server)[0] == set()


def test_every_reply_among_many_other_messages_is_handled(dict_server: Server) -> None:
    server = dict_server  # UIDs from 101 up: the SEARCH answer is longer than 300 characters
    imap = server.client()
    for n in range(80):
        imap.append("INBOX", None, None, mail(f"Newsletter {n}\n", subject="News", headers=""))
    imap.append("INBOX", None, None, REPLY)
    imap.append("INBOX", None, None, REPLY.replace(b"reply-1@", b"reply-2@"))
    imap.logout()
    handle = Recorder()

    assert poll(server.config(), handle) == 2

    assert [r.message_id for r in handle.replies] == [
        "<reply-1@client.example>",
        "<reply-2@client.example>",
    ]
    assert flags(server)[:80] == [set()] * 80


def test_a_token_in_the_subject_is_found_without_a_link_in_the_body(server: Server) -> None:
    append(server, mail("Done\n", subject=f"Re: Did you call mum? {LINK}"))
    handle = Recorder()
    assert poll(server.config(), handle) == 1
    assert [(r.token, r.value) for r in handle.replies] == [(TOKEN, "Done")]


def test_a_bracketed_token_in_the_subject_is_found(server: Server) -> None:
    append(server, mail("Done\n", subject=f"Re: Did you call mum? [{TOKEN}]"))
    handle = Recorder()
    assert poll(server.config(), handle) == 1
    assert handle.replies[0].token == TOKEN


def test_a_rejected_reply_is_still_marked_handled(server: Server) -> None:
    append(server, REPLY)
    rejecting = Recorder(accept=False)

    assert poll(server.config(), rejecting) == 1
    assert poll(server.config(), rejecting) == 0

    assert len(rejecting.replies) == 1
    assert "\\Seen" in flags(server)[0]


def test_move_to_moves_handled_messages_to_that_folder(server: Server) -> None:
    imap = server.client()
    assert imap.create("Handled")[0] == "OK"
    imap.logout()
    append(server, mail("Unrelated\n", subject="Hello", headers=""))
    append(server, REPLY)

    assert poll(server.config(move_to="Handled"), Recorder()) == 1

    assert flags(server) == [set()]  # only the unrelated message is left
    assert [f & {"\\Seen"} for f in flags(server, "Handled")] == [{"\\Seen"}]


def test_move_to_a_folder_with_spaces_and_umlauts_works(server: Server) -> None:
    imap = server.client()
    assert imap.create('"Erledigt &AMQ-rger"')[0] == "OK"  # modified UTF-7 for "Ärger"
    imap.logout()
    append(server, REPLY)
    assert poll(server.config(move_to="Erledigt Ärger"), Recorder()) == 1
    assert len(flags(server, '"Erledigt &AMQ-rger"')) == 1


def test_a_missing_move_to_folder_fails_before_anything_is_handled(server: Server) -> None:
    append(server, REPLY)
    handle = Recorder()
    with pytest.raises(ImapError, match="'Nowhere'"):
        poll(server.config(move_to="Nowhere"), handle)
    assert handle.replies == []
    assert flags(server) == [set()]


def test_a_message_older_than_max_age_days_is_not_looked_at(server: Server) -> None:
    append(server, REPLY, when=datetime.now(UTC) - timedelta(days=40))
    assert poll(server.config(max_age_days=30), Recorder()) == 0
    assert poll(server.config(max_age_days=None), Recorder()) == 1


def test_an_exception_in_handle_leaves_the_message_unhandled(server: Server) -> None:
    append(server, REPLY)

    def broken(reply: MailReply) -> bool:
        raise RuntimeError("store is down")

    with pytest.raises(RuntimeError):
        poll(server.config(), broken)
    assert flags(server) == [set()]
    assert poll(server.config(), Recorder()) == 1


# --- errors -------------------------------------------------------------------------------


def test_a_wrong_password_raises_imap_error_naming_host_and_port_but_not_the_password(
    dict_server: Server,
) -> None:
    wrong = "not-the-right-pw-42"
    with pytest.raises(ImapError) as caught:
        poll(dict_server.config(password=wrong), Recorder())
    message = str(caught.value)
    assert f"127.0.0.1:{dict_server.port}" in message
    assert "login refused" in message
    assert wrong not in message
    assert PASSWORD not in message
    assert "\n" not in message


def test_a_closed_port_raises_imap_error(dict_server: Server) -> None:
    port = free_port()
    with pytest.raises(ImapError, match=rf"127\.0\.0\.1:{port}: connection refused"):
        poll(dict_server.config(port=port), Recorder())


def test_a_missing_folder_raises_imap_error_naming_it(dict_server: Server) -> None:
    with pytest.raises(ImapError, match="folder 'Replies' missing"):
        poll(dict_server.config(folder="Replies"), Recorder())


def test_tls_against_a_plain_server_raises_imap_error(dict_server: Server) -> None:
    with pytest.raises(ImapError, match="TLS failed"):
        poll(dict_server.config(tls="ssl"), Recorder())


def test_starttls_against_a_server_without_it_raises_imap_error(dict_server: Server) -> None:
    with pytest.raises(ImapError, match="STARTTLS"):
        poll(dict_server.config(tls="starttls"), Recorder())


def test_a_server_that_never_greets_raises_imap_error_on_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        cfg = ImapConfig("127.0.0.1", port, USER, PASSWORD, tls="none", timeout=0.3)
        with pytest.raises(ImapError, match=rf"127\.0\.0\.1:{port}: timed out"):
            poll(cfg, Recorder())


def test_the_config_repr_hides_the_password() -> None:
    assert PASSWORD not in repr(ImapConfig("h", password=PASSWORD))


def test_an_unknown_tls_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="tls"):
        ImapConfig("h", tls="maybe")


# --- decoding -----------------------------------------------------------------------------


def test_a_quoted_printable_latin1_reply_decodes(server: Server) -> None:
    body = b"Sch=F6n war's=\n, wirklich\nGr=FC=DFe\n\n> " + LINK.encode() + b"\n"
    raw = mail(body, content_type="text/plain; charset=iso-8859-1", encoding="quoted-printable")
    append(server, raw)
    handle = Recorder()
    assert poll(server.config(), handle) == 1
    assert (handle.replies[0].value, handle.replies[0].note) == ("Schön war's, wirklich", "Grüße")


def test_a_base64_utf8_reply_decodes(server: Server) -> None:
    text = f"schön 👍\nmit Grüßen\n\n> {LINK}\n"
    body = base64.encodebytes(text.encode("utf-8"))
    append(server, mail(body, encoding="base64"))
    handle = Recorder()
    assert poll(server.config(), handle) == 1
    assert (handle.replies[0].value, handle.replies[0].note) == ("schön 👍", "mit Grüßen")


def test_an_encoded_subject_with_the_token_decodes() -> None:
    subject = "=?utf-8?q?Re=3A_Sch=C3=B6n=3F?= " + LINK
    reply = parse_reply(mail("ja\n", subject=subject))
    assert reply is not None
    assert (reply.token, reply.value) == (TOKEN, "ja")


# --- parse_reply: the reply's own text ----------------------------------------------------


def own_text(body: str, **kwargs: str) -> tuple[str, str | None]:
    reply = parse_reply(mail(body, **kwargs))
    assert reply is not None, "no token found"
    assert reply.token == TOKEN
    return reply.value, reply.note


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, 30 Nov 2026 at 20:00, halfway <halfway@example.org> wrote:",
        "On Mon, Nov 30, 2026 at 8:00 PM halfway <halfway@example.org>\nwrote:",
        "On 30. Nov 2026, at 20:00, halfway <halfway@example.org> wrote:",
        "Am Mo., 30. Nov. 2026 um 20:00 Uhr schrieb halfway <halfway@example.org>:",
        "Am 30.11.2026 um 20:00 schrieb halfway:",
        "-----Original Message-----",
        "-----Ursprüngliche Nachricht-----",
        "________________________________",
        "From: halfway <halfway@example.org>\nSent: Monday, November 30, 2026 8:00 PM",
        "Von: halfway <halfway@example.org>\nGesendet: Montag, 30. November 2026 20:00",
    ],
)
def test_the_own_text_ends_at_an_attribution_line(attribution: str) -> None:
    body = f"Done\nit went well\n\n{attribution}\nDid you call mum?\nAnswer: {LINK}\n"
    assert own_text(body) == ("Done", "it went well")


@pytest.mark.parametrize(
    "separator", ["-- ", "--", "Sent from my iPhone", "Von meinem iPad gesendet"]
)
def test_the_own_text_ends_at_a_signature(separator: str) -> None:
    body = f"Done\nnote\n{separator}\nSam Example\n+49 30 1234\n\n> {LINK}\n"
    assert own_text(body) == ("Done", "note")


def test_quoted_lines_never_end_up_in_value_or_note() -> None:
    body = f"\n\n  \n> Did you call mum?\n> {LINK}\n"
    assert own_text(body) == ("", None)


def test_quoted_text_below_the_answer_is_cut_even_without_an_attribution() -> None:
    assert own_text(f"Yes\n>> older\n> {LINK}\nmore own text?\n") == ("Yes", None)


def test_leading_and_trailing_blank_lines_are_stripped() -> None:
    assert own_text(f"\n\n  Yes  \n\n  second line\n\n\n> {LINK}\n") == (
        "Yes",
        "second line",
    )


def test_an_answer_that_starts_with_on_is_not_taken_for_an_attribution() -> None:
    body = f"On my way, she wrote back\nOn Tuesday\nOn Mon, 30 Nov 2026 at 20:00, halfway <h@x.y> wrote:\n> {LINK}\n"
    assert own_text(body) == ("On my way, she wrote back", "On Tuesday")


def test_a_format_flowed_first_line_is_joined_again() -> None:
    body = (
        "This is a long first line that the mail client wrapped because it is longer \n"
        "than seventy-eight characters\n"
        "\n"
        f"> {LINK}\n"
    )
    value, note = own_text(body, content_type="text/plain; charset=utf-8; format=flowed")
    assert value.endswith("because it is longer than seventy-eight characters")
    assert note is None


def test_an_html_only_reply_is_read_without_tags_and_without_the_quote() -> None:
    markup = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<div>Yes &amp; done</div><div>it was <b>nice</b></div><br>"
        '<div class="gmail_quote"><blockquote>Did you call mum? '
        f'<a href="{LINK}">Answer</a></blockquote></div></body></html>'
    )
    assert own_text(markup, content_type="text/html; charset=utf-8") == (
        "Yes & done",
        "it was nice",
    )


def test_a_link_only_in_the_html_alternative_is_found() -> None:
    boundary = "b0undary"
    body = (
        f"--{boundary}\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Done\n\n> Did you call mum? Answer\n"
        f"--{boundary}\n"
        "Content-Type: text/html; charset=utf-8\n\n"
        f'<div>Done</div><blockquote>Did you call mum? <a href="{LINK}">Answer</a></blockquote>\n'
        f"--{boundary}--\n"
    )
    content_type = f'multipart/alternative; boundary="{boundary}"'
    assert own_text(body, content_type=content_type) == ("Done", None)


# --- parse_reply: what is not a reply -----------------------------------------------------


def test_a_message_without_a_token_is_not_a_reply() -> None:
    assert parse_reply(mail("Yes\n\n> Did you call mum?\n")) is None


def test_the_nudge_itself_is_not_a_reply() -> None:
    nudge = mail(f"Did you call mum?\nAnswer: {LINK}\n", subject="Did you call mum?", headers="")
    assert parse_reply(nudge) is None


def test_an_out_of_office_answer_is_not_a_reply() -> None:
    auto = mail(
        f"I am away until Monday.\n\n> {LINK}\n", headers="Auto-Submitted: auto-replied\r\n"
    )
    assert parse_reply(auto) is None


def test_a_link_to_another_instance_does_not_count_with_a_pinned_pattern() -> None:
    pattern = token_link_pattern("https://other.example/")
    assert parse_reply(REPLY, pattern) is None
    assert parse_reply(REPLY, token_link_pattern("https://halfway.example/")) is not None


# --- parse_reply: identity and time -------------------------------------------------------


def test_without_a_message_id_the_id_is_a_stable_hash_of_the_message() -> None:
    raw = mail(f"Yes\n> {LINK}\n", message_id=None)
    first, second = parse_reply(raw), parse_reply(raw)
    assert first is not None
    assert second is not None
    assert first.message_id.startswith("sha256:")
    assert first.message_id == second.message_id


def test_without_a_usable_date_received_at_is_now_in_utc() -> None:
    raw = mail(f"Yes\n> {LINK}\n").replace(b"Mon, 30 Nov 2026 21:15:00 +0100", b"yesterday")
    reply = parse_reply(raw)
    assert reply is not None
    assert reply.received_at.tzinfo is UTC
    assert abs(reply.received_at - datetime.now(UTC)) < timedelta(minutes=1)
