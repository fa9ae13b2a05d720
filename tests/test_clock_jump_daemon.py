"""The real `halfway run` under a wall clock set a day ahead, then back (libfaketime, from
Debian's `faketime`: only the wall clock moves, the monotonic one runs on). The sends go
on throughout, and /healthz says why the records look as they do."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import wait_for

FAKETIME = next(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"), None)  # any arch

pytestmark = pytest.mark.skipif(
    FAKETIME is None, reason="libfaketime is not installed (Debian: apt install faketime)"
)


def set_offset(path: Path, offset: str) -> None:
    """Write libfaketime's offset whole: read at every clock read, a file caught half
    written (empty) would read as no offset, a jump back and ahead that never was."""
    fresh = path.with_name(path.name + ".new")
    fresh.write_text(f"{offset}\n")
    os.replace(fresh, path)


OFTEN = '[[nudges]]\nid = "often"\nkind = "custom"\nevery = "3s"\nreply = "none"\n'


def test_a_clock_a_day_ahead_then_back_never_stops_the_sends(
    tmp_path, config_file, http_receiver, start_daemon, halfway
) -> None:
    offset = tmp_path / "faketime"  # read by libfaketime at each clock read
    set_offset(offset, "+0")
    conf = config_file(OFTEN, server=True, channels={"push": http_receiver.json_url()})
    env = {
        "LD_PRELOAD": str(FAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(offset),
        "FAKETIME_NO_CACHE": "1",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }
    daemon = start_daemon("--config", str(conf.path), env=env)
    assert conf.listen is not None
    sent = lambda: len(http_receiver.posts())  # noqa: E731
    wait_for(lambda: sent() >= 2)

    set_offset(offset, "+1d")  # a day ahead while it runs
    said = wait_for(lambda: (daemon.health(conf.listen) or {}).get("clock"))
    assert "the clock jumped 1 d ahead" in said
    assert daemon.health(conf.listen)["status"] == "ok"  # type: ignore[index]
    before = sent()
    wait_for(lambda: sent() >= before + 2)  # the sends go on, a day ahead

    set_offset(offset, "+0")  # set right: seen by the safety loop within 30 s
    said = wait_for(
        lambda: "went back" in str((daemon.health(conf.listen) or {}).get("clock")), timeout=45
    )
    before = sent()
    wait_for(lambda: sent() >= before + 2)  # at their real time, not in a day
    assert daemon.stop() == 0

    ran = halfway("export", "--config", str(conf.path))
    assert ran.code == 0, ran.err
    records = json.loads(ran.out)["deliveries"]
    gaps = [d for d in records if d["state"] == "missed"]
    assert [g["reason"] for g in gaps] == ["clock_jumped"] * len(gaps)  # never "not running"
    assert len(gaps) == 1
    assert gaps[0].get("count", 1) < 30  # the day is given back: its fires went out
    fires = [d["scheduled_for"] for d in records if d["state"] != "missed"]
    assert len(fires) == len(set(fires))  # none sent twice
    log = daemon.stderr()
    assert log.count("the clock jumped 1 d ahead") == 1
    assert log.count("the clock went back") == 1
    assert "Traceback" not in log
