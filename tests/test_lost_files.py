"""A lost or replaced data file or reply key is said loudly and never quietly replaced.

The data file deleted or swapped under a running daemon: /healthz 503 naming it, the
heartbeat's /fail, one log line, and no new file; a restart refuses until the user
says --start-over. The reply key is made only by the daemon's first start: any other
command that finds it missing says so (exit 1) and makes none; a restart refuses a
missing or replaced key until --new-key.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from typing import Any

import pytest

from halfway.store.database import Store, StoreError

from .conftest import Clock, wait_for
from .engine import make_daemon

EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'


def health(listen: str) -> tuple[int, dict[str, Any]]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{listen}/healthz", timeout=2) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_deleted_data_file_is_said_loudly_and_never_started_over_quietly(
    config_file, start_daemon, halfway
) -> None:
    written = config_file(EVENING, server=True)
    data, listen = written.data_dir, written.listen
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: daemon.health(listen))
    (data / "halfway.json").unlink()
    status, body = health(listen)
    assert status == 503
    assert body["status"] == "failing"
    assert "the data file is gone" in body["problem"]
    daemon.proc.send_signal(__import__("signal").SIGHUP)  # a reload runs a whole pass
    wait_for(lambda: "the data file is gone" in daemon.stderr())
    assert not (data / "halfway.json").exists()  # nothing wrote a fresh one
    shown = halfway("status", "--config", str(written.path))
    assert shown.code == 1  # running, but failing
    assert "but failing:" in shown.out
    assert "the data file is gone" in shown.out
    assert daemon.stop() == 0
    assert daemon.stderr().count("the data file is gone") == 1  # one line, not one per pass

    again = start_daemon("--config", str(written.path))
    assert again.proc.wait(20) == 1
    assert "missing from a folder that held one" in again.stderr()
    assert "--start-over" in again.stderr()
    assert not (data / "halfway.json").exists()

    fresh = start_daemon("--config", str(written.path), "--start-over")
    wait_for(lambda: fresh.health(listen))
    assert (data / "halfway.json").exists()
    assert (data / "secret.key").exists()  # the key is kept: it was not lost
    assert fresh.stop() == 0


def test_a_data_file_swapped_for_another_is_refused_and_left_alone(tmp_path) -> None:
    store = Store(tmp_path / "mine")
    store.add("entries", {"kind": "note", "text": "mine", "at": "2026-11-25T10:00:00+00:00"})
    other = Store(tmp_path / "other")
    other.add("entries", {"kind": "note", "text": "other", "at": "2026-11-25T10:00:00+00:00"})
    shutil.copy(other.path, store.path)
    swapped = store.path.read_bytes()
    with pytest.raises(StoreError, match="another data file took the place"):
        store.add("entries", {"kind": "note", "text": "x", "at": "2026-11-25T11:00:00+00:00"})
    with pytest.raises(StoreError, match="another data file took the place"):
        store.view()
    assert store.path.read_bytes() == swapped
    Store(tmp_path / "mine").view()  # a new start takes the file it finds


def test_a_file_from_an_older_halfway_gets_an_id_and_is_then_guarded(tmp_path) -> None:
    store = Store(tmp_path / "data")
    data = json.loads(store.path.read_text())
    del data["meta"]["1"]["file_id"]  # as written before file ids
    store.path.write_text(json.dumps(data))
    old = Store(tmp_path / "data")
    old.add("entries", {"kind": "note", "text": "a", "at": "2026-11-25T10:00:00+00:00"})
    assert json.loads(old.path.read_text())["meta"]["1"]["file_id"]
    old.path.unlink()
    with pytest.raises(StoreError, match="the data file is gone"):
        old.view()


def test_a_failing_pass_pings_fail_and_logs_once(tmp_path, http_receiver, caplog) -> None:
    ping = http_receiver.url("/ping/abc")
    daemon = make_daemon(
        tmp_path, f'heartbeat_url = "{ping}"\n' + EVENING, Clock("2026-11-25T10:00:00+01:00")
    )
    daemon.ready = True

    async def passes() -> None:
        daemon.attach(asyncio.get_running_loop())
        await daemon.work(daemon.heartbeat)
        daemon.store.path.unlink()
        for _ in range(3):
            await daemon.wake()
        for _ in range(500):
            if len(http_receiver.requests) == 2:
                break
            await asyncio.sleep(0.01)

    with caplog.at_level(logging.INFO, logger="halfway"):
        asyncio.run(passes())
    assert [r["path"] for r in http_receiver.requests] == ["/ping/abc", "/ping/abc/fail"]
    assert "the data file is gone" in http_receiver.requests[1]["body"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert not daemon.store.path.exists()


def test_only_the_daemon_makes_the_reply_key(config_file, start_daemon, halfway) -> None:
    written = config_file(EVENING, server=True)
    data, listen, path = written.data_dir, written.listen, str(written.path)
    daemon = start_daemon("--config", path)
    wait_for(lambda: daemon.health(listen))
    assert daemon.stop() == 0
    key = data / "secret.key"
    original = key.read_bytes()

    key.unlink()
    sent = halfway("send", "evening", "--config", path)
    assert sent.code == 1
    assert "the reply key is missing" in sent.err
    assert "Traceback" not in sent.err
    assert not key.exists()  # send made no second key

    again = start_daemon("--config", path)
    assert again.proc.wait(20) == 1
    assert "the reply key is missing" in again.stderr()
    assert "--new-key" in again.stderr()
    assert not key.exists()

    key.write_bytes(b"x" * 32)  # a different key put in its place
    again = start_daemon("--config", path)
    assert again.proc.wait(20) == 1
    assert "not the reply key this data was made with" in again.stderr()

    key.write_bytes(original)  # the right one restored: all is well
    restored = start_daemon("--config", path)
    wait_for(lambda: restored.health(listen))
    assert restored.stop() == 0

    key.unlink()
    renewed = start_daemon("--config", path, "--new-key")
    wait_for(lambda: renewed.health(listen))
    assert renewed.stop() == 0
    assert key.exists()
    assert key.read_bytes() != original
