"""Shared test helpers: real loopback servers, the CLI in-process, the daemon as a process."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from halfway.cli import main
from halfway.store import faults
from halfway.words import language

from .browser import browser, phone_page  # noqa: F401 - fixtures for the page tests

ROOT = Path(__file__).resolve().parent.parent


# Ports for the daemons the tests start: each pytest-xdist worker draws from a range
# of its own, below the kernel's ephemeral range, and never hands one out twice. A
# port the kernel picked (bind to 0) and let go could be picked again by another
# worker before this one's daemon binds it; then a test would talk to the wrong daemon.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_PORTS = iter(range(20000 + 1500 * _WORKER + os.getpid() % 500, 20000 + 1500 * (_WORKER + 1)))


def free_port() -> int:
    for port in _PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port left in this worker's range")


def wait_for(check: Callable[[], Any], timeout: float = 30.0, every: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail the test after `timeout` s
    (generous: it returns as soon as `check` holds, and four workers share two cores)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"gave up waiting after {timeout}s for {check}")


@dataclass
class HttpReceiver:
    """A real HTTP server on loopback that records what each POST carried."""

    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def json_url(self, path: str = "/hook") -> str:
        """The apprise URL that posts JSON to this receiver."""
        return f"json://127.0.0.1:{self.port}{path}"

    def posts(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["body"]]

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r["body"]) for r in self.requests if r["body"]]


@contextmanager
def receiving_http(status: int = 200) -> Iterator[HttpReceiver]:
    """A real HTTP receiver on loopback for as long as the block runs."""
    receiver = HttpReceiver(status=status)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            receiver.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length).decode("utf-8"),
                }
            )
            self.send_response(receiver.status)
            self.end_headers()

        def do_GET(self) -> None:
            receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": ""})
            self.send_response(receiver.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    with receiving_http() as receiver:
        yield receiver


@dataclass
class SmtpReceiver:
    port: int
    messages: list[Any] = field(default_factory=list)

    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=halfway@example.net&to=me@example.net"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver(port=free_port())
    controller = Controller(receiver, hostname="127.0.0.1", port=receiver.port)
    controller.start()
    yield receiver
    controller.stop()


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def halfway(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """Run `halfway ARGS…` in-process through cli.main; return code and output."""

    def run(*args: str) -> Ran:
        code = main.main(list(args))
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


def config_text(
    body: str = "",
    *,
    data_dir: Path | None = None,
    timezone: str | None = "Europe/Berlin",
    listen: str | None = None,
    send_timeout: str | None = None,
    channels: Mapping[str, str] | None = None,
) -> str:
    """What a test config looks like: the top-level keys, `body`, then [server] and [channels].

    The one place that renders a test config; `config_file` writes it, and `engine.make_daemon`
    builds its Settings from it in memory.
    """
    head: list[str] = []
    if timezone is not None:
        head.append(f"timezone = {toml_string(timezone)}")
    if data_dir is not None:
        head.append(f"data_dir = {toml_string(str(data_dir))}")
    if send_timeout is not None:
        head.append(f"send_timeout = {toml_string(send_timeout)}")
    tail: list[str] = []
    if listen is not None:
        if "[server]" in body:
            raise ValueError("the body has its own [server]: pass server=False")
        tail += ["[server]", f"listen = {toml_string(listen)}"]
    if channels:
        if "[channels]" in body:
            raise ValueError("the body has its own [channels]: pass them in one place")
        tail.append("[channels]")
        tail += [f"{name} = {toml_string(url)}" for name, url in channels.items()]
    if body and not body.endswith("\n"):
        body += "\n"
    return "".join(f"{line}\n" for line in head) + body + "".join(f"{line}\n" for line in tail)


def toml_string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value)


@dataclass(frozen=True)
class ConfigFile:
    """A config written by `config_file`: where it is, its data folder, and where it listens."""

    path: Path
    data_dir: Path | None
    listen: str | None


@pytest.fixture
def config_file(tmp_path: Path) -> Callable[..., ConfigFile]:
    """Write a test config into the test's own folder; call it again to rewrite it.

    `data_dir` puts the data in `tmp_path / "data"` (or leaves the key out); `server=True`
    listens on a free loopback port (`server="host:port"` on that one); `timezone=None`
    leaves the zone out; `send_timeout` and `channels` ({name: apprise URL}) are written
    when given. `name` is a path below `tmp_path`.
    """

    def write(
        body: str = "",
        *,
        name: str = "config.toml",
        data_dir: bool = True,
        timezone: str | None = "Europe/Berlin",
        server: bool | str = False,
        send_timeout: str | None = None,
        channels: Mapping[str, str] | None = None,
    ) -> ConfigFile:
        path = tmp_path / name
        data = tmp_path / "data" if data_dir else None
        listen = f"127.0.0.1:{free_port()}" if server is True else server or None
        text = config_text(
            body,
            data_dir=data,
            timezone=timezone,
            listen=listen,
            send_timeout=send_timeout,
            channels=channels,
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return ConfigFile(path, data, listen)

    return write


@pytest.fixture(scope="session")
def armed_switches() -> Iterator[str]:
    """`HALFWAY_TEST_SWITCHES` for this session: the test-only switches (HALFWAY_TEST_KILL)
    work only in a process that has it and while its file exists (see `halfway.faults`)."""
    nonce = secrets.token_hex(24)
    descriptor, name = tempfile.mkstemp(prefix="halfway-test-switches-")
    with os.fdopen(descriptor, "w") as file:
        file.write(f"{faults.ARMED} {nonce}\n")
    yield f"{nonce}:{name}"
    os.unlink(name)


@pytest.fixture(autouse=True)
def _clean_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, armed_switches: str
) -> Iterator[None]:
    # English unless a test says otherwise: this machine's locale never picks the language
    monkeypatch.setenv("LANGUAGE", "en")
    language.use("en")
    for name in list(os.environ):
        if name.startswith("HALFWAY_") or name in ("STATE_DIRECTORY", "JOURNAL_STREAM"):
            monkeypatch.delenv(name)
    monkeypatch.setenv(faults.SWITCHES, armed_switches)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    yield
    language.use("en")


def soon(seconds: float = 1) -> str:
    """An `at = …` value this many seconds from now."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="seconds")


