"""Stopping is bounded: SIGTERM during a send that hangs ends the daemon within 5 s,
with no traceback, and the send cut off is sent again exactly once at the next start,
marked resent_after_crash."""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from .conftest import wait_for


@dataclass
class HungReceiver:
    """Accepts HTTP requests and answers none of them until told to (a hung server)."""

    port: int = 0
    arrived: list[bytes] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    answer: bool = False  # once set, requests are answered at once with 200


@pytest.fixture
def hung_receiver() -> Iterator[HungReceiver]:
    receiver = HungReceiver()
    server = socket.create_server(("127.0.0.1", 0))
    receiver.port = server.getsockname()[1]
    server.settimeout(0.2)
    stop = threading.Event()

    def handle(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(10)
            try:
                data = conn.recv(65536)
            except OSError:
                return
            receiver.arrived.append(data)
            if not receiver.answer:
                receiver.release.wait(30)  # hang, as a server that never answers
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield receiver
    receiver.release.set()
    stop.set()
    thread.join(2)
    server.close()


@pytest.mark.parametrize("due", [-3, 2], ids=["in-the-catch-up-at-start", "when-woken-for-it"])
def test_a_stop_during_a_hung_send_ends_within_5_s_and_it_is_resent_once(
    config_file, start_daemon, halfway, hung_receiver, due
) -> None:
    url = f"json://127.0.0.1:{hung_receiver.port}/hook?rto=30"  # apprise waits 30 s for it
    when = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(seconds=due)).strftime(
        "%Y-%m-%dT%H:%M:%S"
    )
    written = config_file(
        f'[[nudges]]\nid = "now"\nkind = "custom"\nreply = "none"\nat = "{when}"\n',
        server=True,
        send_timeout="25s",
        channels={"push": url},
    )
    path, listen = str(written.path), written.listen
    daemon = start_daemon("--config", path)
    wait_for(lambda: hung_receiver.arrived)  # the send has left and hangs
    began = time.monotonic()
    daemon.proc.send_signal(signal.SIGTERM)
    code = daemon.proc.wait(10)
    took = time.monotonic() - began
    assert took < 5, f"stopping took {took:.1f} s"
    assert code == 0
    log = daemon.stderr()
    assert "Traceback" not in log
    assert "CancelledError" not in log

    hung_receiver.answer = True
    again = start_daemon("--config", path)
    wait_for(lambda: len(hung_receiver.arrived) == 2)
    wait_for(lambda: (again.health(listen) or {}).get("outbox_pending") == 0)
    assert again.stop() == 0
    [delivery] = json.loads(halfway("export", "--config", path).out)["deliveries"]
    push = delivery["channels"]["push"]
    assert push["state"] == "sent"
    assert push["resent_after_crash"] is True
    assert len(hung_receiver.arrived) == 2  # once cut off, once again: never a third
