"""Encryption at rest (issue 20): with [encryption] on, every data file is sealed, a
missing or wrong key changes nothing, and `halfway encrypt`/`decrypt` switch a folder
either way, finishing after a kill at any of their writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from halfway.config.models import Settings
from halfway.core.instants import format_instant
from halfway.store import atrest, sealing
from halfway.store.database import Store
from halfway.store.datafile import KeyProblem, read_file

NOTES = ("the lighthouse at dusk", "olive branch by the sink", "quiet thursday promise")
T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def every_byte(folder: Path) -> bytes:
    """Every file under `folder`, the hidden and temporary ones too, one after another."""
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def readable(folder: Path, words: tuple[str, ...] = NOTES) -> list[str]:
    found = every_byte(folder)
    return [w for w in words if w.encode() in found]


def fill(data: Path, key: bytes | None = None) -> dict[str, list[str]]:
    """A folder with three archive months and a hot file, a note in each; its records' ids."""
    store = Store(data, clock=lambda: T0, key=key)
    for month, text in enumerate(NOTES):
        at = format_instant(T0 + timedelta(days=31 * month))
        store.add("entries", {"kind": "note", "text": text, "at": at})
    hot = format_instant(T0 + timedelta(days=95))
    store.add("entries", {"kind": "note", "text": NOTES[0] + " again", "at": hot})
    store.compact(T0 + timedelta(days=100))
    return ids(store)


def ids(store: Store) -> dict[str, list[str]]:
    return {name: sorted(r["id"] for r in rs) for name, rs in store.everything().items() if rs}


