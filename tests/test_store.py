"""Store: crash-safe, locked, a small hot file with monthly archives, and an upgrade of the
old single file that loses nothing wherever it is killed."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from halfway.core import tokens
from halfway.core.deliveries import is_fire, with_channels
from halfway.replies import service
from halfway.store import layout
from halfway.store.database import Store, StoreError

FIXTURE = Path(__file__).parent / "fixtures" / "layout1"

# A writer that reports each record's id only after its write has returned.
WRITER = """
import sys
from halfway.store.database import Store
store = Store(sys.argv[1])
tag, count = sys.argv[2], int(sys.argv[3])
for n in range(count):
    text = "x" * (n * 37 % 700)  # records of varying size: files grow and shrink
    record = store.add("entries", {"kind": "note", "text": text, "at": tag, "n": n})
    if n % 3 == 0 and n:
        with store.transaction() as tx:  # a shrinking rewrite of the one before
            before = [e for e in tx.records("entries") if e.get("n") == n - 1 and e["at"] == tag]
            tx.put("entries", {**before[0], "text": "short"})
    print(record["id"], flush=True)
"""


def run_writer(data_dir: Path, tag: str, count: int, kill: str | None = None) -> set[str]:
    """Run a writer to the end or to its kill point; the ids it saw written."""
    env = {**os.environ, "HALFWAY_TEST_KILL": kill} if kill else None
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(data_dir), tag, str(count)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == (-9 if kill else 0), done.stderr
    return {line for line in done.stdout.split() if line.startswith("e_")}


def writes_done(kill_point: str, n: int) -> list[tuple[str, int]]:
    """The writer's writes that reached the disk when killed at `kill_point:n`."""
    ops = []
    for i in range(n):
        ops.append(("add", i))
        if i % 3 == 0 and i:
            ops.append(("rewrite", i - 1))
    return ops[: n - 1 if kill_point == "write" else n]


def stored_entries(data_dir: Path) -> dict[str, dict]:
    path = data_dir / "halfway.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text())  # always parses
    return {r["id"]: r for r in data.get("entries", {}).values()}


@pytest.mark.parametrize("point", ["write", "written"])
def test_a_kill_at_every_write_step_leaves_a_whole_file_and_loses_no_returned_write(
    tmp_path, point
) -> None:
    data_dir = tmp_path / "data"
    Store(data_dir)  # the folder and its empty hot file (that first write is tested below)
    confirmed: set[str] = set()
    for n in range(1, 9):  # the n-th write of each run: inserts and rewrites, growing files
        confirmed |= run_writer(data_dir, f"{point}{n}", 40, kill=f"{point}:{n}")
        stored = stored_entries(data_dir)
        assert confirmed <= set(stored)
        # Killed before the rename, the n-th write is not there; after it, it is.
        done = writes_done(point, n)
        died_in = [e for e in stored.values() if e["at"] == f"{point}{n}"]
        assert sorted(e["n"] for e in died_in) == [i for op, i in done if op == "add"]
        shorts = sorted(e["n"] for e in died_in if e["text"] == "short")
        assert shorts == [i for op, i in done if op == "rewrite"]
    Store(data_dir)  # and the store opens cleanly, sweeping any temp file left behind
    assert not list(data_dir.glob(".halfway.json.*.tmp"))


def test_two_processes_writing_at_once_lose_nothing(tmp_path) -> None:
    data_dir = tmp_path / "data"
    Store(data_dir)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data_dir), tag, "100"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    outputs = [w.communicate(timeout=120)[0] for w in writers]
    assert all(w.returncode == 0 for w in writers)
    entries = stored_entries(data_dir)
    assert len(entries) == 200
    assert set(entries) == {line for out in outputs for line in out.split()}


def test_the_data_files_and_folders_are_private(tmp_path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(FIXTURE, data_dir)
    store = Store(data_dir)
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.archive_dir.stat().st_mode) == 0o700
    for archive in store.archive_dir.iterdir():
        assert stat.S_IMODE(archive.stat().st_mode) == 0o600


