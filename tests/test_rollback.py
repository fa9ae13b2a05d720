"""A hot file rolled back to an older copy of itself (a backup restored over
it, a snapshot put back) is noticed like a swapped one: its write count went down. The
daemon says so (503 naming it, one log line) and writes nothing into it; a new start
takes the file it finds."""

from __future__ import annotations

import json
import shutil
import signal

import pytest

from halfway.store.database import Store, StoreError

from .conftest import wait_for
from .test_lost_files import health

EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
AT = "2026-11-25T10:00:00+00:00"


def test_an_older_copy_put_back_is_refused_and_left_alone(tmp_path) -> None:
    store = Store(tmp_path)
    store.add("entries", {"kind": "note", "text": "first", "at": AT})
    older = tmp_path / "copy.json"
    shutil.copy(store.path, older)
    store.add("entries", {"kind": "note", "text": "second", "at": AT})
    Store(tmp_path).add("entries", {"kind": "note", "text": "by the CLI", "at": AT})
    store.view()  # the daemon sees the CLI's write: the count it knows grows with it
    shutil.copy(older, store.path)
    put_back = store.path.read_bytes()
    with pytest.raises(StoreError, match="went back to an older copy"):
        store.view()
    with pytest.raises(StoreError, match="went back to an older copy"):
        store.add("entries", {"kind": "note", "text": "x", "at": AT})
    assert store.path.read_bytes() == put_back  # nothing written into it
    assert [e["text"] for e in Store(tmp_path).view().records("entries")] == ["first"]


def test_each_write_counts_once_and_a_reader_writes_nothing(tmp_path) -> None:
    store = Store(tmp_path)
    for n in range(3):
        store.add("entries", {"kind": "note", "text": f"{n}", "at": AT})
    meta = next(iter(json.loads(store.path.read_text())["meta"].values()))
    before = store.path.read_bytes()
    Store(tmp_path).view()
    assert store.path.read_bytes() == before
    assert meta["writes"] >= 3


def test_the_running_daemon_says_a_rolled_back_file_loudly(
    config_file, start_daemon, halfway
) -> None:
    written = config_file(EVENING, server=True)
    data, listen = written.data_dir, written.listen
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: (daemon.health(listen) or {}).get("status") == "ok")
    copy = data / "copy.json"
    shutil.copy(data / "halfway.json", copy)
    logged = halfway("log", "note", "written after the copy", "--config", str(written.path))
    assert logged.code == 0, logged.err
    wait_for(lambda: health(listen)[0] == 200)  # the daemon has read the newer file
    shutil.copy(copy, data / "halfway.json")
    copy.unlink()
    _, body = wait_for(lambda: (found := health(listen))[0] == 503 and found)
    assert "went back to an older copy" in body["problem"]
    daemon.proc.send_signal(signal.SIGHUP)  # a reload runs a whole pass
    wait_for(lambda: "went back to an older copy" in daemon.stderr())
    assert "written after the copy" not in (data / "halfway.json").read_text()  # left alone
    assert daemon.stop() == 0
    assert daemon.stderr().count("went back to an older copy") == 1  # one line
