"""`halfway backup` and `halfway restore`: one file of a data folder with weeks of history
(archive months, the reply key, the link tokens), checked by checksum and record id; what
they refuse (a file that exists, a folder that holds anything or runs a daemon, a changed
byte, a missing record), and the sealed backup that hides every word and opens with its
key only."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from filelock import FileLock, Timeout

from halfway.cli import main
from halfway.core import tokens
from halfway.store import atrest, backupfile, backups, links, sealing
from halfway.store.database import Store

from . import test_owners
from .conftest import config_text, wait_for
from .test_erase import everything
from .test_owners import base  # noqa: F401 - a fixture

NOTE = "the lighthouse at Hörnum, where we first talked for hours"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """Six weeks made by halfway itself (archive months, the reply key, the link tokens)
    with a note of the person's own words, made once for this file's tests."""
    place = tmp_path_factory.mktemp("sample")
    config = place / "config.toml"
    config.write_text(config_text(data_dir=place / "data"))
    assert main.main(["demo-data", "--weeks", "6", "--config", str(config)]) == 0
    assert main.main(["log", "note", NOTE, "--config", str(config)]) == 0
    assert any((place / "data" / "archive").glob("*.json"))
    return place / "data"


@pytest.fixture
def filled(sample, config_file):
    """A config on a copy of the sample's data folder."""
    written = config_file(server=True)
    assert written.data_dir is not None
    shutil.copytree(sample, written.data_dir)
    return written, written.data_dir


def records(folder: Path, key: bytes | None = None) -> dict[str, dict[str, dict]]:
    """Every record of a data folder by table and id, as the store reads them."""
    store = Store(folder, create=False, key=key)
    tables = {**store.everything(), "nudges": store.view().records("nudges")}
    return {name: {r["id"]: r for r in rows} for name, rows in tables.items()}


def other_config(config_file, folder: Path, name: str):
    """A config like the test's, on `folder`."""
    written = config_file(name=name, server=True)
    text = written.path.read_text().replace(str(written.data_dir), str(folder))
    written.path.write_text(text)
    return written.path