def test_a_damaged_file_stops_halfway_and_is_never_overwritten(tmp_path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "halfway.json").write_text('{"entries": {"1": {"id": "e_1"')
    with pytest.raises(StoreError, match=r"halfway\.json: the data file is damaged"):
        Store(data)
    assert (data / "halfway.json").read_text() == '{"entries": {"1": {"id": "e_1"'


def test_the_cli_names_a_damaged_file_and_changes_nothing(halfway, config_file, tmp_path) -> None:
    path = config_file().path
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "halfway.json").write_text("garbage")
    ran = halfway("log", "gesture", "made me tea", "--config", str(path))
    assert ran.code == 1
    assert ran.err.startswith(
        f"halfway: {tmp_path / 'data' / 'halfway.json'}: the data file is damaged"
    )
    assert "Traceback" not in ran.err
    assert (tmp_path / "data" / "halfway.json").read_text() == "garbage"


@pytest.mark.parametrize(
    "text", ['{"deliveries": "x"}', '{"entries": {"1": 7}}', "[1, 2]", '{"meta": []}']
)
def test_a_file_of_the_wrong_shape_is_named_and_no_command_writes_into_it(
    halfway, config_file, tmp_path, text
) -> None:
    path = str(config_file().path)
    (tmp_path / "data").mkdir()
    data = tmp_path / "data" / "halfway.json"
    data.write_text(text)
    for command in (("history",), ("log", "gesture", "made me tea"), ("export",)):
        ran = halfway(*command, "--config", path)
        assert ran.code == 1, command
        assert ran.err.startswith(f"halfway: {data}: the data file is damaged ("), ran.err
        assert "Traceback" not in ran.err
    assert data.read_text() == text


def test_a_file_from_a_newer_halfway_is_refused(tmp_path) -> None:
    (tmp_path / "halfway.json").write_text('{"meta": {"1": {"schema_version": 99}}}')
    with pytest.raises(StoreError, match="newer halfway"):
        Store(tmp_path)


def test_a_failed_transaction_writes_nothing(tmp_path) -> None:
    store = Store(tmp_path)
    store.add("entries", {"kind": "note", "text": "kept", "at": "now"})
    before = store.path.read_bytes()
    with pytest.raises(RuntimeError), store.transaction() as tx:  # noqa: PT012
        tx.put("entries", {"id": "e_x", "text": "half-done"})
        raise RuntimeError("interrupted")
    assert store.path.read_bytes() == before


def test_a_transaction_that_changes_nothing_writes_nothing(tmp_path) -> None:
    store = Store(tmp_path)
    store.add("entries", {"kind": "note", "text": "kept", "at": "now"})
    before = store.path.stat().st_ino
    with store.transaction() as tx:
        assert len(tx.records("entries")) == 1
    assert store.path.stat().st_ino == before


def test_a_transaction_of_many_changes_is_one_write(tmp_path, monkeypatch) -> None:
    from halfway.store import datafile

    store = Store(tmp_path)
    store.add("entries", {"id": "e_old", "kind": "note", "text": "gone soon", "at": "now"})
    written: list[dict] = []
    write = datafile.write_file
    monkeypatch.setattr(
        datafile, "write_file", lambda p, d, *key: (written.append(d), write(p, d, *key))
    )
    with store.transaction() as tx:
        for n in range(5):
            tx.put("entries", {"id": f"e_{n}", "kind": "note", "text": f"n{n}", "at": "now"})
        tx.put("entries", {"id": "e_0", "kind": "note", "text": "again", "at": "now"})
        tx.remove("entries", ["e_old"])
        tx.set_meta({"note": "x"})
        assert tx.get("entries", "e_0")["text"] == "again"  # its own changes, before the write
        assert written == []
    assert len(written) == 1
    texts = sorted(e["text"] for e in store.view().records("entries"))
    assert texts == ["again", "n1", "n2", "n3", "n4"]


