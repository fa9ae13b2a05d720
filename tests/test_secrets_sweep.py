"""A sweep for secrets in everything halfway prints, logs or writes.

A whole run at --debug (the daemon for a few seconds, then every command that reads or
sends) with known secrets: channel passwords with dots, with `%40`, and a short one; an
ntfy topic; an IMAP password (its server refuses the login); and the reply key. Every
byte of stdout, stderr, the data folder and the export files is scanned for each of
them, as written and decoded. Ordinary words ("from", "halfway") stay readable.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import config_text, free_port, soon, wait_for

DOTTED = "pa.ss.word9"
ENCODED = "p%40ss-long"  # as written in the URL; "p@ss-long" once decoded
SHORT = "Zq9"
TOPIC = "topicSecret4411"
IMAP_PASSWORD = "imap.Pw%40x"


@pytest.fixture
def refusing_imap() -> Iterator[int]:
    """A loopback IMAP server that greets, lists its capabilities and refuses every login."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn, conn.makefile("rwb") as stream:
                stream.write(b"* OK IMAP4rev1 ready\r\n")
                stream.flush()
                for line in stream:
                    tag, _, command = line.decode("latin-1").partition(" ")
                    if command.upper().startswith("CAPABILITY"):
                        stream.write(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n")
                        stream.write(f"{tag} OK done\r\n".encode())
                    elif command.upper().startswith("LOGOUT"):
                        stream.write(f"* BYE\r\n{tag} OK bye\r\n".encode())
                        stream.flush()
                        break
                    else:
                        stream.write(
                            f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n".encode()
                        )
                    stream.flush()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    listener.close()


def secrets(key: bytes) -> dict[str, bytes]:
    found = {
        "dotted password": DOTTED,
        "%40 password": ENCODED,
        "%40 password, decoded": "p@ss-long",
        "short password": f":{SHORT}@",
        "ntfy topic": TOPIC,
        "IMAP password": IMAP_PASSWORD,
        "IMAP password, decoded": "imap.Pw@x",
    }
    out = {name: value.encode() for name, value in found.items()}
    out["the key, raw"] = key
    out["the key, hex"] = key.hex().encode()
    out["the key, base64"] = base64.b64encode(key).rstrip(b"=")
    out["the key, urlsafe base64"] = base64.urlsafe_b64encode(key).rstrip(b"=")
    return out


def run(config: Path, *args: str) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "halfway", "--debug", *args, "--config", str(config)],
        capture_output=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("HALFWAY_")},
    )
    return done.stdout + done.stderr


def test_no_secret_reaches_any_output_log_or_file(
    tmp_path, http_receiver, refusing_imap, start_daemon
) -> None:
    data = tmp_path / "data"
    listen = f"127.0.0.1:{free_port()}"
    port = http_receiver.port
    body = (
        f'[[nudges]]\nid = "evening"\nkind = "gesture_log"\nat = "{soon(1)}"\n'
        f'[imap]\nhost = "127.0.0.1"\nport = {refusing_imap}\nuser = "halfway"\n'
        f'password = "{IMAP_PASSWORD}"\ntls = "none"\npoll = "1s"\n'
    )
    config = tmp_path / "config.toml"
    config.write_text(
        config_text(
            body,
            data_dir=data,
            listen=listen,
            send_timeout="5s",
            channels={
                "phone": f"json://halfway:{DOTTED}@127.0.0.1:{port}/hook?from=halfway",
                "short": f"json://halfway:{SHORT}@127.0.0.1:{port}/short",
                "topic": f"ntfy://127.0.0.1:{port}/{TOPIC}",
                # nobody listens there: the failing send's error is logged too
                "mail": f"mailto://halfway:{ENCODED}@127.0.0.1:{free_port()}?from=halfway@example.org&to=me@example.org",
            },
        )
    )
    seen: dict[str, bytes] = {}

    daemon = start_daemon("--debug", "--config", str(config))
    wait_for(lambda: len(http_receiver.posts()) >= 3, timeout=30)
    wait_for(lambda: "e-mail" in daemon.stderr(), timeout=30)  # the IMAP login was refused
    wait_for(lambda: "mail" in daemon.stderr() and "failed" in daemon.stderr(), timeout=30)
    daemon.stop()
    seen["halfway run"] = daemon.log_path.read_bytes()

    out = tmp_path / "out"
    out.mkdir()
    commands = [
        ("check",),
        ("status",),
        ("upcoming",),
        ("send", "evening"),
        ("test-channel", "phone"),
        ("test-channel", "mail"),
        ("log", "gesture", "made tea from scratch"),
        ("history",),
        ("history", "--json"),
        ("export", "--format", "json"),
        ("export", "--format", "csv", "--output", str(out / "export.csv")),
        ("export", "--format", "json", "--output", str(out / "export.json")),
        ("calendar-url",),
    ]
    for command in commands:
        seen["halfway " + " ".join(command)] = run(config, *command)
    for folder in (data, out):
        for path in folder.rglob("*"):
            if path.is_file() and path.name != "secret.key":
                seen[str(path.relative_to(tmp_path))] = path.read_bytes()

    key = (data / "secret.key").read_bytes()
    leaks = [
        f"{name} in {where}"
        for where, text in seen.items()
        for name, secret in secrets(key).items()
        if secret in text
    ]
    assert not leaks, leaks
    # the scan finds what is there: the config itself holds every password
    written = config.read_bytes()
    assert all(
        secrets(key)[name] in written
        for name in ("dotted password", "%40 password", "ntfy topic", "IMAP password")
    )
    # nothing was masked that is no secret: the words stay readable
    everything = b"\n".join(seen.values()).decode("utf-8", "replace")
    assert re.search(r"halfway \S+ running", everything)
    assert "made tea from scratch" in everything
    assert "halfway:****@" in seen["halfway check"].decode()  # the user name is no secret
    assert b"Traceback" not in seen["halfway run"]
    # the sweep looked at real output, not at nothing
    assert len(seen) > len(commands) + 2
    empty = [c for c in commands if not seen[f"halfway {' '.join(c)}"]]
    if os.environ.get("SWEEP_DEBUG"):
        for where, text in seen.items():
            print(f"==== {where}\n{text.decode('utf-8', 'replace')[:3000]}")
    assert all(c[0] in ("send", "export", "log") for c in empty), empty
