"""halfway as PID 1 in a container: killed mid-send and restarted as PID 1 again (a
new PID namespace each time, as a container restart makes), the new daemon must not
take the dead one's claim for its own: the send goes again, once, marked
resent_after_crash. Skipped where this machine cannot make a PID namespace."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from .conftest import wait_for

UNSHARE = shutil.which("unshare")


def as_pid_1(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    assert UNSHARE is not None
    return subprocess.Popen(
        [
            UNSHARE,
            "--pid",
            "--fork",
            "--mount-proc",
            "--kill-child",
            sys.executable,
            "-m",
            "halfway",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def pid_namespaces() -> None:
    if UNSHARE is None:
        pytest.skip("no unshare here")
    probe = subprocess.run(
        [UNSHARE, "--pid", "--fork", "--mount-proc", "true"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot make a PID namespace here: {probe.stderr.decode().strip()}")


def test_a_send_cut_off_as_pid_1_is_sent_again_by_the_next_pid_1(
    pid_namespaces, config_file, http_receiver, halfway
) -> None:
    from .test_daemon import one_off

    written = config_file(
        one_off(-3, "custom") + 'reply = "none"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    path = str(written.path)
    first = as_pid_1("run", "--config", path, env={"HALFWAY_TEST_KILL": "sent:1"})
    first.wait(30)  # it sent, then died before noting it
    assert len(http_receiver.posts()) == 1
    owner = json.loads((written.data_dir / "halfway.json").read_text())
    [delivery] = owner["deliveries"].values()
    assert delivery["channels"]["push"]["owner"]["pid"] == 1  # claimed as PID 1

    again = as_pid_1("run", "--config", path)  # PID 1 again, a new process

    def push() -> dict:
        [delivery] = json.loads(halfway("export", "--config", path).out)["deliveries"]
        return delivery["channels"]["push"]

    try:
        wait_for(lambda: push()["state"] == "sent", timeout=20)
    finally:
        again.kill()  # unshare passes no SIGTERM on; --kill-child takes PID 1 with it
        again.wait(10)
    assert push()["resent_after_crash"] is True
    assert len(http_receiver.posts()) == 2  # cut off once, sent again once
