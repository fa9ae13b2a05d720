"""No e-mail can freeze the daemon: hostile HTML and deeply nested MIME are read in bounded,
linear time, and the real `halfway run` keeps answering /healthz within 100 ms while it
polls them from a real IMAP server (pymap) on loopback."""

from __future__ import annotations

import email
import email.policy
import http.client
import time

import pytest

from halfway.replies import mailparse

from .conftest import soon, wait_for
from .test_imap import LINK, TOKEN, Server, append, dict_server, mail  # noqa: F401 - a fixture
from .test_replies import export

SCRIPTS = "<html><body>" + "<script>" * 48000  # 384 KB
COMMENTS = "<html><body>" + "<!--" * 8000


def html_mail(markup: str, subject: str = "Re: hello") -> bytes:
    return mail(markup, subject=subject, headers="", content_type="text/html; charset=utf-8")


def nested(depth: int, inner: bytes) -> bytes:
    """A message wrapped `depth` times in message/rfc822."""
    for level in range(depth):
        inner = (
            f"From: a@example.org\r\nSubject: Re: level {level}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: message/rfc822\r\n\r\n"
        ).encode() + inner
    return inner


def nested_multipart(depth: int, text: str) -> bytes:
    """A text part wrapped `depth` times in multipart/mixed."""
    body = f"Content-Type: text/plain\r\n\r\n{text}\r\n".encode()
    for level in range(depth):
        b = f"b{level}".encode()
        body = (
            (b'Content-Type: multipart/mixed; boundary="' + b + b'"\r\n\r\n--' + b + b"\r\n")
            + body
            + b"\r\n--"
            + b
            + b"--\r\n"
        )
    return b"From: a@example.org\r\nSubject: Re: hello\r\nMIME-Version: 1.0\r\n" + body


HOSTILE_HTML = {
    "scripts": SCRIPTS,
    "comments": COMMENTS,
    "many comments": "<!--" * 96000,
    "end tags without names": "</" * 200000,
    "a tag that never closes": "<a " * 100000,
    "an attribute that never closes": "<a title='" + "x" * 300000,
    "many tags": "<b>" * 100000,
    "many ampersands": "&#" * 150000,
}


@pytest.mark.parametrize("markup", HOSTILE_HTML.values(), ids=HOSTILE_HTML.keys())
def test_hostile_html_is_read_in_linear_time(markup: str) -> None:
    started = time.process_time()  # CPU time: a busy machine does not fail it
    mailparse.html_to_text(markup + f'<a href="{LINK}">x</a>')
    assert time.process_time() - started < 0.5  # the regexes before took 60 s on some


@pytest.mark.parametrize("markup", [SCRIPTS, COMMENTS], ids=["scripts", "comments"])
def test_a_hostile_html_reply_with_a_token_is_read_quickly_and_its_text_kept(markup: str) -> None:
    started = time.process_time()
    reply = mailparse.parse_reply(
        html_mail(f"<div>held</div><blockquote>{LINK}</blockquote>{markup}")
    )
    assert time.process_time() - started < 0.5
    assert reply is not None
    assert (reply.token, reply.value) == (TOKEN, "held")


def test_deeply_nested_mime_is_refused_without_recursing() -> None:
    for raw in (nested(2000, mail(f"held\n> {LINK}\n")), nested_multipart(2000, LINK)):
        started = time.process_time()
        with pytest.raises(mailparse.Unreadable, match="more than 100 parts"):
            mailparse.parse_reply(raw)
        assert time.process_time() - started < 0.5


def health_time(listen: str) -> float:
    """Seconds /healthz took to answer (infinite if it did not within 2 s)."""
    host, port = listen.split(":")
    started = time.perf_counter()
    try:
        connection = http.client.HTTPConnection(host, int(port), timeout=2)
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        connection.close()
    except OSError:
        return float("inf")
    return time.perf_counter() - started


def test_the_daemon_answers_health_within_100_ms_while_it_polls_hostile_mail(
    config_file,
    smtp_receiver,
    start_daemon,
    halfway,
    dict_server: Server,  # noqa: F811
) -> None:
    written = config_file(
        f'[imap]\nhost = "{dict_server.host}"\nport = {dict_server.port}\n'
        f'user = "{dict_server.user}"\npassword = "{dict_server.password}"\n'
        'tls = "none"\npoll = "1s"\n'
        f'[[nudges]]\nid = "b"\nkind = "boundary"\nat = "{soon()}"\n',
        server=True,
        send_timeout="5s",
        channels={"mail": smtp_receiver.url()},
    )
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: smtp_receiver.messages)
    sent = email.message_from_bytes(smtp_receiver.messages[0].content, policy=email.policy.default)
    link = next(w for w in sent.get_body(("plain",)).get_content().split() if "/r/" in w)
    assert written.listen is not None
    wait_for(lambda: health_time(written.listen) < 1)

    hostile = [
        html_mail(SCRIPTS),  # no token: it was never flagged, so it froze every poll
        html_mail(COMMENTS),
        html_mail(f"<div>strained</div><blockquote>{link}</blockquote>{SCRIPTS}"),
        nested(300, mail("hello\n")),
        nested_multipart(60, f"held\n> {link}\n"),
    ]
    for raw in hostile:
        append(dict_server, raw)
    append(dict_server, mail(f"held\n\n> {link}\n", message_id="<the-real-answer@x>"))

    slowest, deadline = 0.0, time.monotonic() + 30
    while time.monotonic() < deadline:
        for _ in range(10):
            slowest = max(slowest, health_time(written.listen))
            time.sleep(0.01)
        replies = export(halfway, written.path)["replies"]
        if replies and replies[0].get("message_id") == "<the-real-answer@x>":
            break
    else:
        pytest.fail(f"the real answer was not recorded in 30 s; health took up to {slowest:.2f} s")
    assert slowest < 0.1, f"/healthz took {slowest * 1000:.0f} ms while the mail was read"
    assert "skipped an e-mail that could not be read" in daemon.stderr()
    assert daemon.stop() == 0