def test_a_backup_restores_every_record_by_id_with_the_reply_key_and_the_links(
    filled, halfway, tmp_path, config_file
) -> None:
    written, folder = filled
    target = tmp_path / "backups" / "halfway.tar"
    target.parent.mkdir()
    ran = halfway("backup", str(target), "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert ran.out.startswith("backed up ")
    assert f" to {target}\n" in ran.out
    assert "not encrypted" in ran.out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["halfway.tar"]  # no temp left
    checked = halfway("backup", "--check", str(target), "--config", str(written.path))
    assert checked.code == 0, checked.err
    assert "every checksum and id matches" in checked.out
    restored = tmp_path / "restored"
    ran = halfway("restore", str(target), "--to", str(restored), "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert f"into {restored}; every checksum and id checked" in ran.out
    assert f'set data_dir = "{restored}"' in ran.out
    assert records(restored) == records(folder)
    for name in (tokens.KEY_FILE, links.FILE, "halfway.json", "halfway.writes.json"):
        assert (restored / name).read_bytes() == (folder / name).read_bytes()
        assert stat.S_IMODE((restored / name).stat().st_mode) == 0o600
    for month in (folder / "archive").glob("*.json"):
        assert (restored / "archive" / month.name).read_bytes() == month.read_bytes()
    assert stat.S_IMODE(restored.stat().st_mode) == 0o700
    # the private links are the same ones: a restored folder opens what was sent before
    config = other_config(config_file, restored, "restored.toml")
    before = halfway("links", "--config", str(written.path)).out
    after = halfway("links", "--config", str(config))
    assert after.code == 0, after.err
    assert re.sub(r"http://[^/]+", "", after.out) == re.sub(r"http://[^/]+", "", before)
    assert (
        halfway("export", "--config", str(config)).out
        == halfway("export", "--config", str(written.path)).out
    )


def test_the_manifest_names_every_record_and_a_checksum_per_file(filled, halfway, tmp_path) -> None:
    written, folder = filled
    target = tmp_path / "b.tar"
    assert halfway("backup", str(target), "--config", str(written.path)).code == 0
    found = backupfile.open_backup(target, None)
    listed = found.manifest["files"]
    assert set(listed) >= {"halfway.json", "halfway.writes.json", tokens.KEY_FILE, links.FILE}
    assert {n for n in listed if n.startswith("archive/")} == {
        f"archive/{p.name}" for p in (folder / "archive").glob("*.json")
    }
    named = {
        (table, i)
        for e in listed.values()
        for table, ids in e.get("records", {}).items()
        for i in ids
    }
    held = {(table, i) for table, rows in records(folder).items() for i in rows}
    assert held <= named
    assert all(len(e["sha256"]) == 64 for e in listed.values())


def test_an_existing_file_is_kept_unless_force(filled, halfway, tmp_path) -> None:
    written, _folder = filled
    target = tmp_path / "b.tar"
    target.write_bytes(b"mine")
    ran = halfway("backup", str(target), "--config", str(written.path))
    assert ran.code == 2
    assert ran.err.strip().splitlines() == [
        f"halfway backup: {target}: already exists; add --force to replace it"
    ]
    assert target.read_bytes() == b"mine"
    ran = halfway("backup", str(target), "--force", "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert backupfile.open_backup(target, None).records() > 100
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "where", ["missing/b.tar", "data/b.tar", "."], ids=["no folder", "inside data", "a folder"]
)
def test_a_file_it_cannot_write_is_bad_input(filled, halfway, tmp_path, where) -> None:
    written, _folder = filled
    before = everything(tmp_path)
    ran = halfway("backup", str(tmp_path / where), "--config", str(written.path))
    assert ran.code == 2
    assert len(ran.err.strip().splitlines()) == 1
    assert str(tmp_path / where) in ran.err
    assert everything(tmp_path) == before


def test_restore_refuses_a_folder_that_holds_anything(filled, halfway, tmp_path) -> None:
    written, _folder = filled
    target = tmp_path / "b.tar"
    assert halfway("backup", str(target), "--config", str(written.path)).code == 0
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    ran = halfway("restore", str(target), "--to", str(busy), "--config", str(written.path))
    assert ran.code == 2
    assert ran.err.strip().splitlines() == [
        f"halfway restore: --to {busy}: holds files already (notes.txt); restore goes into"
        " an empty or new folder only, so nothing is overwritten"
    ]
    assert everything(busy) == {"notes.txt": b"mine"}


def test_restore_refuses_a_folder_a_daemon_runs_on(
    filled, halfway, tmp_path, config_file, start_daemon
) -> None:
    written, _folder = filled
    target = tmp_path / "b.tar"
    assert halfway("backup", str(target), "--config", str(written.path)).code == 0
    live = tmp_path / "live"
    config = other_config(config_file, live, "live.toml")
    daemon = start_daemon("--config", str(config))
    listen = config.read_text().split('listen = "')[1].split('"')[0]
    try:
        wait_for(lambda: daemon.health(listen))
        before = everything(live)
        ran = halfway("restore", str(target), "--to", str(live), "--config", str(config))
        assert ran.code == 1
        assert len(ran.err.strip().splitlines()) == 1
        assert "a halfway daemon is running on this data (pid" in ran.err
        assert everything(live) == before
    finally:
        assert daemon.stop() == 0


def offset_in(backup: bytes, content: bytes) -> int:
    """Where a file's bytes sit in a plain backup (a tar keeps them as they are)."""
    at = backup.find(content)
    assert at > 0
    return at + len(content) // 2


def test_a_changed_byte_is_named_by_its_checksum_and_nothing_is_restored(
    filled, halfway, tmp_path
) -> None:
    written, folder = filled
    target = tmp_path / "b.tar"
    assert halfway("backup", str(target), "--config", str(written.path)).code == 0
    month = sorted((folder / "archive").glob("*.json"))[0]
    data = bytearray(target.read_bytes())
    data[offset_in(bytes(data), month.read_bytes())] ^= 0x01
    target.write_bytes(bytes(data))
    ran = halfway("backup", "--check", str(target), "--config", str(written.path))
    assert ran.code == 1
    assert ran.err.strip().splitlines() == [
        f"halfway: {target}: archive/{month.name} does not match its checksum;"
        " the backup was changed or damaged"
    ]
    ran = halfway(
        "restore", str(target), "--to", str(tmp_path / "r"), "--config", str(written.path)
    )
    assert ran.code == 1
    assert f"archive/{month.name} does not match its checksum" in ran.err
    assert not (tmp_path / "r").exists()


def test_a_record_missing_from_its_file_is_named_by_its_id(filled, halfway, tmp_path) -> None:
    written, folder = filled
    target = tmp_path / "b.tar"
    assert halfway("backup", str(target), "--config", str(written.path)).code == 0
    found = backupfile.open_backup(target, None)
    # a backup whose month lost one record, its checksum made to match: only the ids tell
    name = sorted(n for n in found.files if n.startswith("archive/"))[-1]
    data = orjson.loads(found.files[name])
    key, lost = next(iter(data["replies"].items()))
    del data["replies"][key]
    files = {**found.files, name: orjson.dumps(data)}
    manifest = json.loads(json.dumps(found.manifest))
    fresh = backupfile.manifest_of(files, datetime.now(UTC))
    manifest["files"][name].update(sha256=fresh["files"][name]["sha256"], bytes=len(files[name]))
    target.write_bytes(backupfile.pack(manifest, files, None))
    ran = halfway("backup", "--check", str(target), "--config", str(written.path))
    assert ran.code == 1
    assert ran.err.strip().splitlines() == [
        f"halfway: {target}: record {lost['id']} of 'replies' is missing from {name}"
    ]
    ran = halfway(
        "restore", str(target), "--to", str(tmp_path / "r"), "--config", str(written.path)
    )
    assert ran.code == 1
    assert lost["id"] in ran.err
    assert not (tmp_path / "r").exists()
    assert folder.exists()


@pytest.mark.parametrize("content", [b"", b"hello\n" * 200, b"{}"], ids=["empty", "text", "json"])
def test_a_file_that_is_no_backup_is_bad_input(filled, halfway, tmp_path, content) -> None:
    written, _folder = filled
    target = tmp_path / "b.tar"
    target.write_bytes(content)
    for args in (("backup", "--check", str(target)), ("restore", str(target), "--to", "r")):
        ran = halfway(*args, "--config", str(written.path))
        assert ran.code == 2
        assert ran.err.strip().splitlines() == [
            f"halfway {args[0]}: {target}: is not a halfway backup"
        ]
    ran = halfway("backup", "--check", str(tmp_path / "nope.tar"), "--config", str(written.path))
    assert (ran.code, ran.err.strip()) == (
        2,
        f"halfway backup: {tmp_path / 'nope.tar'}: no such file",
    )


def test_nothing_to_back_up_is_said_and_no_file_is_written(config_file, halfway, tmp_path) -> None:
    written = config_file()
    ran = halfway("backup", str(tmp_path / "b.tar"), "--config", str(written.path))
    assert ran.code == 1
    assert "no halfway data here yet; there is nothing to back up" in ran.err
    assert not (tmp_path / "b.tar").exists()


def test_a_folder_missing_an_archive_month_is_not_backed_up(filled, halfway, tmp_path) -> None:
    written, folder = filled
    month = sorted((folder / "archive").glob("*.json"))[0]
    month.unlink()
    ran = halfway("backup", str(tmp_path / "b.tar"), "--config", str(written.path))
    assert ran.code == 1
    assert f"{month}: this archive month is missing" in ran.err
    assert "no backup was written" in ran.err
    assert not (tmp_path / "b.tar").exists()


def test_the_files_are_read_under_the_stores_lock(filled) -> None:
    _written, folder = filled
    tried: list[str] = []

    def writer_tries() -> None:  # what any write of the hot file or an archive takes first
        try:
            FileLock(str(folder / "halfway.json.lock")).acquire(timeout=0)
            tried.append("free")
        except Timeout:
            tried.append("held")

    files = backups.read_folder(folder, while_locked=writer_tries)
    assert tried == ["held"]
    assert "halfway.json" in files
    FileLock(str(folder / "halfway.json.lock")).acquire(timeout=0)  # and let go after


def test_a_sealed_backup_hides_every_word_and_opens_with_its_key_only(filled, tmp_path) -> None:
    _written, folder = filled
    key = sealing.new_key()
    plain = records(folder)
    atrest.switch(folder, key, seal=True)  # the folder's own key seals its backup
    target = tmp_path / "sealed.tar"
    made = backups.backup(folder, target, key, force=False, now=datetime.now(UTC))
    sealed = target.read_bytes()
    assert sealing.is_sealed(sealed)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for word in (NOTE, "lighthouse", "Hörnum", "manifest", "halfway.json", "deliveries"):
        assert word.encode() not in sealed
    ids = {
        i for e in made.manifest["files"].values() for v in e.get("records", {}).values() for i in v
    }
    assert len(ids) > 100
    assert not any(i.encode() in sealed for i in ids)
    assert (folder / tokens.KEY_FILE).read_bytes() not in sealed
    with pytest.raises(backupfile.BadInput, match="this backup is encrypted: "):
        backupfile.open_backup(target, None)
    with pytest.raises(backupfile.Damaged, match="does not open"):
        backupfile.open_backup(target, sealing.new_key())
    with pytest.raises(backupfile.BadInput, match="this backup is encrypted: "):
        backups.restore(target, None, tmp_path / "r")
    with pytest.raises(backupfile.Damaged, match="does not open"):
        backups.restore(target, sealing.new_key(), tmp_path / "r")
    assert not (tmp_path / "r").exists()
    assert backupfile.open_backup(target, key).records() == made.records()
    backups.restore(target, key, tmp_path / "r")
    assert records(tmp_path / "r", key) == records(folder, key) == plain
    notes = [e for e in records(tmp_path / "r", key)["entries"].values() if e["text"] == NOTE]
    assert len(notes) == 1


def test_a_sealed_backup_without_the_key_is_said_on_the_command_line(
    filled, halfway, tmp_path
) -> None:
    written, folder = filled
    target = tmp_path / "sealed.tar"
    key = sealing.new_key()
    atrest.switch(folder, key, seal=True)
    backups.backup(folder, target, key, force=False, now=datetime.now(UTC))
    ran = halfway("backup", "--check", str(target), "--config", str(written.path))
    assert ran.code == 2
    assert len(ran.err.strip().splitlines()) == 1
    assert f"halfway backup: {target}: this backup is encrypted: " in ran.err


def test_help_says_what_it_holds_and_where_it_goes(halfway) -> None:
    ran = halfway("backup", "--help")
    assert ran.code == 0
    for words in ("reply key", "--check", "--force", "lock", "record's id"):
        assert words in " ".join(ran.out.split())
    ran = halfway("restore", "--help")
    assert ran.code == 0
    for words in ("empty or new", "--to", "keep working"):
        assert words in " ".join(ran.out.split())


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_root_backs_up_the_service_users_folder_and_leaves_no_file_of_its_own(
    halfway,
    base,  # noqa: F811 - the owners' fixture imported above
    sample,
) -> None:
    """What borgmatic running as root does: it only reads the service's folder (the
    store's lock taken where it is); a restore into the service's folder as root is
    refused with the `sudo -u` line, as any write there is."""
    user = test_owners.nobody()
    config = test_owners.write_config(base)
    data = base / "data"
    shutil.copytree(sample, data)
    test_owners.give(data, user.pw_uid, user.pw_gid)
    before = everything(data)
    ran = halfway("backup", str(base / "b.tar"), "--config", str(config))
    assert ran.code == 0, ran.err
    assert everything(data) == before
    assert test_owners.owners_of(data) == {"nobody"}
    empty = base / "empty"
    empty.mkdir()
    test_owners.give(empty, user.pw_uid, user.pw_gid)
    ran = halfway("restore", str(base / "b.tar"), "--to", str(empty), "--config", str(config))
    assert ran.code == 2
    assert "sudo -u nobody" in ran.err
    assert list(empty.iterdir()) == []


def test_a_restore_cut_off_half_way_is_never_taken_for_data(filled, halfway, tmp_path) -> None:
    """Killed after the archive months and the reply key, before the hot file: the folder
    is refused by every command (its data file is missing), never read as empty."""
    written, folder = filled
    target = tmp_path / "b.tar"
    assert halfway("backup", str(target), "--config", str(written.path)).code == 0
    restored = tmp_path / "r"
    args = ["restore", str(target), "--to", str(restored), "--config", str(written.path)]
    links_file = len(list((folder / "archive").glob("*.json"))) + 2  # the months, the key
    killed = subprocess.run(
        [sys.executable, "-m", "halfway", *args],
        env={**os.environ, "HALFWAY_TEST_KILL": f"write:{links_file}"},
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -signal.SIGKILL
    assert (restored / tokens.KEY_FILE).exists()
    assert not (restored / "halfway.json").exists()
    config = other_config_file(written.path, restored)
    ran = halfway("export", "--config", str(config))
    assert ran.code == 1
    assert "the data file is missing from a folder that held one" in ran.err
    ran = halfway("restore", str(target), "--to", str(restored), "--config", str(config))
    assert ran.code == 2
    assert "holds files already" in ran.err


def other_config_file(config: Path, folder: Path) -> Path:
    """The test's config, on `folder`."""
    text = config.read_text()
    moved = config.with_name("moved.toml")
    moved.write_text(re.sub(r'data_dir = "[^"]*"', f'data_dir = "{folder}"', text))
    return moved


def test_a_file_left_out_of_a_backup_is_named(filled, halfway, tmp_path) -> None:
    written, _folder = filled
    target = tmp_path / "b.tar"
    assert halfway("backup", str(target), "--config", str(written.path)).code == 0
    found = backupfile.open_backup(target, None)
    files = {name: raw for name, raw in found.files.items() if name != tokens.KEY_FILE}
    target.write_bytes(backupfile.pack(found.manifest, files, None))
    ran = halfway("backup", "--check", str(target), "--config", str(written.path))
    assert ran.code == 1
    assert ran.err.strip().splitlines() == [
        f"halfway: {target}: {tokens.KEY_FILE} is named in the backup's manifest but is not in it"
    ]
