"""Slow, silent and many clients against the real daemon.

The daemon runs with a lowered file-descriptor limit (RLIMIT_NOFILE, set in the child)
and shorter timeouts (TEST_HALFWAY_HTTP, which can only tighten them), sending a nudge
every 2 s to a loopback receiver. A few hundred sockets that say nothing, say half a
request, or send half a body, are opened and re-opened: the nudges keep arriving, each
slow socket is closed after its timeout, the log stays a few lines, /healthz answers.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import resource
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from halfway.core import limits
from halfway.engine import httpserve

from .conftest import DaemonProcess, wait_for

FDS = 256  # the daemon's RLIMIT_NOFILE: its cap is then 256 - FD_RESERVE = 192
HEADER, BODY, LIFE = 2.0, 2.0, 6.0
TIGHT = f"header={HEADER},body={BODY},life={LIFE}"
MARGIN = 2.0  # a timer's lateness under a loaded test machine


class LimitedDaemon(DaemonProcess):
    """`halfway run` with RLIMIT_NOFILE lowered to FDS in the child."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"halfway-slow-{os.getpid()}.log"
        self.log = self.log_path.open("w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "halfway", "run", *args],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={**os.environ, **env},
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (FDS, FDS)),
        )


@pytest.fixture
def limited(request, config_file, http_receiver) -> Iterator[tuple[LimitedDaemon, str]]:
    """The daemon with FDS descriptors and TIGHT bounds (or the test's own: `indirect`)."""
    written = config_file(
        '[[nudges]]\nid = "tick"\nkind = "custom"\nevery = "2s"\nreply = "none"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    assert written.listen is not None
    tight = getattr(request, "param", TIGHT)
    daemon = LimitedDaemon(["--config", str(written.path)], {limits.TEST_VARIABLE: tight})
    wait_for(lambda: daemon.health(written.listen))
    yield daemon, written.listen
    daemon.stop()
    daemon.log_path.unlink(missing_ok=True)


def connect(listen: str, first: bytes = b"") -> socket.socket:
    host, _, port = listen.rpartition(":")
    conn = socket.create_connection((host, int(port)), timeout=5)
    if first:
        conn.sendall(first)
    return conn


def slow_kinds(listen: str, n: int) -> list[socket.socket]:
    """`n` sockets: silent, half a request line and headers, or a body cut short."""
    kinds = (
        b"",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
        b"POST /r/a.b HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"value":',
    )
    return [connect(listen, kinds[i % 3]) for i in range(n)]


def closed_by(conns: list[socket.socket], deadline: float) -> list[socket.socket]:
    """Read each socket to its end until `deadline`; the ones the daemon did not close."""
    waiting = list(conns)
    while waiting and time.monotonic() < deadline:
        ready, _, _ = select.select(waiting, [], [], 0.2)
        for conn in ready:
            try:
                data = conn.recv(65536)
            except OSError:
                data = b""
            if not data:
                waiting.remove(conn)
    return waiting


def test_slow_clients_are_closed_and_the_nudges_go_on(limited, http_receiver) -> None:
    daemon, listen = limited
    before = len(http_receiver.posts())
    started = time.monotonic()
    conns: list[socket.socket] = []
    try:
        # 300 slow sockets against a cap of 192, and again as they are closed, for 8 s
        while time.monotonic() - started < 8:
            conns = [c for c in conns if c.fileno() != -1]
            conns += slow_kinds(listen, 300 - len(conns))
            open_left = closed_by(conns, time.monotonic() + 1)
            for conn in set(conns) - set(open_left):
                conn.close()
            conns = open_left
        # the nudges went on all along (one every 2 s)
        assert len(http_receiver.posts()) - before >= 3
        # the last slow ones are closed within their timeout
        # (twice the margin: up to 300 of them at once, the timers fire late on a loaded
        # machine; without the timeouts they would stay open for good)
        held_from = time.monotonic()
        assert closed_by(conns, held_from + max(HEADER, BODY) + 2 * MARGIN) == []
    finally:
        for conn in conns:
            conn.close()
    assert daemon.health(listen) is not None
    log = daemon.stderr()
    assert "Traceback" not in log
    assert len(log.splitlines()) < 20, log


# the default header timeout: the held connections stay while the kernel's accept queue
# (128) makes the later connects wait for the daemon
@pytest.mark.parametrize("limited", ["life=30"], indirect=True)
def test_a_connection_beyond_the_cap_is_answered_at_once(limited) -> None:
    daemon, listen = limited
    cap = FDS - limits.FD_RESERVE
    held = [connect(listen) for _ in range(cap + 20)]
    try:
        answers = []
        deadline = time.monotonic() + 5
        while len(answers) < 20 and time.monotonic() < deadline:
            ready, _, _ = select.select(held, [], [], 0.1)
            for conn in ready:
                answers.append(conn.recv(200))
                held.remove(conn)
                conn.close()
        assert len(answers) == 20
        assert select.select(held, [], [], 0.5)[0] == []  # the cap's connections: held
        assert all(a.startswith(b"HTTP/1.1 503 ") for a in answers), answers
    finally:
        for conn in held:
            conn.close()
    wait_for(lambda: daemon.health(listen))
    lines = [line for line in daemon.stderr().splitlines() if "connections open" in line]
    assert len(lines) == 1, daemon.stderr()


def test_a_connection_that_lives_too_long_is_closed(limited) -> None:
    _, listen = limited
    conn = connect(listen)
    born = time.monotonic()
    ask = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    try:
        while time.monotonic() - born < LIFE + BODY + MARGIN:
            try:
                conn.sendall(ask)
                if not conn.recv(65536):
                    break
            except OSError:
                break
            time.sleep(HEADER / 2)  # within the keep-alive timeout: only its life ends it
        lived = time.monotonic() - born
    finally:
        conn.close()
    assert LIFE - MARGIN <= lived < LIFE + BODY + MARGIN


def test_a_body_cut_short_is_answered_408_after_its_timeout(limited) -> None:
    daemon, listen = limited
    head = b"POST /r/a.b HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    conn = connect(listen, head + b'Content-Length: 100\r\n\r\n{"value":')
    sent = time.monotonic()
    try:
        conn.settimeout(BODY + MARGIN)
        answer = conn.recv(65536)
        waited = time.monotonic() - sent
    finally:
        conn.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"too slowly" in answer
    assert BODY - 0.5 <= waited < BODY + MARGIN
    assert "Traceback" not in daemon.stderr()


@pytest.mark.parametrize("limited", ["life=30"], indirect=True)  # 10 s for a body
def test_a_stop_does_not_wait_for_slow_clients(limited) -> None:
    daemon, listen = limited
    conns = slow_kinds(listen, 30)
    try:
        wait_for(lambda: "running" in daemon.stderr())
        asked = time.monotonic()
        assert daemon.stop() == 0
        took = time.monotonic() - asked
    finally:
        for conn in conns:
            conn.close()
    assert took < 5, daemon.stderr()  # systemd and the tests expect a stop within 5 s


def test_asyncios_accept_error_is_one_line_a_minute(caplog) -> None:
    """At the descriptor limit asyncio reports the accept error once per waiting
    connection per tick, with a traceback: 284,210 times in 52 s when it was found."""

    async def flood() -> None:
        loop = asyncio.get_running_loop()
        httpserve.quiet_accept_errors(loop)
        error = OSError(errno.EMFILE, "Too many open files")
        for _ in range(1000):
            loop.call_exception_handler({"message": httpserve.OUT_OF_FDS, "exception": error})

    with caplog.at_level(logging.INFO):
        asyncio.run(flood())
    assert len(caplog.records) == 1
    assert "out of file descriptors" in caplog.records[0].getMessage()
    assert caplog.records[0].exc_info is None
