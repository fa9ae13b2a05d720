"""Random requests at the running daemon.

Random paths, methods, headers, bodies and encodings, some built around a genuine reply
link (and its form guard) so they reach the reply code. Whatever comes: never a 5xx,
never a traceback in the log, the data file unchanged by every refused or GET request,
and /healthz answering throughout.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from halfway.core import tokens

from .conftest import config_text, free_port, soon, wait_for
from .test_attacks import raw

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class Target:
    listen: str
    token: str
    guard: str
    hot: Path
    log: Path
    proc: subprocess.Popen[str]


class _Quiet(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """One real daemon for the module, its nudge sent, its data file settled."""
    tmp = tmp_path_factory.mktemp("fuzz-http")
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    listen = f"127.0.0.1:{free_port()}"
    config = tmp / "config.toml"
    config.write_text(
        config_text(
            f'[[nudges]]\nid = "my-boundary"\nkind = "boundary"\nat = "{soon()}"\n'
            'reply_window = "7d"\n',
            data_dir=tmp / "data",
            listen=listen,
            send_timeout="5s",
            channels={"push": f"json://127.0.0.1:{receiver.server_address[1]}/hook"},
        )
    )
    log = tmp / "daemon.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HALFWAY_")}
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "halfway", "run", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
            env={**env, "XDG_CONFIG_HOME": str(tmp / "xdg")},
        )
    hot = tmp / "data" / "halfway.json"
    try:
        wait_for(lambda: hot.exists() and '"state":"sent"' in hot.read_text().replace(" ", ""))
        delivery = next(iter(json.loads(hot.read_text())["deliveries"].values()))
        key = (tmp / "data" / tokens.KEY_FILE).read_bytes()
        token = tokens.make(key, delivery["id"])
        yield Target(listen, token, tokens.form_guard(key, token), hot, log, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        receiver.shutdown()
        receiver.server_close()


# what a request is made of ---------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    ["\ud800", "\udfff", "\x00", "é" * 40, "../../etc/passwd", "%00", "%ff%fe", "\u202e", "a" * 300]
)
TEXT = st.one_of(st.text(max_size=30), HOSTILE_TEXT)
SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT, st.just("held")
)
JSON_VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELD_NAMES = st.sampled_from(["value", "note", "scale", "text", "via", "kind", "by", "guard"])


def json_body() -> st.SearchStrategy[bytes]:
    objects = st.dictionaries(st.one_of(FIELD_NAMES, st.text(max_size=8)), JSON_VALUE, max_size=5)
    return st.one_of(
        objects.map(lambda d: json.dumps(d).encode()),
        objects.map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogatepass")),
        JSON_VALUE.map(lambda v: json.dumps(v).encode()),
        st.integers(1, 5000).map(lambda n: b'{"value":' + b"[" * n + b"]" * n + b"}"),
        st.sampled_from(
            [b'{"value":"\\ud800"}', b'{"value":1e999999}', b"{", b"", b"nul", b"\xff\xfe{"]
        ),
    )


def form_body(guard: str) -> st.SearchStrategy[bytes]:
    pairs = st.lists(st.tuples(st.one_of(FIELD_NAMES, st.text(max_size=6)), TEXT), max_size=4)
    return st.tuples(pairs, st.booleans()).map(
        lambda p: "&".join(
            [f"{quote(k, safe='')}={quote(v, safe='', errors='surrogatepass')}" for k, v in p[0]]
            + ([f"guard={guard}"] if p[1] else [])
        ).encode("utf-8", "surrogatepass")
    )


def multipart_body(guard: str) -> st.SearchStrategy[bytes]:
    def build(fields: list[tuple[str, str]], cut: int, with_guard: bool) -> bytes:
        if with_guard:
            fields = [*fields, ("guard", guard)]
        out = (
            b"".join(
                b'--XyZ\r\nContent-Disposition: form-data; name="'
                + name.encode("utf-8", "surrogatepass")
                + b'"\r\n\r\n'
                + value.encode("utf-8", "surrogatepass")
                + b"\r\n"
                for name, value in fields
            )
            + b"--XyZ--\r\n"
        )
        return out[: len(out) - cut]

    return st.builds(
        build,
        st.lists(st.tuples(st.one_of(FIELD_NAMES, st.text(max_size=6)), TEXT), max_size=3),
        st.integers(0, 20),
        st.booleans(),
    )


def encoded(body: bytes, encoding: str | None) -> bytes:
    if encoding == "gzip-real":
        return gzip.compress(body)
    if encoding == "deflate-real":
        return zlib.compress(body)
    return body


def anywhere(target: Target) -> st.SearchStrategy[str]:
    genuine = f"/r/{target.token}"
    return st.one_of(
        st.sampled_from(
            [
                genuine,
                genuine + "/log",
                genuine + "?saved=1",
                "/healthz",
                "/",
                "/r/",
                "/calendar/x.ics",
            ]
        ),
        st.builds(
            lambda t: genuine[: len(genuine) - 3] + t, st.text("AZaz09_-", min_size=3, max_size=3)
        ),
        st.binary(max_size=30).map(lambda b: "/r/" + quote(b, safe="")),
        st.text(max_size=30).map(lambda t: "/" + quote(t, safe="/?=&", errors="surrogatepass")),
        st.binary(max_size=20).map(lambda b: "/calendar/" + quote(b, safe="") + ".ics"),
    )


ANY_METHOD = st.sampled_from(
    [
        "GET",
        "GET",
        "POST",
        "POST",
        "POST",
        "POST",
        "PUT",
        "DELETE",
        "HEAD",
        "OPTIONS",
        "PATCH",
        "BREW",
    ]
)


@st.composite
def requests(
    draw: st.DrawFn,
    target: Target,
    paths: st.SearchStrategy[str] | None = None,
    methods: st.SearchStrategy[str] = ANY_METHOD,
) -> tuple[str, bytes]:
    """(method, the whole request's bytes)."""
    path = draw(paths if paths is not None else anywhere(target))
    method = draw(methods)
    content_type = draw(
        st.sampled_from(
            [
                "application/json",
                "application/json; charset=latin-1",
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=nope",
                "multipart/form-data; boundary=XyZ",
                "multipart/form-data",
                "text/plain",
                "",
                "application/json\x7f",
            ]
        )
    )
    if content_type.startswith("application/json"):
        body = draw(json_body())
    elif content_type.startswith("application/x-www"):
        body = draw(form_body(target.guard))
    elif content_type.startswith("multipart"):
        body = draw(multipart_body(target.guard))
    else:
        body = draw(st.binary(max_size=200))
    encoding = draw(
        st.sampled_from(
            [None, None, "gzip", "gzip-real", "deflate", "deflate-real", "br", "identity", "x-nope"]
        )
    )
    body = encoded(body, encoding)
    headers = [f"Host: {target.listen}", "Connection: close"]
    if content_type:
        headers.append(f"Content-Type: {content_type}")
    if encoding:
        headers.append(f"Content-Encoding: {encoding.removesuffix('-real')}")
    if draw(st.booleans()):
        headers.append(f"Content-Length: {len(body)}")
        framed = body
    else:  # chunked, in random pieces
        pieces = draw(st.lists(st.integers(1, 64), max_size=4))
        framed, rest = b"", body
        for size in pieces:
            if rest[:size]:
                framed += f"{len(rest[:size]):x}\r\n".encode() + rest[:size] + b"\r\n"
            rest = rest[size:]
        if rest:
            framed += f"{len(rest):x}\r\n".encode() + rest + b"\r\n"
        framed += b"0\r\n\r\n"
        headers.append("Transfer-Encoding: chunked")
    headers.append(f"Accept: {draw(st.sampled_from(['text/html', 'application/json', '*/*', '']))}")
    extra = draw(
        st.lists(
            st.tuples(
                st.sampled_from(
                    [
                        "Sec-Fetch-Site",
                        "Origin",
                        "Cookie",
                        "X-Forwarded-For",
                        "Referer",
                        "Expect",
                        "Range",
                        "If-None-Match",
                        "X-Any",
                    ]
                ),
                st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40),
            ),
            max_size=3,
        )
    )
    headers += [f"{name}: {value}" for name, value in extra]
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{h}\r\n" for h in headers) + "\r\n"
    return method, head.encode("latin-1", "replace") + framed