def keyed(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "keys" / "halfway.key"
    path.parent.mkdir(mode=0o700)
    key = sealing.new_key()
    sealing.write_key(path, key)
    return path, key


def settings_with(tmp_path: Path, **encryption: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", timezone="UTC", encryption=encryption)


# the store ------------------------------------------------------------------------------


def test_with_a_key_every_data_file_is_sealed_and_reads_back(tmp_path) -> None:
    key = sealing.new_key()
    made = fill(tmp_path / "data", key)
    files = [tmp_path / "data" / "halfway.json", *sorted((tmp_path / "data/archive").iterdir())]
    assert len(files) == 4
    assert all(sealing.is_sealed(p.read_bytes()) for p in files)
    assert readable(tmp_path / "data") == []
    assert ids(Store(tmp_path / "data", key=key, create=False)) == made
    assert len(made["entries"]) == 4


def test_no_key_a_wrong_key_or_a_key_on_plain_data_is_refused_and_nothing_is_written(
    tmp_path,
) -> None:
    key = sealing.new_key()
    fill(tmp_path / "data", key)
    before = {p: p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file()}
    with pytest.raises(KeyProblem, match=r"halfway.json: this data is encrypted.*\[encryption\]"):
        Store(tmp_path / "data")
    with pytest.raises(KeyProblem, match="does not open this file"):
        Store(tmp_path / "data", key=sealing.new_key())
    after = {p: p.read_bytes() for p in (tmp_path / "data").rglob("*") if p.is_file()}
    assert after == before
    fill(tmp_path / "plain")
    with pytest.raises(KeyProblem, match=r"not encrypted.*encrypt"):
        Store(tmp_path / "plain", key=key)


def test_an_archive_month_put_in_place_of_another_is_refused(tmp_path) -> None:
    key = sealing.new_key()
    fill(tmp_path / "data", key)
    first, second, *_ = sorted((tmp_path / "data/archive").iterdir())
    shutil.copyfile(first, second)  # sealed with the right key, bound to another name
    with pytest.raises(KeyProblem, match=second.name):
        read_file(second, key)


def test_the_key_comes_from_the_key_file_or_the_systemd_credential(tmp_path, monkeypatch) -> None:
    assert atrest.store_key(settings_with(tmp_path)) is None
    path, key = keyed(tmp_path)
    assert atrest.store_key(settings_with(tmp_path, key_file=str(path))) == key
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    other = sealing.new_key()
    sealing.write_key(credentials / "halfway-key", other)
    both = settings_with(tmp_path, key_file=str(path), credential="halfway-key")
    assert atrest.store_key(both) == key  # typed in a shell: the file
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    assert atrest.store_key(both) == other  # under systemd: the credential
    with pytest.raises(KeyProblem, match=r"encryption.credential: .*LoadCredential"):
        atrest.store_key(settings_with(tmp_path, credential="another"))
    monkeypatch.delenv("CREDENTIALS_DIRECTORY")
    with pytest.raises(KeyProblem, match=r"encryption.credential: .*CREDENTIALS_DIRECTORY"):
        atrest.store_key(settings_with(tmp_path, credential="halfway-key"))


def test_a_key_file_missing_open_to_others_or_inside_the_data_folder_is_refused(tmp_path) -> None:
    with pytest.raises(KeyProblem, match=r"encryption.key_file: .*does not exist.*encrypt"):
        atrest.store_key(settings_with(tmp_path, key_file=str(tmp_path / "none.key")))
    path, _ = keyed(tmp_path)
    path.chmod(0o644)
    with pytest.raises(KeyProblem, match="other users"):
        atrest.store_key(settings_with(tmp_path, key_file=str(path)))
    inside = tmp_path / "data" / "halfway.key"
    with pytest.raises(KeyProblem, match="inside the data folder"):
        atrest.ensure_key(settings_with(tmp_path, key_file=str(inside)))
    assert not inside.exists()


# the commands -------------------------------------------------------------------------


def config(tmp_path: Path, key_file: Path | None) -> Path:
    text = f'timezone = "UTC"\ndata_dir = {json.dumps(str(tmp_path / "data"))}\n'
    if key_file is not None:
        text += f"[encryption]\nkey_file = {json.dumps(str(key_file))}\n"
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_encrypt_makes_the_key_says_to_back_it_up_and_decrypt_turns_it_back(
    tmp_path, halfway
) -> None:
    made = fill(tmp_path / "data")
    key_file = tmp_path / "etc" / "halfway.key"
    path = config(tmp_path, key_file)
    done = halfway("--config", str(path), "encrypt")
    assert done.code == 0, done.err
    assert f"made a new key in {key_file}" in done.out
    assert f"Back up {key_file} apart from the data" in done.out
    assert "encrypted 4 data files" in done.out
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert readable(tmp_path / "data") == []
    key = sealing.read_key(key_file)
    assert ids(Store(tmp_path / "data", key=key, create=False)) == made
    again = halfway("--config", str(path), "encrypt")
    assert (again.code, "encrypted already" in again.out) == (0, True)
    assert "made a new key" not in again.out
    shown = halfway("--config", str(path), "history")
    assert shown.code == 0
    assert NOTES[2] in shown.out

    done = halfway("--config", str(path), "decrypt")
    assert done.code == 0, done.err
    assert "remove [encryption]" in done.out
    assert readable(tmp_path / "data") == list(NOTES)
    mixed = halfway("--config", str(path), "history")  # plain data, a key still named
    assert mixed.code == 2
    assert "not encrypted" in mixed.err
    assert "encrypt" in mixed.err
    assert halfway("--config", str(config(tmp_path, None)), "history").code == 0


def test_a_sealed_folder_and_a_config_without_its_key_exit_2_and_write_nothing(
    tmp_path, halfway
) -> None:
    _key_file, key = keyed(tmp_path)
    fill(tmp_path / "data", key)
    before = sorted((p, p.read_bytes()) for p in (tmp_path / "data").rglob("*") if p.is_file())
    plain = config(tmp_path, None)
    for args in (("log", "note", "more words"), ("history",), ("decrypt",)):
        done = halfway("--config", str(plain), *args)
        assert done.code == 2, (args, done.out, done.err)
        assert "[encryption]" in done.err
    said = halfway("--config", str(plain), "status")  # what status reads, it says
    assert "halfway.json: this data is encrypted" in said.out
    wrong = tmp_path / "wrong.key"
    sealing.write_key(wrong, sealing.new_key())
    done = halfway("--config", str(config(tmp_path, wrong)), "log", "note", "more words")
    assert done.code == 2
    assert "halfway.json: the key named under [encryption] does not open it" in done.err.replace(
        "this file", "it"
    )
    done = halfway("--config", str(config(tmp_path, wrong)), "encrypt")  # nothing half-mixed
    assert done.code == 2
    gone = tmp_path / "gone" / "halfway.key"
    done = halfway("--config", str(config(tmp_path, gone)), "encrypt")  # no key made for nothing
    assert done.code == 2
    assert "encrypted already; put back the key" in done.err
    assert not gone.parent.exists()
    after = sorted((p, p.read_bytes()) for p in (tmp_path / "data").rglob("*") if p.is_file())
    assert after == before


def test_encrypt_refuses_while_a_daemon_holds_the_folder(tmp_path, halfway) -> None:
    from halfway.store import runlock

    fill(tmp_path / "data")
    key_file = tmp_path / "etc" / "halfway.key"
    lock = runlock.hold(tmp_path / "data")  # as a running daemon does
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "halfway",
                "--config",
                str(config(tmp_path, key_file)),
                "encrypt",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        runlock.release(lock, tmp_path / "data")
    assert done.returncode == 1
    assert "daemon is running" in done.stderr
    assert "Nothing was encrypted" in done.stderr
    assert not key_file.exists()
    assert readable(tmp_path / "data") == list(NOTES)


# a kill at every write ----------------------------------------------------------------


def run_halfway(path: Path, *args: str, kill: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"HALFWAY_TEST_KILL": kill} if kill else {})}
    return subprocess.run(
        [sys.executable, "-m", "halfway", "--config", str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def each_file_opens(data: Path, key: bytes) -> None:
    """Every data file is whole: plain JSON, or sealed and opened by `key`."""
    for path, name in atrest.data_files(data):
        raw = path.read_bytes()
        read_file(path, key if sealing.is_sealed(raw) else None, name)


@pytest.mark.parametrize("seal", [True, False], ids=["encrypt", "decrypt"])
@pytest.mark.parametrize("point", ["write", "written"])
def test_a_kill_at_every_write_of_the_switch_leaves_whole_files_and_a_rerun_finishes(
    tmp_path, seal, point
) -> None:
    key_file, key = keyed(tmp_path)
    path = config(tmp_path, key_file)
    made = fill(tmp_path / "start", None if seal else key)
    command = "encrypt" if seal else "decrypt"
    kills = 0
    for n in range(1, 20):
        shutil.rmtree(tmp_path / "data", ignore_errors=True)
        shutil.copytree(tmp_path / "start", tmp_path / "data")
        done = run_halfway(path, command, kill=f"{point}:{n}")
        if done.returncode == 0:
            break
        assert done.returncode == -9, done.stderr
        kills += 1
        each_file_opens(tmp_path / "data", key)
        again = run_halfway(path, command)
        assert again.returncode == 0, again.stderr
        files = [p for p, _ in atrest.data_files(tmp_path / "data")]
        assert all(sealing.is_sealed(p.read_bytes()) == seal for p in files)
        assert not list((tmp_path / "data").rglob(".*.tmp"))
        assert (readable(tmp_path / "data") == []) == seal
        assert ids(Store(tmp_path / "data", key=key if seal else None, create=False)) == made
    assert kills == 4  # three archive months and the hot file: each write was cut once


# a real daemon ------------------------------------------------------------------------


def test_a_daemon_with_encryption_on_keeps_no_readable_note_or_answer(
    tmp_path, config_file, http_receiver, start_daemon, halfway
) -> None:
    import re

    from .conftest import soon, wait_for
    from .test_replies import post_json

    key_file = tmp_path / "keys" / "halfway.key"
    written = config_file(
        f'[[nudges]]\nid = "my-boundary"\nkind = "boundary"\nat = "{soon()}"\n'
        f"[encryption]\nkey_file = {json.dumps(str(key_file))}\n",
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    assert halfway("--config", str(written.path), "encrypt").code == 0
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: http_receiver.posts())
    link = re.search(r"http://\S+/r/\S+", http_receiver.bodies()[0]["message"]).group(0)
    status, _ = post_json(link, {"value": "strained", "note": NOTES[0]})
    assert status == 200
    assert halfway("--config", str(written.path), "log", "note", NOTES[1]).code == 0
    assert halfway("--config", str(written.path), "ask", "add", NOTES[2]).code == 0
    assert daemon.stop() == 0
    exported = halfway("--config", str(written.path), "export")
    assert exported.code == 0
    assert readable(written.data_dir, NOTES) == []
    assert all(note in exported.out for note in NOTES)  # kept, only sealed
    assert b"strained" not in every_byte(written.data_dir)  # the answer too


def test_a_daemon_started_without_the_key_exits_2_and_writes_nothing(
    tmp_path, config_file, start_daemon
) -> None:
    written = config_file(server=True)
    fill(written.data_dir, sealing.new_key())
    before = sorted((p, p.read_bytes()) for p in written.data_dir.rglob("*") if p.is_file())
    daemon = start_daemon("--config", str(written.path))
    assert daemon.proc.wait(60) == 2
    assert "halfway.json: this data is encrypted" in daemon.stderr()
    after = sorted((p, p.read_bytes()) for p in written.data_dir.rglob("*") if p.is_file())
    assert after == before  # no reply key, no link tokens, no lock file made


def test_sample_data_sealed_keeps_no_inbox_of_what_its_nudges_said(tmp_path) -> None:
    from halfway.store import samples

    key_file, key = keyed(tmp_path)
    store = Store(tmp_path / "data", key=key)
    with store.transaction() as tx:
        tx.set_meta({samples.MARK: "demo-data"})
    sealed = settings_with(tmp_path, key_file=str(key_file)).model_copy(
        update={"channels": {"phone": ["ntfy://ntfy.sh/x"]}}
    )
    assert samples.printing(sealed, False, say=False).channels == {"phone": ["halfway://terminal"]}
    store = Store(tmp_path / "plain")
    with store.transaction() as tx:
        tx.set_meta({samples.MARK: "demo-data"})
    plain = sealed.model_copy(
        update={"data_dir": tmp_path / "plain", "encryption": Settings().encryption}
    )
    [url] = samples.printing(plain, False, say=False).channels["phone"]
    assert url.endswith("inbox=" + str(tmp_path / "plain" / samples.INBOX))
