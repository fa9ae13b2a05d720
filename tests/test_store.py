"""Store: crash-safe, locked, and it never starts over on a damaged file."""

from __future__ import annotations

import json
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from halfway.store import Store, StoreError

# A writer that reports each record's id only after its write has returned.
WRITER = """
import sys
from halfway.store import Store
store = Store(sys.argv[1])
tag = sys.argv[2]
count = int(sys.argv[3])
print("ready", flush=True)
for n in range(count):
    text = "x" * (n * 37 % 700)  # records of varying size: files grow and shrink
    record = store.add("entries", {"kind": "note", "text": text, "at": tag, "n": n})
    if n % 3 == 0 and n:
        # a shrinking rewrite: replace the text with a short one
        with store.transaction() as db:
            db.table("entries").update({"text": "short"}, lambda r: r.get("n") == n - 1 and r.get("at") == tag)
    print(record["id"], flush=True)
"""


def start_writer(data_dir: Path, tag: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data_dir), tag, str(count)],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_sigkill_at_random_instants_never_leaves_a_torn_file_or_loses_a_returned_write(
    tmp_path,
) -> None:
    data_dir = tmp_path / "data"
    rng = random.Random(20261125)
    confirmed: set[str] = set()
    for round_number in range(100):
        writer = start_writer(data_dir, f"r{round_number}", 100_000)
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.12))
        writer.send_signal(signal.SIGKILL)
        output, _ = writer.communicate()
        confirmed.update(line for line in output.split() if line.startswith("e_"))
        data = json.loads((data_dir / "halfway.json").read_text())  # always parses
        stored = {r["id"] for r in data.get("entries", {}).values()}
        missing = confirmed - stored
        assert not missing, f"round {round_number}: returned writes lost: {sorted(missing)[:5]}"
    assert len(confirmed) > 100  # the writers really did write between kills
    Store(data_dir)  # and the store opens cleanly, sweeping any temp file left behind
    assert not list(data_dir.glob(".halfway.json.*.tmp"))


def test_two_processes_inserting_at_once_lose_nothing(tmp_path) -> None:
    data_dir = tmp_path / "data"
    Store(data_dir)
    writers = [start_writer(data_dir, tag, 200) for tag in ("a", "b")]
    outputs = [w.communicate(timeout=120)[0] for w in writers]
    assert all(w.returncode == 0 for w in writers)
    entries = Store(data_dir).entries()
    assert len(entries) == 400
    assert {e["at"] for e in entries} == {"a", "b"}
    assert {e["id"] for e in entries} == {
        line for out in outputs for line in out.split() if line.startswith("e_")
    }


def test_a_fire_is_recorded_once_whatever_asks_twice(tmp_path) -> None:
    store = Store(tmp_path)
    fire = {
        "nudge_id": "n",
        "scheduled_for": "2026-11-25T19:00:00+00:00",
        "channels": {},
        "state": "pending",
    }
    assert len(store.record_fires([dict(fire)])) == 1
    assert store.record_fires([dict(fire)]) == []
    assert len(store.deliveries()) == 1


def test_a_reminder_and_a_manual_send_at_a_fires_instant_are_each_recorded(tmp_path) -> None:
    store = Store(tmp_path)
    at = "2026-11-25T19:00:00+00:00"
    fire = {"nudge_id": "n", "scheduled_for": at, "channels": {}, "state": "pending"}
    store.record_fires([dict(fire)])
    added = store.record_fires(
        [
            {**fire, "reminder_of": "d_1"},
            {**fire, "manual": True},
            {**fire, "manual": True},
            {**fire, "reminder_of": "d_1"},
        ]
    )
    assert [("reminder_of" in r, r.get("manual", False)) for r in added] == [
        (True, False),
        (False, True),
        (False, True),
    ]