def healthy(target: Target) -> bool:
    try:
        with urllib.request.urlopen(f"http://{target.listen}/healthz", timeout=5) as answer:
            return bool(answer.status == 200 and json.loads(answer.read())["status"] == "ok")
    except OSError:
        return False


def fuzz(
    target: Target, paths: st.SearchStrategy[str] | None, methods: st.SearchStrategy[str]
) -> dict[int, int]:
    """Throw requests at the daemon; after each: no 5xx, no write unless it was taken,
    still healthy. Returns how many answers of each status came back."""
    seen: dict[int, int] = {}

    @FUZZ
    @given(st.data())
    def one(data: st.DataObject) -> None:
        method, request = data.draw(requests(target, paths, methods))
        before = target.hot.read_bytes()
        status, _headers, body = raw(target.listen, request)
        seen[status] = seen.get(status, 0) + 1
        if os.environ.get("FUZZ_DEBUG"):
            print(status, repr(request[:400]), repr(body[:120]))
        assert status < 500, (status, request[:300])
        if status == 0 or status >= 400 or method in ("GET", "HEAD"):
            assert target.hot.read_bytes() == before, (status, request[:300])
        assert target.proc.poll() is None
        assert healthy(target), request[:300]

    one()
    log = target.log.read_text()
    assert "Traceback" not in log, log
    assert " ERROR " not in log, log
    assert healthy(target)
    return seen


def test_random_requests_anywhere_never_get_a_5xx_a_traceback_or_a_write(target: Target) -> None:
    seen = fuzz(target, None, ANY_METHOD)
    assert {403, 404, 405} <= set(seen), seen


def test_random_replies_to_a_genuine_link_never_get_a_5xx_a_traceback_or_a_write(
    target: Target,
) -> None:
    genuine = f"/r/{target.token}"
    seen = fuzz(target, st.sampled_from([genuine, genuine + "/log"]), st.just("POST"))
    # the fuzz reached the reply code, not only the router
    assert {400, 403, 422} <= set(seen), seen


def test_a_burst_of_connections_that_send_nothing_useful_leaves_the_server_answering(
    target: Target,
) -> None:
    """Half a request, then silence; a connection closed at once; garbage bytes."""
    host, _, port = target.listen.rpartition(":")
    idle = []
    for _ in range(20):
        conn = socket.create_connection((host, int(port)), timeout=5)
        conn.sendall(b"POST /r/" + target.token.encode() + b" HTTP/1.1\r\nContent-Length: 900\r\n")
        idle.append(conn)
    for _ in range(20):
        socket.create_connection((host, int(port)), timeout=5).close()
        raw(target.listen, os.urandom(64) + b"\r\n\r\n")
    assert healthy(target)
    for conn in idle:
        conn.close()
    assert "Traceback" not in target.log.read_text()
