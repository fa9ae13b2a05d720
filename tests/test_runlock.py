"""The daemon's lock and its pid file: readable by its owner only, and gone after a clean
stop unless another process has written its own pid there since."""

from __future__ import annotations

import os
import stat

import pytest

from halfway.store import runlock


def test_the_pid_file_is_private_whatever_the_umask_or_an_older_files_mode(tmp_path) -> None:
    pid_file = tmp_path / runlock.PID_NAME
    pid_file.write_text("12345\n")
    pid_file.chmod(0o644)  # as an earlier halfway left it
    old = os.umask(0)
    try:
        lock = runlock.hold(tmp_path)
    finally:
        os.umask(old)
    try:
        assert pid_file.read_text() == f"{os.getpid()}\n"
        assert stat.S_IMODE(pid_file.stat().st_mode) == 0o600
    finally:
        runlock.release(lock, tmp_path)
    assert not pid_file.exists()
    assert runlock.present(tmp_path)  # the lock file stays: a daemon ran here


def test_release_leaves_a_pid_file_that_names_another_process(tmp_path) -> None:
    lock = runlock.hold(tmp_path)
    (tmp_path / runlock.PID_NAME).write_text("4242\n")
    runlock.release(lock, tmp_path)
    assert (tmp_path / runlock.PID_NAME).read_text() == "4242\n"
    again = runlock.hold(tmp_path)  # and the lock itself was let go
    runlock.release(again, tmp_path)


def test_release_lets_the_lock_go_when_the_pid_file_is_already_gone(tmp_path) -> None:
    lock = runlock.hold(tmp_path)
    (tmp_path / runlock.PID_NAME).unlink()
    runlock.release(lock, tmp_path)
    assert not lock.is_locked
    with pytest.raises(FileNotFoundError):
        (tmp_path / runlock.PID_NAME).read_text()