def test_channel_results_decide_the_delivery_state(tmp_path) -> None:
    store = Store(tmp_path)
    pending = {"state": "pending", "attempts": 0, "sent_at": None, "error": None}
    [record] = store.record_fires(
        [
            {
                "nudge_id": "n",
                "scheduled_for": "t",
                "state": "pending",
                "channels": {"phone": dict(pending), "email": dict(pending)},
            }
        ]
    )
    after = store.update_channels(record["id"], {"phone": {"state": "sent", "attempts": 1}})
    assert after["state"] == "pending"
    after = store.update_channels(
        record["id"], {"email": {"state": "failed", "attempts": 1, "error": "down"}}
    )
    assert after["state"] == "pending"  # a failed send is retried: not finished yet
    after = store.update_channels(record["id"], {"email": {"state": "gave_up"}})
    assert after["state"] == "partial"
    assert store.delivery(record["id"])["channels"]["email"]["error"] == "down"


def test_the_data_file_and_folder_are_private(tmp_path) -> None:
    store = Store(tmp_path / "data")
    store.add("entries", {"kind": "note", "text": "private", "at": "now"})
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_a_damaged_file_stops_halfway_and_is_never_overwritten(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "halfway.json").write_text('{"entries": {"1": {"id": "e_1"')
    with pytest.raises(StoreError, match=r"halfway\.json: the data file is damaged"):
        Store(data)
    assert (data / "halfway.json").read_text() == '{"entries": {"1": {"id": "e_1"'


def test_the_cli_names_a_damaged_file_and_changes_nothing(halfway, write_config, tmp_path) -> None:
    path = write_config("")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "halfway.json").write_text("garbage")
    ran = halfway("log", "gesture", "made me tea", "--config", str(path))
    assert ran.code == 1
    assert ran.err.startswith(
        f"halfway: {tmp_path / 'data' / 'halfway.json'}: the data file is damaged"
    )
    assert "Traceback" not in ran.err
    assert (tmp_path / "data" / "halfway.json").read_text() == "garbage"


def test_a_file_from_a_newer_halfway_is_refused(tmp_path) -> None:
    (tmp_path / "halfway.json").write_text('{"meta": {"1": {"schema_version": 99}}}')
    with pytest.raises(StoreError, match="newer halfway"):
        Store(tmp_path)


def test_a_failed_transaction_writes_nothing(tmp_path) -> None:
    store = Store(tmp_path)
    store.add("entries", {"kind": "note", "text": "kept", "at": "now"})
    before = store.path.read_bytes()
    with pytest.raises(RuntimeError), store.transaction() as db:  # noqa: PT012
        db.table("entries").insert({"id": "e_x", "text": "half-done"})
        raise RuntimeError("interrupted")
    assert store.path.read_bytes() == before


def test_a_reader_sees_another_writers_change_at_once(tmp_path) -> None:
    reader, writer = Store(tmp_path), Store(tmp_path)
    writer.add("entries", {"kind": "note", "text": "one", "at": "t"})
    assert [e["text"] for e in reader.entries()] == ["one"]
    for n in range(20):  # writes in quick succession, some within one tick of the file clock
        writer.add("entries", {"kind": "note", "text": f"n{n}", "at": "t"})
        assert len(reader.entries()) == n + 2


def test_an_unchanged_file_is_not_parsed_again(tmp_path, monkeypatch) -> None:
    import os

    from halfway import store as store_module

    store = Store(tmp_path)
    store.add("entries", {"kind": "note", "text": "one", "at": "t"})
    old = time.time() - 5
    os.utime(store.path, (old, old))  # as if written a while ago
    parsed = []
    real = store_module.read_file
    monkeypatch.setattr(store_module, "read_file", lambda path: parsed.append(path) or real(path))
    for _ in range(5):
        assert len(store.entries()) == 1
    assert len(parsed) == 1
    Store(tmp_path).add("entries", {"kind": "note", "text": "two", "at": "t"})
    assert len(store.entries()) == 2
