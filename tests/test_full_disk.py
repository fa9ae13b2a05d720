"""A full or read-only disk, for real: the data folder on a small tmpfs.

/healthz answers 503 with the reason, a reply that cannot be stored gets a calm 503
that says to try again, the log says it once (no traceback per pass), and once
there is room again all carries on. Skipped where this machine cannot mount a tmpfs.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from halfway.store.database import Store, StoreError

from .conftest import soon, wait_for

SIZE = "512k"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fetch(url: str, data: bytes | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"} if data else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return filler


def test_a_full_disk_is_said_calmly_once_and_all_carries_on_after(
    small_disk, config_file, http_receiver, start_daemon
) -> None:
    written = config_file(
        f'[[nudges]]\nid = "my-boundary"\nkind = "boundary"\nat = "{soon()}"\n',
        server=True,
        channels={"push": http_receiver.json_url()},
    )
    config = written.path.read_text().replace(str(written.data_dir), str(small_disk / "data"))
    written.path.write_text(config)
    listen = written.listen
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: http_receiver.posts())
    link = re.search(r"http://\S+/r/\S+", http_receiver.bodies()[0]["message"]).group(0)
    status, page = fetch(link)
    guard = re.search(r'name="guard" value="([^"]+)"', page).group(1)
    hot = small_disk / "data" / "halfway.json"
    before = hot.read_bytes()

    filler = fill(small_disk)
    status, body = fetch(f"http://{listen}/healthz")
    assert status == 503
    assert "the disk is full" in json.loads(body)["problem"]
    status, page = fetch(link, f"value=held&guard={guard}".encode())
    assert status == 503
    assert "try again" in page.lower()
    assert hot.read_bytes() == before  # nothing half-written
    for count in range(1, 4):  # passes while full: one line in the log, not one per pass
        daemon.proc.send_signal(signal.SIGHUP)
        wait_for(lambda n=count: daemon.stderr().count("reloaded") == n)
    log = daemon.stderr()
    assert log.count("the disk is full") == 1
    assert "Traceback" not in log

    filler.unlink()
    daemon.proc.send_signal(signal.SIGHUP)  # a pass, as the safety loop makes every 30 s
    wait_for(lambda: "working again" in daemon.stderr())
    assert fetch(f"http://{listen}/healthz")[0] == 200
    status, _ = fetch(link, f"value=held&guard={guard}".encode())
    assert status in (200, 303)
    assert daemon.stop() == 0
    assert b'"held"' in hot.read_bytes()


def test_a_read_only_disk_is_named_and_refused_cleanly(small_disk) -> None:
    store = Store(small_disk / "data")
    store.add("entries", {"kind": "note", "text": "kept", "at": "2026-11-25T10:00:00+00:00"})
    before = store.path.read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        problem = store.space_problem()
        assert problem is not None
        assert "read-only" in problem
        with pytest.raises(StoreError, match="cannot be written"):
            store.add("entries", {"kind": "note", "text": "x", "at": "2026-11-25T11:00:00+00:00"})
        assert store.path.read_bytes() == before
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