def test_a_reader_sees_another_writers_change_at_once(tmp_path) -> None:
    reader, writer = Store(tmp_path), Store(tmp_path)
    writer.add("entries", {"kind": "note", "text": "one", "at": "t"})
    assert [e["text"] for e in reader.view().records("entries")] == ["one"]
    for n in range(20):  # writes in quick succession, some within one tick of the file clock
        writer.add("entries", {"kind": "note", "text": f"n{n}", "at": "t"})
        assert len(reader.view().records("entries")) == n + 2


def test_an_unchanged_file_is_not_parsed_again(tmp_path, monkeypatch) -> None:
    from halfway.store import database

    store = Store(tmp_path)
    store.add("entries", {"kind": "note", "text": "one", "at": "t"})
    old = time.time() - 5
    os.utime(store.path, (old, old))  # as if written a while ago
    parsed = []
    real = database.read_file
    monkeypatch.setattr(
        database, "read_file", lambda path, *key: parsed.append(path) or real(path, *key)
    )
    for _ in range(5):
        assert len(store.view().records("entries")) == 1
    assert len(parsed) == 1
    Store(tmp_path).add("entries", {"kind": "note", "text": "two", "at": "t"})
    assert len(store.view().records("entries")) == 2


# the hot file and its archives ----------------------------------------------------


def finished_delivery(n: int, day: str) -> dict:
    send = {"state": "sent", "attempts": 1, "sent_at": f"{day}T19:00:01+00:00", "error": None}
    return {
        "id": f"d_{n:04d}",
        "nudge_id": f"n{n % 3}",
        "kind": "custom",
        "scheduled_for": f"{day}T19:00:00+00:00",
        "due_at": f"{day}T19:00:00+00:00",
        "created_at": f"{day}T19:00:00+00:00",
        "expires_at": f"{day}T20:00:00+00:00",
        "state": "sent",
        "channels": {"push": send},
    }


def test_compaction_moves_finished_records_by_month_and_keeps_what_is_open_or_recent(
    tmp_path,
) -> None:
    store = Store(tmp_path)
    days = [f"2026-{m:02d}-{d:02d}" for m in (9, 10, 11) for d in range(1, 23, 3)]
    with store.transaction() as tx:
        for n, day in enumerate(days):
            tx.put("deliveries", finished_delivery(n, day))
        open_one = finished_delivery(99, "2026-09-01")
        open_one = with_channels(open_one, {"push": {"state": "failed", "next_attempt": None}})
        tx.put("deliveries", open_one)
        tx.put(
            "replies",
            {
                "id": "r_1",
                "delivery_id": "d_0000",
                "value": "seen",
                "received_at": "2026-09-03T19:30:00+00:00",
            },
        )
    moved = store.compact(datetime(2026, 11, 25, tzinfo=UTC))
    hot = {d["id"] for d in store.view().records("deliveries")}
    # The last 4 fires of each nudge stay for the back-off rule; so does anything open
    # or from the last 8 days; the rest went to its month, its reply with it.
    assert hot == {"d_0099"} | {f"d_{n:04d}" for n in range(12, 24)}
    assert store.months() == ["2026-09", "2026-10"]
    assert store.archive("2026-09")["replies"][0]["id"] == "r_1"
    assert moved == 12 + 1
    everything = store.everything()
    assert len(everything["deliveries"]) == len(days) + 1
    assert store.compact(datetime(2026, 11, 25, tzinfo=UTC)) == 0


