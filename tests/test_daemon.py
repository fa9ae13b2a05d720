"""The real `halfway run` process: channels down and up, downtime, crashes, pause, reload, systemd."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from halfway.core import cursors
from halfway.store.database import Store

from .conftest import free_port, wait_for


def at(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat(timespec="seconds")


FAST_RETRY = '[outbox]\nretry_first = "1s"\nretry_max = "1s"\n'


def one_off(seconds_from_now: float, kind: str = "gesture_log", catch_up: str = "6h") -> str:
    """A nudge that fires once, `seconds_from_now` from now (negative: in the past)."""
    when = at(timedelta(seconds=seconds_from_now))
    return f'[[nudges]]\nid = "once"\nkind = "{kind}"\nat = "{when}"\ncatch_up = "{catch_up}"\n'


def export(halfway, path: Path) -> dict:
    ran = halfway("export", "--config", str(path))
    assert ran.code == 0, ran.err
    return json.loads(ran.out)


def test_a_push_channel_down_then_up_gets_the_nudge_once_after_recovery(
    config_file, http_receiver, smtp_receiver, start_daemon, halfway
) -> None:
    http_receiver.status = 500
    written = config_file(
        FAST_RETRY + one_off(2),
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url(), "mail": smtp_receiver.url()},
    )
    path = written.path
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: len(http_receiver.posts()) >= 2)  # failing, and retried
    assert len(smtp_receiver.messages) == 1  # the healthy channel: once, on time
    http_receiver.status = 200
    failures = len(http_receiver.posts())
    wait_for(lambda: export(halfway, path)["deliveries"][0]["state"] == "sent")
    daemon.quiet(written.listen, 2.5)  # two more retry periods: nothing more may arrive
    assert daemon.stop() == 0
    assert len(http_receiver.posts()) == failures + 1  # exactly one success after recovery
    assert len(smtp_receiver.messages) == 1
    delivery = export(halfway, path)["deliveries"][0]
    assert delivery["channels"]["push"]["attempts"] == failures + 1
    assert delivery["channels"]["mail"]["attempts"] == 1


def test_a_mail_server_stopped_then_started_gets_the_nudge_once(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    port = free_port()
    written = config_file(
        FAST_RETRY + one_off(2),
        server=True,
        send_timeout="5s",
        channels={
            "push": http_receiver.json_url(),
            "mail": f"mailto://127.0.0.1:{port}?from=halfway@example.net&to=me@example.net",
        },
    )
    path = written.path
    daemon = start_daemon("--config", str(path))
    wait_for(
        lambda: (
            export(halfway, path)["deliveries"]
            and export(halfway, path)["deliveries"][0]["channels"]["mail"]["attempts"] >= 2
        )
    )
    assert len(http_receiver.posts()) == 1

    class Inbox:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        wait_for(lambda: inbox.messages)
        daemon.quiet(written.listen, 2.5)  # two more retry periods: nothing more may arrive
    finally:
        smtp.stop()
    assert daemon.stop() == 0
    assert len(inbox.messages) == 1
    assert len(http_receiver.posts()) == 1
    assert export(halfway, path)["deliveries"][0]["state"] == "sent"


def seed_since(data: Path, nudge_id: str, ago: timedelta) -> None:
    """As if the daemon had planned this nudge `ago` and then been down since."""
    with Store(data).transaction() as tx:
        tx.put("nudges", cursors.fresh(nudge_id, datetime.now(UTC) - ago))


def test_restarted_inside_the_window_the_missed_fire_is_sent_once_late(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    written = config_file(
        one_off(-1800, "boundary", "1h"),
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    path = written.path
    seed_since(written.data_dir, "once", timedelta(hours=1))
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: http_receiver.posts())
    daemon.quiet(written.listen, 1)
    assert daemon.stop() == 0
    assert len(http_receiver.posts()) == 1
    [delivery] = export(halfway, path)["deliveries"]
    assert delivery["state"] == "late"
    assert "late" in daemon.stderr()


def test_restarted_outside_the_window_the_fire_is_missed_and_not_sent(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    written = config_file(
        one_off(-7200, "boundary", "1h"),
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    path, listen = written.path, written.listen
    seed_since(written.data_dir, "once", timedelta(hours=3))
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: daemon.health(listen))
    wait_for(lambda: export(halfway, path)["deliveries"])
    assert daemon.stop() == 0
    assert http_receiver.posts() == []
    assert [d["state"] for d in export(halfway, path)["deliveries"]] == ["missed"]


def test_several_fires_missed_while_down_coalesce_into_one_late_send(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    written = config_file(
        '[[nudges]]\nid = "often"\nkind = "custom"\nevery = "10m"\ncatch_up = "1h"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    path = written.path
    seed_since(written.data_dir, "often", timedelta(minutes=65))
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: http_receiver.posts())
    daemon.quiet(written.listen, 1)
    assert daemon.stop() == 0
    states = [
        (d["state"], d.get("count", 1))
        for d in sorted(export(halfway, path)["deliveries"], key=lambda d: d["scheduled_for"])
    ]
    assert states == [("missed", 5), ("late", 1)]  # one record for the gap, with its count
    assert len(http_receiver.posts()) == 1


def test_restarted_during_quiet_hours_nothing_is_sent_until_they_end(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    berlin = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    start, end = (
        (berlin - timedelta(hours=2)).strftime("%H:%M"),
        (berlin + timedelta(hours=2)).strftime("%H:%M"),
    )
    written = config_file(
        f'[quiet_hours]\nstart = "{start}"\nend = "{end}"\n' + one_off(-1800, "boundary", "6h"),
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    path, listen = written.path, written.listen
    seed_since(written.data_dir, "once", timedelta(hours=1))
    daemon = start_daemon("--config", str(path))
    # the first tick may not have planned yet when /healthz first answers, on a busy machine
    health = wait_for(lambda: (h := daemon.health(listen)) and h.get("next_fire") and h)
    daemon.quiet(listen, 1.5)
    assert daemon.stop() == 0
    assert http_receiver.posts() == []
    assert export(halfway, path)["deliveries"] == []  # decided when quiet hours end, not now
    assert health["next_fire"].startswith((berlin + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))


# Every step of a fire, in order: the empty data file and the reply key's id made at
# the first start, the cursor, the fire recorded, the send claimed, the send itself,
# and its outcome recorded (writes 1-6; the send between).
KILL_POINTS = [
    *(f"{step}:{n}" for n in range(1, 7) for step in ("write", "written")),
    "send:1",
    "sent:1",
]


@pytest.mark.parametrize("kill", KILL_POINTS)
def test_a_kill_at_any_step_of_a_fire_loses_it_never_and_doubles_it_only_mid_send(
    config_file, http_receiver, start_daemon, halfway, kill
) -> None:
    written = config_file(
        one_off(-3, "custom") + 'reply = "none"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    path, data, listen = written.path, written.data_dir, written.listen
    first = start_daemon("--config", str(path), env={"HALFWAY_TEST_KILL": kill})
    assert first.proc.wait(30) == -signal.SIGKILL
    for file in (data / "halfway.json",):
        assert not file.exists() or json.loads(file.read_text())  # always parses
    again = start_daemon("--config", str(path))
    wait_for(lambda: again.health(listen))
    wait_for(
        lambda: [d["state"] for d in export(halfway, path)["deliveries"]] in (["sent"], ["late"])
    )
    assert again.stop() == 0
    [delivery] = export(halfway, path)["deliveries"]  # recorded once, whatever the kill
    push = delivery["channels"]["push"]
    received = len(http_receiver.posts())
    if kill in ("sent:1", "write:6"):  # it left, and the process died before noting it
        assert (received, push["resent_after_crash"]) == (2, True)
    else:  # claimed and cut off before it left: sent once, marked; else plainly once
        assert received == 1
        assert push.get("resent_after_crash", False) == (kill in ("written:5", "send:1"))


def test_kills_while_an_every_nudge_runs_lose_no_fire_and_record_none_twice(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    written = config_file(
        '[[nudges]]\nid = "fast"\nkind = "custom"\nevery = "1s"\nreply = "none"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    path, listen = written.path, written.listen
    for kill in ("written:3", "write:5", "sent:2", "written:6", "send:3", "write:4"):
        daemon = start_daemon("--config", str(path), env={"HALFWAY_TEST_KILL": kill})
        assert daemon.proc.wait(30) == -signal.SIGKILL
    final = start_daemon("--config", str(path))
    wait_for(lambda: final.health(listen))
    wait_for(lambda: len(http_receiver.posts()) >= 8)
    assert final.stop() == 0
    deliveries = export(halfway, path)["deliveries"]
    fires = sorted(
        (d for d in deliveries if d["state"] != "missed"), key=lambda d: d["scheduled_for"]
    )
    times = [datetime.fromisoformat(d["scheduled_for"]) for d in deliveries]
    assert len(times) == len(set(times)), "a fire was recorded twice"
    sent = [d for d in fires if d["state"] in ("sent", "late")]
    resent = sum(1 for d in deliveries if d["channels"]["push"].get("resent_after_crash"))
    assert len(sent) <= len(http_receiver.posts()) <= len(sent) + resent
    # No gap: each fire follows the one before by 1 s, or a missed record spans the gap.
    covered = sorted(
        (
            datetime.fromisoformat(d["scheduled_for"]),
            datetime.fromisoformat(d.get("last_scheduled", d["scheduled_for"])),
        )
        for d in deliveries
    )
    for (_, end), (start, _) in pairwise(covered):
        assert (start - end).total_seconds() == 1.0


def test_pause_survives_a_restart_and_resume_starts_sending_again(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    written = config_file(
        '[[nudges]]\nid = "tick"\nkind = "custom"\nevery = "1s"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    path, listen = written.path, written.listen
    assert halfway("pause", "tick", "--config", str(path)).code == 0
    assert "paused: tick until you resume" in halfway("check", "--config", str(path)).out
    daemon = start_daemon("--config", str(path))

    def skipped() -> int:
        return len([d for d in export(halfway, path)["deliveries"] if d["state"] == "skipped"])

    # 60 s: the container test's build can hold both cores while this daemon starts
    wait_for(lambda: skipped() >= 2, timeout=60)
    assert daemon.stop() == 0
    daemon = start_daemon("--config", str(path))  # still paused after a restart
    started = wait_for(lambda: daemon.health(listen))
    before = skipped()
    # Two passes more than at its first answer (so one begun after it), each at a fire
    # of `tick`, and a fire decided as skipped since: what they sent would be seen.
    wait_for(
        lambda: (
            (health := daemon.health(listen))
            and health["passes"] >= started["passes"] + 2
            and skipped() > before
        )
    )
    assert http_receiver.posts() == []
    assert halfway("resume", "tick", "--config", str(path)).code == 0
    wait_for(lambda: http_receiver.posts())
    assert daemon.stop() == 0
    deliveries = export(halfway, path)["deliveries"]
    assert len([d for d in deliveries if d["state"] == "sent"]) == len(http_receiver.posts())


def test_reload_adds_a_nudge_and_an_invalid_config_is_refused(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    channels = {"push": http_receiver.json_url()}
    slow = '[[nudges]]\nid = "slow"\nkind = "custom"\ncron = "0 3 1 1 *"\n'
    written = config_file(slow, server=True, send_timeout="5s", channels=channels)
    path, listen = written.path, written.listen
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: daemon.health(listen))
    config_file(
        slow + '[[nudges]]\nid = "new"\nkind = "custom"\nevery = "1s"\n',
        server=listen,
        send_timeout="5s",
        channels=channels,
    )
    ran = halfway("reload", "--config", str(path))
    assert ran.code == 0, ran.err
    wait_for(lambda: http_receiver.posts())
    assert daemon.health(listen)["nudges"] == 2

    path.write_text(
        path.read_text() + '[[nudges]]\nid = "bad"\nkind = "custom"\ncron = "99 * * * *"\n'
    )
    daemon.proc.send_signal(signal.SIGHUP)
    wait_for(lambda: "reload refused" in daemon.stderr())
    count = len(http_receiver.posts())
    wait_for(lambda: len(http_receiver.posts()) > count + 1)  # the old config keeps running
    assert daemon.health(listen)["nudges"] == 2
    assert "nudges[2].cron: '99 * * * *' is not a valid cron expression" in daemon.stderr()
    assert daemon.stop() == 0


def test_reload_without_a_daemon_says_so(config_file, halfway) -> None:
    path = config_file(server=True, send_timeout="5s").path
    ran = halfway("reload", "--config", str(path))
    assert ran.code == 1
    assert "no daemon is running" in ran.err


def test_a_second_daemon_on_the_same_data_is_refused(config_file, start_daemon) -> None:
    written = config_file(server=True, send_timeout="5s")
    path, listen = written.path, written.listen
    first = start_daemon("--config", str(path))
    wait_for(lambda: first.health(listen))
    second = start_daemon("--config", str(path))
    assert second.proc.wait(20) == 1
    assert "another halfway daemon is already running on this data" in second.stderr()
    assert first.stop() == 0


def test_status_tells_up_or_down_and_what_waits(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    http_receiver.status = 500
    path = config_file(
        one_off(1), server=True, send_timeout="5s", channels={"push": http_receiver.json_url()}
    ).path
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: http_receiver.posts())
    ran = halfway("status", "--config", str(path))
    assert ran.code == 0
    assert ran.out.startswith("halfway is running (pid ")
    assert "once -> push: failed 1x, next try" in ran.out
    assert "push: never" in ran.out
    assert daemon.stop() == 0
    down = halfway("status", "--config", str(path))
    assert down.code == 3
    assert down.out.startswith("halfway is NOT running")


def test_the_daemon_tells_systemd_ready_watchdog_and_stopping(
    config_file, start_daemon, tmp_path
) -> None:
    written = config_file(server=True, send_timeout="5s")
    path, listen = written.path, written.listen
    address = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(15)
    daemon = start_daemon(
        "--config", str(path), env={"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "200000"}
    )
    seen: list[str] = []
    while not {"READY=1", "WATCHDOG=1"} <= set(seen):
        seen.append(sock.recv(256).decode())
    assert daemon.health(listen)  # READY came once the web server was up
    daemon.proc.send_signal(signal.SIGTERM)
    while "STOPPING=1" not in seen:
        seen.append(sock.recv(256).decode())
    assert daemon.proc.wait(10) == 0
    sock.close()
    assert seen.index("READY=1") < seen.index("STOPPING=1")
    assert seen.count("WATCHDOG=1") >= 1


UNIT = Path(__file__).resolve().parent.parent / "systemd" / "halfway.service"


def systemd_analyze(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(
    not Path("/usr/bin/systemd-analyze").exists() and not os.environ.get("CI"),
    reason="systemd-analyze is installed by .ci/run",
)
@pytest.mark.parametrize("name", ["halfway.service", "halfway-user.service"])
def test_the_units_pass_systemd_analyze_verify(tmp_path, name) -> None:
    # verify wants ExecStart to exist: point a copy at a real file
    unit = tmp_path / name
    text = (UNIT.parent / name).read_text()
    unit.write_text(
        text.replace("/opt/halfway/venv/bin/halfway", "/bin/true").replace(
            "%h/.local/share/halfway/venv/bin/halfway", "/bin/true"
        )
    )
    ran = systemd_analyze("verify", str(unit))
    problems = [line for line in (ran.stdout + ran.stderr).splitlines() if name in line]
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert not problems, problems


@pytest.mark.skipif(
    not Path("/usr/bin/systemd-analyze").exists() and not os.environ.get("CI"),
    reason="systemd-analyze is installed by .ci/run",
)
def test_the_unit_exposure_score_is_two_or_lower() -> None:
    ran = systemd_analyze("security", "--offline=true", str(UNIT))
    assert ran.returncode == 0, ran.stderr
    line = next(line for line in ran.stdout.splitlines() if "Overall exposure level" in line)
    score = float(line.split("level for halfway.service:")[1].split()[0])
    assert score <= 2.0, ran.stdout


def test_status_is_not_fooled_by_another_halfway_on_the_same_port(
    config_file, start_daemon, halfway, tmp_path
) -> None:
    written = config_file(server=True)
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: daemon.health(written.listen))
    other = tmp_path / "other.toml"  # the same port, another data folder
    other.write_text(
        written.path.read_text().replace(str(written.data_dir), str(tmp_path / "elsewhere"))
    )
    ran = halfway("status", "--config", str(other))
    assert ran.code == 3
    assert ran.out.startswith(f"halfway is NOT running on {tmp_path / 'elsewhere'}")
    assert halfway("status", "--config", str(written.path)).code == 0
    assert daemon.stop() == 0
