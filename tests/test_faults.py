"""The crash tests' kill points work only under the test suite: a
stray HALFWAY_TEST_KILL must not kill a real daemon at a data write."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from halfway.store import faults

WRITE = (
    "import sys; from halfway.store.database import Store; "
    "Store(sys.argv[1]).add('entries', {'kind': 'note', 'text': 'x', 'at': 'now'})"
)


def write_once(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HALFWAY_")}
    return subprocess.run(
        [sys.executable, "-c", WRITE, str(data_dir)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_stray_kill_variable_is_ignored_with_one_line_saying_so(tmp_path) -> None:
    done = write_once(tmp_path / "data", HALFWAY_TEST_KILL="write:1")
    assert done.returncode == 0, done.stderr  # was -9: killed at its first data write
    assert "HALFWAY_TEST_KILL is ignored" in done.stderr
    assert (tmp_path / "data" / "halfway.json").exists()


def test_a_test_runs_switches_copied_after_it_ended_arm_nothing(
    tmp_path, armed_switches: str
) -> None:
    nonce = armed_switches.partition(":")[0]
    gone = f"{nonce}:{tmp_path / 'removed-when-the-run-ended'}"
    done = write_once(tmp_path / "a", HALFWAY_TEST_KILL="write:1", HALFWAY_TEST_SWITCHES=gone)
    assert done.returncode == 0, done.stderr
    armed = write_once(
        tmp_path / "b", HALFWAY_TEST_KILL="write:1", HALFWAY_TEST_SWITCHES=armed_switches
    )
    assert armed.returncode == -9  # the same, armed by this run: it dies where asked


def test_only_the_runs_own_file_with_its_nonce_arms_the_switches(tmp_path) -> None:
    nonce = "a1" * 16
    marker = tmp_path / "switches"
    marker.write_text(f"{faults.ARMED} {nonce}\n")
    marker.chmod(0o600)
    assert faults.armed({faults.SWITCHES: f"{nonce}:{marker}"})
    assert not faults.armed({})
    assert not faults.armed({faults.SWITCHES: f"{'b2' * 16}:{marker}"})  # another nonce
    assert not faults.armed({faults.SWITCHES: f"short:{marker}"})
    assert not faults.armed({faults.SWITCHES: str(marker)})
    link = tmp_path / "link"
    link.symlink_to(marker)
    assert not faults.armed({faults.SWITCHES: f"{nonce}:{link}"})
    marker.chmod(0o620)  # another may write it
    assert not faults.armed({faults.SWITCHES: f"{nonce}:{marker}"})
    marker.chmod(0o600)
    marker.write_text(f"{faults.ARMED} {nonce}\nmore\n")
    assert not faults.armed({faults.SWITCHES: f"{nonce}:{marker}"})


def test_a_switch_reads_its_value_only_when_armed(tmp_path, capsys) -> None:
    assert faults.switch("HALFWAY_TEST_KILL", {"HALFWAY_TEST_KILL": "send:1"}) is None
    assert "HALFWAY_TEST_KILL is ignored" in capsys.readouterr().err
    assert faults.switch("HALFWAY_TEST_KILL", os.environ | {"HALFWAY_TEST_KILL": "send:1"}) == (
        "send:1"
    )
    assert faults.switch("HALFWAY_TEST_KILL", {}) is None
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("kill", ["write:1", "written:1"])
def test_armed_kill_points_still_kill(tmp_path, kill: str) -> None:
    done = write_once(
        tmp_path / "data",
        HALFWAY_TEST_KILL=kill,
        HALFWAY_TEST_SWITCHES=os.environ[faults.SWITCHES],
    )
    assert done.returncode == -9, done.stderr