def test_a_compaction_killed_between_archive_and_hot_file_loses_and_doubles_nothing(
    tmp_path,
) -> None:
    data_dir = tmp_path / "data"
    store = Store(data_dir)
    with store.transaction() as tx:
        for n in range(24):
            tx.put("deliveries", finished_delivery(n, f"2026-10-{n + 1:02d}"))
    script = (
        "import sys; from datetime import UTC, datetime; from halfway.store.database import Store; "
        "Store(sys.argv[1]).compact(datetime(2026, 11, 25, tzinfo=UTC))"
    )
    env = {**os.environ, "HALFWAY_TEST_KILL": "written:1"}  # the archive written, then killed
    done = subprocess.run([sys.executable, "-c", script, str(data_dir)], env=env, check=False)
    assert done.returncode == -9
    reopened = Store(data_dir)
    in_archive = {d["id"] for d in reopened.archive("2026-10")["deliveries"]}
    in_hot = {d["id"] for d in reopened.view().records("deliveries")}
    assert in_archive
    assert in_archive <= in_hot
    ids = [d["id"] for d in reopened.everything()["deliveries"]]
    assert sorted(ids) == sorted(set(ids))
    assert len(ids) == 24
    reopened.compact(datetime(2026, 11, 25, tzinfo=UTC))
    assert not in_archive & {d["id"] for d in reopened.view().records("deliveries")}
    assert len(reopened.everything()["deliveries"]) == 24


# the upgrade from halfway 0.1's single file ----------------------------------------


def old_ids() -> set[str]:
    old = json.loads((FIXTURE / "halfway.json").read_text())
    return {r["id"] for name in layout.TABLES for r in old.get(name, {}).values()}


def upgrade_in_child(data_dir: Path, kill: str | None) -> int:
    env = {**os.environ, "HALFWAY_TEST_KILL": kill} if kill else dict(os.environ)
    script = "import sys; from halfway.store.database import Store; Store(sys.argv[1])"
    return subprocess.run([sys.executable, "-c", script, str(data_dir)], env=env).returncode


def test_the_upgrade_keeps_every_record_and_every_reply_link(tmp_path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(FIXTURE, data_dir)
    store = Store(data_dir, clock=lambda: datetime(2026, 11, 25, 22, tzinfo=UTC))
    everything = store.everything()
    assert {r["id"] for rs in everything.values() for r in rs} == old_ids()
    assert not store.backup.exists()  # verified, then removed
    assert store.months()  # finished records left the hot file ...
    assert store.path.stat().st_size < (FIXTURE / "halfway.json").stat().st_size / 2
    cursors = {c["id"]: c for c in store.view().records("nudges")}
    assert set(cursors) == {"evening", "my-boundary", "sixhourly"}  # ... each nudge has a cursor
    assert cursors["evening"]["last"] == "2026-11-28T19:00:00+00:00"
    # A reply link sent before the upgrade still finds its delivery in the hot file.
    key = (data_dir / tokens.KEY_FILE).read_bytes()
    sent = [d for d in store.view().records("deliveries") if d.get("link") and is_fire(d)]
    newest = max(sent, key=lambda d: d["scheduled_for"])
    token = newest["link"].rsplit("/", 1)[1]
    assert service.delivery_for(store, key, token)["id"] == newest["id"]
    missed = [d for d in everything["deliveries"] if d["state"] == "missed"]
    assert missed
    assert all("body" not in d for d in missed)


def test_an_upgrade_killed_at_any_step_loses_nothing_and_finishes_next_time(tmp_path) -> None:
    steps = 0
    for point in ("write", "written"):
        for n in range(1, 20):
            data_dir = tmp_path / f"{point}-{n}"
            shutil.copytree(FIXTURE, data_dir)
            if upgrade_in_child(data_dir, f"{point}:{n}") == 0:
                break  # the upgrade has fewer writes than n: every step was tried
            steps += 1
            # Killed here: every file parses, and every record is in the old file or
            # in the new ones (the old file is kept until the new ones are verified).
            for path in [*data_dir.glob("*.json"), *data_dir.glob("archive/*.json")]:
                json.loads(path.read_text())
            backup = data_dir / layout.BACKUP_NAME
            assert backup.exists() or (data_dir / "halfway.json").exists()
            assert upgrade_in_child(data_dir, None) == 0
            found = Store(data_dir).everything()
            ids = [r["id"] for rs in found.values() for r in rs]
            assert set(ids) == old_ids()
            assert len(ids) == len(set(ids))
            assert not backup.exists()
    assert steps >= 6  # the link, the rewrite, an archive or two, the hot file: each tried