class DaemonProcess:
    """The real `halfway run`, as a subprocess, with its stderr collected."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.log_path = (
            Path(os.environ.get("TMPDIR", "/tmp")) / f"halfway-{os.getpid()}-{id(self)}.log"
        )
        self.log = self.log_path.open("w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "halfway", "run", *args],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={**os.environ, **(env or {})},
        )

    def stderr(self) -> str:
        return self.log_path.read_text()

    def health(self, listen: str) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"http://{listen}/healthz", timeout=2) as answer:
                return json.loads(answer.read())  # type: ignore[no-any-return]
        except OSError:
            return None

    def quiet(self, listen: str, seconds: float) -> dict[str, Any]:
        """Wait until the daemon has nothing more to do for `seconds` from now: a pass
        has run, none is under way, and the next is planned past then (or none is).

        What a sleep of `seconds` stood for before "nothing more may arrive", without
        the sleep: a pass planned inside the window is waited for, so what it would
        send is there for the assertions after; when none is, this returns at once.
        """
        until = datetime.now(UTC) + timedelta(seconds=seconds)

        def idle() -> dict[str, Any] | None:
            health = self.health(listen)
            if not health or health["passing"] or not health["passes"]:
                return None
            wake = health["next_wake"]
            return health if wake is None or datetime.fromisoformat(wake) > until else None

        return wait_for(idle)  # type: ignore[no-any-return]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.log.close()


@pytest.fixture
def start_daemon() -> Iterator[Callable[..., DaemonProcess]]:
    started: list[DaemonProcess] = []

    def start(*args: str, env: dict[str, str] | None = None) -> DaemonProcess:
        daemon = DaemonProcess(list(args), env)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
            daemon.proc.wait()
        daemon.log_path.unlink(missing_ok=True)


@pytest.fixture
def private_app(
    config_file: Callable[..., ConfigFile],
    start_daemon: Callable[..., DaemonProcess],
    halfway: Callable[..., Ran],
) -> Iterator[tuple[str, ConfigFile]]:
    """`halfway run` on loopback with an evening nudge, for the private app's browser
    tests: (the private link, the config)."""
    written = config_file(
        '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n', server=True
    )
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: daemon.health(written.listen))
    ran = halfway("digest", "--link", "--config", str(written.path))
    assert ran.code == 0, ran.err
    yield ran.out.strip(), written
    daemon.stop()


class Clock:
    """A clock a test moves by hand: call it for the time, `advance` it, or `set` it."""

    def __init__(self, start: str) -> None:
        self.now = datetime.fromisoformat(start).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: str) -> None:
        self.now = datetime.fromisoformat(moment).astimezone(UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Figures a passing test reports (`record_property("figure", …)`, e.g. the container
    image's size), printed at the end of the run; under xdist too, where a worker's
    output is never shown."""
    for report in terminalreporter.stats.get("passed", []):
        for name, value in getattr(report, "user_properties", []):
            if name == "figure":
                terminalreporter.write_line(f"{report.nodeid}: {value}")
