"""Each poll reads only the mail that is new, headers first, and a restart does not read it
again; a reply counts from the time it reached the mailbox. Against a real IMAP server
(pymap) on loopback, through a real TCP relay that counts what the server sends."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from halfway.replies import imap
from halfway.replies import mail as mail_replies

from .conftest import Clock, HttpReceiver
from .engine import first_id, make_daemon, run_tick
from .test_imap import (  # noqa: F401 - fixtures
    REPLY,
    Recorder,
    Server,
    append,
    dict_server,
    flags,
    mail,
    server,
)


class Relay:
    """A TCP relay on loopback in front of a server, counting the bytes the server sends."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.received = 0
        self.lock = threading.Lock()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self.pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self.pipe, args=(upstream, client, True), daemon=True).start()

    def pipe(self, source: socket.socket, sink: socket.socket, count: bool) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
                if count:
                    with self.lock:
                        self.received += len(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def take(self) -> int:
        """The bytes the server sent since the last call."""
        with self.lock:
            taken, self.received = self.received, 0
        return taken


@pytest.fixture
def relay(dict_server: Server) -> Iterator[Relay]:  # noqa: F811
    found = Relay(dict_server.port)
    yield found
    found.listener.close()


NEWSLETTER_TEXT = "A long newsletter line, the kind nobody reads to the end.\n" * 350  # ~20 KB


def newsletters(box: Server, count: int) -> None:
    client = box.client()
    for n in range(count):
        news = mail(f"Issue {n}\n{NEWSLETTER_TEXT}", subject=f"News {n}", headers="")
        client.append("INBOX", None, None, news)
    client.logout()


def test_each_poll_reads_only_new_mail_and_downloads_only_replies(
    dict_server: Server,  # noqa: F811
    relay: Relay,
) -> None:
    newsletters(dict_server, 50)  # about 1 MB of mail that is not a reply
    append(dict_server, REPLY)
    through_relay = dict_server.config(port=relay.port)
    cursor = imap.Cursor()

    assert imap.poll(through_relay, Recorder(), cursor=cursor) == 1
    first = relay.take()
    assert imap.poll(through_relay, Recorder(), cursor=cursor) == 0
    second = relay.take()
    append(dict_server, REPLY.replace(b"reply-1@", b"reply-2@"))
    assert imap.poll(through_relay, Recorder(), cursor=cursor) == 1
    third = relay.take()

    assert first < 60_000, "the newsletters' bodies were downloaded"
    assert second < 2_000, "the second poll read old mail again"
    assert third < 8_000, "the third poll read more than the one new reply"
    assert flags(dict_server)[:50] == [set()] * 50  # other mail is left as it was


def test_the_cursor_is_kept_across_a_restart(
    tmp_path: Path,
    dict_server: Server,  # noqa: F811
    relay: Relay,
) -> None:
    body = (
        f'[imap]\nhost = "127.0.0.1"\nport = {relay.port}\nuser = "{dict_server.user}"\n'
        f'password = "{dict_server.password}"\ntls = "none"\n'
    )
    newsletters(dict_server, 20)
    clock = Clock(datetime.now(UTC).isoformat())

    make_daemon(tmp_path, body, clock).poll_mail()
    assert relay.take() > 0
    restarted = make_daemon(tmp_path, body, clock)  # a new process: the same data folder
    restarted.poll_mail()

    assert relay.take() < 2_000, "the restarted daemon read old mail again"
    kept = restarted.store.view().meta["imap"]
    assert kept["last_uid"] > 0
    assert kept["account"] == f"{dict_server.user}@127.0.0.1:{relay.port}/INBOX"


def test_a_renumbered_folder_is_read_again_but_handled_mail_is_not_handled_twice(
    server: Server,  # noqa: F811
) -> None:
    append(server, REPLY)
    cursor = imap.Cursor()
    assert imap.poll(server.config(), Recorder(), cursor=cursor) == 1
    assert cursor.uidvalidity is not None
    assert cursor.last_uid > 0

    append(server, REPLY.replace(b"reply-1@", b"reply-2@"))
    stale = imap.Cursor(uidvalidity=cursor.uidvalidity + 1, last_uid=10**6)  # another numbering
    handle = Recorder()
    assert imap.poll(server.config(), handle, cursor=stale) == 1

    assert [r.message_id for r in handle.replies] == ["<reply-2@client.example>"]
    assert stale.uidvalidity == cursor.uidvalidity
    assert stale.last_uid < 10**6


# --- the time a reply counts from -----------------------------------------------------------

REPLY_WINDOW = '[[nudges]]\nid = "b"\nkind = "boundary"\nat = "{at}"\nreply_window = "1h"\n'


def reply_through_imap(
    tmp_path: Path,
    box: Server,
    http_receiver: HttpReceiver,
    fired_ago: timedelta,
    arrived_ago: timedelta,
) -> tuple[list[dict[str, object]], datetime]:
    """A nudge fired `fired_ago` (its link open for 1 h), answered by a mail that reached
    the mailbox `arrived_ago`, polled now: the replies recorded, and when the mail came."""
    now = datetime.now(UTC).replace(microsecond=0)
    fired = now - fired_ago
    clock = Clock(fired.isoformat())
    section = (
        f'[imap]\nhost = "{box.host}"\nport = {box.port}\nuser = "{box.user}"\n'
        f'password = "{box.password}"\ntls = "none"\n'
    )
    daemon = make_daemon(
        tmp_path,
        section + REPLY_WINDOW.format(at=fired.isoformat()),
        clock,
        push=http_receiver.json_url(),
    )
    run_tick(daemon)
    delivery = daemon.store.view().get("deliveries", first_id(daemon))
    assert delivery is not None
    append(box, mail(f"held\n\n> {delivery['link']}\n"), when=now - arrived_ago)
    clock.set(now.isoformat())
    daemon.poll_mail()
    return daemon.store.view().records("replies"), now - arrived_ago


def test_a_reply_that_arrived_before_its_link_closed_counts_when_read_after(
    tmp_path: Path,
    dict_server: Server,  # noqa: F811
    http_receiver: HttpReceiver,
) -> None:
    # open from 90 to 30 minutes ago; the mail came 45 minutes ago and is read now
    replies, arrived = reply_through_imap(
        tmp_path, dict_server, http_receiver, timedelta(minutes=90), timedelta(minutes=45)
    )
    [reply] = replies
    assert (reply["value"], reply["via"]) == ("held", "email")
    assert datetime.fromisoformat(str(reply["received_at"])) == arrived


def test_a_reply_read_long_after_it_arrived_counts_from_six_hours_before(
    tmp_path: Path,
    dict_server: Server,  # noqa: F811
    http_receiver: HttpReceiver,
) -> None:
    # open from 7.5 to 6.5 hours ago; the mail came 7 hours ago, but that is too far back
    replies, _ = reply_through_imap(
        tmp_path, dict_server, http_receiver, timedelta(hours=7, minutes=30), timedelta(hours=7)
    )
    assert replies == []
    assert flags(dict_server) == [{"\\Seen"}]  # read, and refused: the link had closed


def test_the_time_a_reply_counts_from_is_never_in_the_future_nor_long_ago() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def sent(at: datetime) -> datetime:
        reply = imap.MailReply("d_1.x", "held", None, "<m@x>", at)
        return mail_replies.arrived(reply, now)

    assert sent(now - timedelta(hours=2)) == now - timedelta(hours=2)
    assert sent(now + timedelta(days=1)) == now
    assert sent(now - timedelta(days=30)) == now - mail_replies.MAX_LATE


def test_a_mail_read_again_with_the_same_message_id_is_logged_as_a_duplicate(
    tmp_path: Path,
    dict_server: Server,  # noqa: F811
    http_receiver: HttpReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A replayed mail (copied back into the inbox, a server that lost its flags) is
    recorded once and logged as a duplicate, not as a changed answer, even after a
    later mail changed the answer."""
    caplog.set_level(logging.INFO, "halfway")
    now = datetime.now(UTC).replace(microsecond=0)
    clock = Clock((now - timedelta(minutes=30)).isoformat())
    section = (
        f'[imap]\nhost = "{dict_server.host}"\nport = {dict_server.port}\n'
        f'user = "{dict_server.user}"\npassword = "{dict_server.password}"\ntls = "none"\n'
    )
    body = section + REPLY_WINDOW.format(at=clock().isoformat())
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    run_tick(daemon)
    delivery = daemon.store.view().get("deliveries", first_id(daemon))
    assert delivery is not None
    held = mail(f"held\n\n> {delivery['link']}\n")  # Message-ID <reply-1@client.example>
    strained = mail(f"strained\n\n> {delivery['link']}\n", message_id="<reply-2@x>")
    clock.set(now.isoformat())
    for message in (held, strained, held):  # the first mail comes round again
        append(dict_server, message, when=now - timedelta(minutes=5))
        daemon.poll_mail()
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("reply to")]
    assert said == [
        f"reply to {delivery['id']} (b) via email",
        f"reply to {delivery['id']} (b) via email, changed",
        f"reply to {delivery['id']} (b) via email, duplicate",
    ]
    [reply] = daemon.store.view().records("replies")
    assert reply["value"] == "strained"  # the replay took nothing back
    assert [v["value"] for v in reply["history"]] == ["held"]
