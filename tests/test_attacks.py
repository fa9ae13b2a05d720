"""The crafted requests an attack on halfway found, against the real daemon.

Each gets a 4xx (never a 500), leaves no traceback in the log and changes nothing on
disk; every answer carries the headers that keep a private page private; the Server
header names no versions; a request cannot choose its `via`; /healthz shows its pid to
loopback listeners only; and a flood of bad requests leaves a few short lines.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from halfway.channels import logs
from halfway.store.database import StoreError

from .conftest import Clock, DaemonProcess, free_port, soon, wait_for
from .engine import make_daemon
from .test_replies import export, request

SECURITY = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
VERSIONED = re.compile(r"\d+\.\d+|python|aiohttp", re.IGNORECASE)


@dataclass
class Running:
    path: Path
    listen: str
    link: str
    daemon: DaemonProcess
    data: Path

    @property
    def token(self) -> str:
        return self.link.rsplit("/", 1)[1]

    def hot(self) -> bytes:
        return (self.data / "halfway.json").read_bytes()


@pytest.fixture
def running(config_file, http_receiver, start_daemon) -> Iterator[Running]:
    """A daemon whose boundary nudge was just sent, its data file settled."""
    written = config_file(
        f'[[nudges]]\nid = "my-boundary"\nkind = "boundary"\nat = "{soon()}"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    assert written.listen is not None
    assert written.data_dir is not None
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: http_receiver.posts())
    link = re.search(r"http://\S+/r/\S+", http_receiver.bodies()[0]["message"]).group(0)  # type: ignore[union-attr]
    hot = written.data_dir / "halfway.json"
    wait_for(lambda: '"state":"sent"' in hot.read_text().replace(" ", ""))
    yield Running(written.path, written.listen, link, daemon, written.data_dir)
    daemon.stop()


def raw(listen: str, data: bytes, *, shut: bool = False) -> tuple[int, dict[str, str], bytes]:
    """Send `data` as it is on a new connection (half-closed after it if `shut`); read the
    answer to the end. Status 0 if the server closed without answering."""
    host, _, port = listen.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(data)
        if shut:
            conn.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = conn.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    answer = b"".join(chunks)
    if not answer:
        return 0, {}, b""
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


def post(path: str, body: bytes, content_type: str, **extra: str) -> bytes:
    head = [
        f"POST {path} HTTP/1.1",
        "Host: localhost",
        f"Content-Type: {content_type}",
        f"Content-Length: {extra.pop('length', len(body))}",
        "Connection: close",
        *(f"{name.replace('_', '-')}: {value}" for name, value in extra.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def assert_calm(run: Running) -> None:
    log = run.daemon.stderr()
    assert "Traceback" not in log, log
    assert " 500" not in log, log
    assert "Internal Server Error" not in log, log


def assert_headers(headers: dict[str, str]) -> None:
    for name, value in SECURITY.items():
        assert headers.get(name) == value, (name, headers)
    assert not VERSIONED.search(headers.get("Server", "")), headers


MULTIPART = "multipart/form-data; boundary=XyZ"
TRUNCATED = b'--XyZ\r\nContent-Disposition: form-data; name="value"\r\n\r\nhel'


def attacks(token: str) -> list[tuple[str, bytes, bool]]:
    """(name, the request's bytes, half-close after sending)."""
    path = f"/r/{token}"
    nested = b'{"value":' + b"[" * 3000 + b"]" * 3000 + b"}"
    return [
        (
            "non-ASCII token",
            b"GET /r/d_%C3%A4%C3%A4.%C3%9F%C3%9F HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            False,
        ),
        (
            "non-ASCII token, POST",
            post("/r/d_%C3%A4%C3%A4.%C3%9F%C3%9F", b'{"value":"held"}', "application/json"),
            False,
        ),
        ("deeply nested JSON", post(path, nested, "application/json"), False),
        ("deeply nested JSON, log form", post(path + "/log", nested, "application/json"), False),
        ("lone surrogate", post(path, b'{"value":"\\ud800"}', "application/json"), False),
        (
            "lone surrogate in the note",
            post(path, b'{"value":"held","note":"\\udfff"}', "application/json"),
            False,
        ),
        (
            "gzip header, body not gzip",
            post(path, b'{"value":"held"}', "application/json", Content_Encoding="gzip"),
            False,
        ),
        (
            "gzip header on a form",
            post(path, b"value=held", "application/x-www-form-urlencoded", Content_Encoding="gzip"),
            False,
        ),
        ("truncated multipart", post(path, TRUNCATED, MULTIPART), False),
        ("multipart cut off mid-body", post(path, TRUNCATED, MULTIPART, length="500"), True),
        (
            "unknown form charset",
            post(path, b"value=held", "application/x-www-form-urlencoded; charset=nope"),
            False,
        ),
        ("a JSON list", post(path, b'["held"]', "application/json"), False),
        # found by the fuzz: aiohttp answered a non-ASCII Expect header with a 500
        ("non-ASCII Expect header", post(path, b"{}", "application/json", Expect="\x80"), False),
        (
            "non-ASCII Expect, unknown path",
            post("/nowhere", b"{}", "application/json", Expect="\xff"),
            False,
        ),
        ("value as an object", post(path, b'{"value":{"a":1}}', "application/json"), False),
    ]


def test_each_crafted_request_gets_a_4xx_no_traceback_and_no_write(running) -> None:
    before = running.hot()
    results = {}
    for name, data, shut in attacks(running.token):
        status, headers, _ = raw(running.listen, data, shut=shut)
        results[name] = status
        if shut and status == 0:
            continue  # the sender went away mid-body: aiohttp drops the request, unanswered
        assert 400 <= status < 500, (name, status)
        assert_headers(headers)
    assert results["non-ASCII token"] == 403
    assert results["deeply nested JSON"] == 422
    assert results["lone surrogate"] == 422
    assert results["gzip header, body not gzip"] == 400
    assert results["truncated multipart"] in (400, 403, 422)
    assert running.hot() == before  # nothing was written
    assert_calm(running)
    # and the daemon is still well
    assert running.daemon.health(running.listen)["status"] == "ok"  # type: ignore[index]


def test_the_door_sets_via_never_the_body(running, halfway) -> None:
    status, _, body = request(
        running.link,
        json.dumps({"value": "held", "via": "email"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 200, body
    [reply] = export(halfway, running.path)["replies"]
    assert reply["via"] == "web"
    status, _, _ = request(
        running.link,
        json.dumps({"value": "strained", "via": "cli"}).encode(),
        {"Content-Type": "application/json"},
    )
    [reply] = export(halfway, running.path)["replies"]
    assert (reply["value"], reply["via"]) == ("strained", "web")
    assert {v["via"] for v in reply["history"]} == {"web"}


def test_every_answer_carries_the_headers_and_no_versions(running) -> None:
    base = f"http://{running.listen}"
    answers = {
        "page": request(running.link),
        "page, forged": request(running.link[:-3] + "AAA"),
        "json": request(running.link, b'{"value":"held"}', {"Content-Type": "application/json"}),
        "json, refused": request(
            running.link, b'{"value":"nope"}', {"Content-Type": "application/json"}
        ),
        "healthz": request(f"{base}/healthz"),
        "calendar": request(f"{base}/calendar/nope.ics"),
        "log": request(
            f"{running.link}/log", b"text=hi", {"Content-Type": "application/x-www-form-urlencoded"}
        ),
        "not found": request(f"{base}/nothing-here"),
        "wrong method": request(f"{base}/healthz", b"", method="DELETE"),
    }
    # a form's redirect (303): the page's own guard, taken from the page
    page = running.link
    guard = re.search(r'name="guard" value="([^"]+)"', answers["page"][2].decode()).group(1)  # type: ignore[union-attr]
    answers["redirect"] = request(
        page,
        f"guard={guard}&value=held".encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answers["redirect"][0] == 303
    for name, (status, headers, _) in answers.items():
        assert status < 500, name
        for header, value in SECURITY.items():
            assert headers.get(header) == value, (name, header, headers)
        assert headers.get("Server") == "halfway", (name, headers.get("Server"))
    # a request that is not HTTP at all is answered by aiohttp itself: no versions there either
    status, headers, _ = raw(running.listen, b"\x16\x03\x01 not http at all\r\n\r\n")
    assert status == 400
    assert not VERSIONED.search(headers.get("Server", "")), headers
    assert_calm(running)


def test_healthz_shows_the_pid_on_loopback_only(config_file, start_daemon) -> None:
    port = free_port()
    written = config_file(server=f"0.0.0.0:{port}")
    daemon = start_daemon("--config", str(written.path))
    health = wait_for(lambda: daemon.health(f"127.0.0.1:{port}"))
    assert "pid" not in health
    assert health["version"]
    daemon.stop()
    written = config_file(server=True)
    assert written.listen is not None
    daemon = start_daemon("--config", str(written.path))
    health = wait_for(lambda: daemon.health(written.listen))
    assert health["pid"] == daemon.proc.pid
    daemon.stop()


def test_a_flood_of_bad_requests_leaves_a_few_short_lines(running) -> None:
    for _ in range(40):
        raw(running.listen, b"\x16\x03\x01 garbage\r\n\r\n")
        raw(
            running.listen,
            post(f"/r/{running.token}", b"{}", "application/json", Content_Encoding="gzip"),
        )
    log = running.daemon.stderr()
    bad = [line for line in log.splitlines() if "request" in line.lower() and "halfway" not in line]
    assert "Traceback" not in log
    assert 1 <= len(bad) <= logs.HTTP_LINES_PER_MINUTE, log
    assert all(len(line) < 400 for line in bad)


# the filter and the calm page, in-process ------------------------------------------


def test_the_log_filter_keeps_n_lines_a_minute_then_says_how_many_more() -> None:
    now = [0.0]
    guard = logs.BadRequests(limit=3, window=60, clock=lambda: now[0])
    logger = logging.getLogger("halfway.test.flood")
    logger.propagate = False
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    logger.addHandler(Keep())
    logger.addFilter(guard)
    summary = logging.getLogger("halfway.http")
    summary.addHandler(Keep())
    try:
        for n in range(10):
            try:
                raise ValueError(f"bad thing {n}\nsecond line")
            except ValueError:
                logger.exception("Error handling request from %s", "10.0.0.1")
        now[0] = 61
        logger.error("the next minute")
    finally:
        summary.handlers.pop()
    lines = [r.getMessage() for r in seen]
    assert lines[:3] == [
        f"Error handling request from 10.0.0.1: ValueError: bad thing {n} second line"
        for n in range(3)
    ]
    assert "7 more" in lines[3]
    assert lines[4] == "the next minute"
    assert all(r.exc_info is None and r.exc_text is None for r in seen)


def daemon_app(tmp_path: Path) -> tuple[Any, web.Application]:
    daemon = make_daemon(tmp_path, "", Clock("2026-11-25T10:00:00+01:00"))
    daemon.ready = True
    return daemon, daemon.web_app()


def test_an_unexpected_error_is_a_calm_500_and_one_line(tmp_path, caplog) -> None:
    daemon, app = daemon_app(tmp_path)

    async def boom(request: web.Request) -> web.Response:
        raise ZeroDivisionError("secret detail of the bug")

    async def full(request: web.Request) -> web.Response:
        raise StoreError("the disk is full")

    app.router.add_get("/boom/{token}", boom)
    app.router.add_get("/full", full)

    async def go() -> list[tuple[int, dict[str, str], str]]:
        daemon.attach(asyncio.get_running_loop())
        async with TestClient(TestServer(app)) as client:
            found = []
            for path, accept in (
                ("/boom/d_x.y", "text/html"),
                ("/boom/d_x.y", "application/json"),
                ("/full", "text/html"),
            ):
                answer = await client.get(path, headers={"Accept": accept})
                found.append((answer.status, dict(answer.headers), await answer.text()))
            return found

    with caplog.at_level(logging.INFO):
        (s1, h1, page), (s2, _, body), (s3, _, full_page) = asyncio.run(go())
    assert (s1, s2, s3) == (500, 500, 503)
    assert "Traceback" not in page
    assert "ZeroDivisionError" not in page
    assert "please try again" in page.lower()
    assert json.loads(body)["error"]
    assert "try again" in full_page
    assert_headers(h1)
    lines = [r for r in caplog.records if r.name == "halfway.http"]
    assert len(lines) == 3
    assert "GET /boom/{token}: ZeroDivisionError" in lines[0].getMessage()
    assert "d_x.y" not in caplog.text  # the path (a token) is never logged
    assert "Traceback" not in caplog.text
    assert all(r.exc_info is None for r in caplog.records)


def test_an_expect_header_that_is_not_ascii_is_a_417_on_every_route(tmp_path) -> None:
    """Each route's own expect handler (`expect_handler=`), and `expect.Unrouted` for what
    no route takes (a path not found, a method not allowed): a 417, never aiohttp's 500;
    other expectations as aiohttp answers them; aiohttp's own default is left alone."""
    from aiohttp import web_urldispatcher

    daemon, app = daemon_app(tmp_path)
    targets = {
        (route.method.replace("*", "PATCH"), re.sub(r"\{[^}]*\}", "d_x.y", resource.canonical))
        for route in app.router.routes()
        if (resource := route.resource) is not None
    }
    assert ("POST", "/r/d_x.y") in targets
    targets |= {("POST", "/nowhere"), ("DELETE", "/healthz")}

    def ask(port: int, method: str, path: str, expect: bytes) -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n"
        status, _, body = raw(
            f"127.0.0.1:{port}", head.encode() + b"Expect: " + expect + b"\r\n\r\n{}"
        )
        return status, body

    async def go() -> tuple[dict[tuple[str, str], int], tuple[int, bytes], tuple[int, bytes]]:
        daemon.attach(asyncio.get_running_loop())
        async with TestServer(app) as server:
            port = server.port
            assert port is not None
            odd = {
                (m, p): (await asyncio.to_thread(ask, port, m, p, b"\x80"))[0] for m, p in targets
            }
            weird = await asyncio.to_thread(ask, port, "POST", "/r/d_x.y", b"weird")
            going_on = await asyncio.to_thread(ask, port, "POST", "/r/d_x.y", b"100-continue")
            return odd, weird, going_on

    odd, weird, going_on = asyncio.run(go())
    assert set(odd.values()) == {417}, odd
    assert weird[0] == 417
    assert b"Unknown Expect: weird" in weird[1]
    assert going_on[0] == 100
    assert b"HTTP/1.1 403 Forbidden" in going_on[1]  # then the forged token's own answer
    assert web_urldispatcher._default_expect_handler.__module__ == "aiohttp.web_urldispatcher"


def test_a_routed_answer_names_halfway_through_the_signal_alone(tmp_path, monkeypatch) -> None:
    """aiohttp sets its Server header before `on_response_prepare`; `secure_headers` then
    sets ours. Only an answer aiohttp gives with no route (a request that is not HTTP) needs
    its module default (`harden`), so with that default put back, routed answers still say
    "halfway"."""
    from aiohttp import http, web_response

    daemon, app = daemon_app(tmp_path)
    monkeypatch.setattr(web_response, "SERVER_SOFTWARE", http.SERVER_SOFTWARE)

    async def go() -> list[tuple[int, str | None]]:
        daemon.attach(asyncio.get_running_loop())
        async with TestClient(TestServer(app)) as client:
            found = []
            for method, path in (("GET", "/r/d_x.y"), ("GET", "/nowhere"), ("DELETE", "/healthz")):
                answer = await client.request(method, path)
                found.append((answer.status, answer.headers.get("Server")))
            return found

    assert asyncio.run(go()) == [(403, "halfway"), (404, "halfway"), (405, "halfway")]
