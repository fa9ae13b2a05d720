"""A hot file rolled back to an older copy of itself (a backup restored over
it, a snapshot put back) is noticed like a swapped one: its write count went down. The
daemon says so (503 naming it, one log line) and writes nothing into it. Put back while
no halfway runs, the next start notices too: each write keeps its count beside the file
(`halfway.writes.json`); a command refuses the file and `halfway run` exits saying so,
until the newest copy is back or the person takes this one (`run --accept-copy`)."""

from __future__ import annotations

import json
import shutil
import signal

import pytest

from halfway.store.database import Store, StoreError
from halfway.store.datafile import SIDECAR

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
    with pytest.raises(StoreError, match="is an older copy of itself"):
        Store(tmp_path)  # nor by the next start: the count its last write kept says so
    taken = Store(tmp_path, accept_copy=True)  # unless the person takes this copy
    assert [e["text"] for e in taken.view().records("entries")] == ["first"]


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
    assert "stop halfway, then '" in daemon.stderr()  # … and how to take this copy
    again = start_daemon("--config", str(written.path))
    assert again.proc.wait(20) == 1  # a restart is no answer: it is still the older copy
    assert "-m halfway run --accept-copy'" in again.stderr()


def test_a_copy_put_back_while_no_halfway_runs_is_refused_until_taken(tmp_path) -> None:
    Store(tmp_path).add("entries", {"kind": "note", "text": "first", "at": AT})
    older = tmp_path / "copy.json"
    shutil.copy(tmp_path / "halfway.json", older)
    Store(tmp_path).add("entries", {"kind": "note", "text": "second", "at": AT})
    newest = tmp_path / "newest.json"
    shutil.copy(tmp_path / "halfway.json", newest)
    shutil.copy(older, tmp_path / "halfway.json")
    for opening in (lambda: Store(tmp_path), lambda: Store(tmp_path, create=False)):
        with pytest.raises(StoreError, match="older copy of itself") as refused:
            opening()  # a writer and a reader alike
    assert str(refused.value).endswith("'halfway run --accept-copy'")
    assert (tmp_path / "halfway.json").read_bytes() == older.read_bytes()
    taken = Store(tmp_path, accept_copy=True)
    taken.add("entries", {"kind": "note", "text": "after taking the copy", "at": AT})
    texts = [e["text"] for e in Store(tmp_path).view().records("entries")]
    assert texts == ["first", "after taking the copy"]
    shutil.copy(newest, tmp_path / "halfway.json")  # the copy given up, put back later
    with pytest.raises(StoreError, match="older copy of itself"):
        Store(tmp_path)  # is the older one now: its count is below the one taken on


def test_a_new_folder_an_old_one_and_a_whole_folder_restored_open_as_they_are(tmp_path) -> None:
    fresh = Store(tmp_path / "fresh")
    assert not (tmp_path / "fresh" / SIDECAR).exists()  # nothing written yet
    fresh.add("entries", {"kind": "note", "text": "x", "at": AT})
    kept = json.loads((tmp_path / "fresh" / SIDECAR).read_text())
    meta = next(iter(json.loads(fresh.path.read_text())["meta"].values()))
    assert kept == {"file_id": meta["file_id"], "writes": meta["writes"]}
    backup = tmp_path / "backup"
    shutil.copytree(tmp_path / "fresh", backup)  # the whole folder, its count beside it
    fresh.add("entries", {"kind": "note", "text": "y", "at": AT})
    shutil.rmtree(tmp_path / "fresh")
    shutil.copytree(backup, tmp_path / "fresh")
    assert len(Store(tmp_path / "fresh").view().records("entries")) == 1
    (tmp_path / "fresh" / SIDECAR).unlink()  # a folder from before the count was kept
    Store(tmp_path / "fresh").add("entries", {"kind": "note", "text": "z", "at": AT})
    assert (tmp_path / "fresh" / SIDECAR).exists()
    (tmp_path / "fresh" / SIDECAR).write_text("{not json")  # torn: no guess is made
    assert len(Store(tmp_path / "fresh").view().records("entries")) == 2


def test_another_file_put_in_place_while_no_halfway_runs_is_taken_as_it_is(tmp_path) -> None:
    Store(tmp_path / "mine").add("entries", {"kind": "note", "text": "mine", "at": AT})
    other = Store(tmp_path / "other")
    for n in range(3):
        other.add("entries", {"kind": "note", "text": f"other {n}", "at": AT})
    Store(tmp_path / "mine").add("entries", {"kind": "note", "text": "mine again", "at": AT})
    shutil.copy(other.path, tmp_path / "mine" / "halfway.json")  # moved in on purpose
    assert len(Store(tmp_path / "mine").view().records("entries")) == 3


def test_the_real_commands_refuse_a_copy_put_back_while_stopped_and_run_says_so(
    config_file, start_daemon, halfway
) -> None:
    """Kill-free: copy halfway.json, write with the CLI, put the copy back."""
    written = config_file(EVENING, server=True)
    path, data, listen = str(written.path), written.data_dir, written.listen
    assert halfway("log", "note", "before the copy", "--config", path).code == 0
    shutil.copy(data / "halfway.json", data.parent / "copy.json")
    assert halfway("log", "note", "after the copy", "--config", path).code == 0
    shutil.copy(data.parent / "copy.json", data / "halfway.json")
    put_back = (data / "halfway.json").read_bytes()

    refused = halfway("log", "note", "into the copy", "--config", path)
    assert refused.code == 1
    [line] = refused.err.splitlines()
    assert "halfway.json: the data file is an older copy of itself" in line
    assert line.endswith("'halfway run --accept-copy'")  # one line saying how to take it
    shown = halfway("status", "--config", path)
    assert "older copy of itself" in shown.out.split("the data:")[1]
    daemon = start_daemon("--config", path)
    assert daemon.proc.wait(20) == 1  # `halfway run` says it and starts nothing
    assert "is an older copy of itself" in daemon.stderr()
    assert "--accept-copy" in daemon.stderr()
    assert (data / "halfway.json").read_bytes() == put_back  # nothing written into it

    taken = start_daemon("--config", path, "--accept-copy")
    wait_for(lambda: (taken.health(listen) or {}).get("status") == "ok")
    assert "carrying on from this older copy" in taken.stderr()
    assert taken.stop() == 0
    assert halfway("log", "note", "on the copy", "--config", path).code == 0
    history = halfway("history", "--config", path).out
    assert "after the copy" not in history
    assert "on the copy" in history
