"""End to end: the real `halfway run` process, real HTTP and SMTP servers on loopback."""

from __future__ import annotations

import email.policy
import json
import re
import signal
import stat
import time
from email import message_from_bytes

from halfway.words import discretion

from .conftest import free_port, wait_for

WORDS = "Was there one small kindness today? Even a tiny one counts."


# Sent every second to push and mail; the tests put `discreet = …` before it.
KINDNESS = f"""
[[nudges]]
id = "tiny-kindness"
kind = "gesture_log"
every = "1s"
channels = ["push", "mail"]
text = "{WORDS}"
"""


def test_the_daemon_sends_records_serves_health_and_stops_cleanly(
    config_file, http_receiver, smtp_receiver, start_daemon, halfway
) -> None:
    # A password in the push URL: it must reach the server and never the log.
    push_url = f"json://halfway:s3cretPassw0rd@127.0.0.1:{http_receiver.port}/hook"
    written = config_file(
        "discreet = false\n" + KINDNESS,
        server=True,
        channels={"push": push_url, "mail": smtp_receiver.url()},
    )
    path, listen = str(written.path), written.listen
    daemon = start_daemon("--config", path)

    # on a busy machine /healthz can answer between two passes before one has planned
    health = wait_for(lambda: (h := daemon.health(listen)) and h.get("next_fire") and h)
    assert health["status"] == "ok"
    assert health["version"] == "0.1.0"
    assert isinstance(health["outbox_pending"], int)

    wait_for(lambda: len(http_receiver.requests) >= 3 and len(smtp_receiver.messages) >= 3)

    started = time.monotonic()
    code = daemon.stop(signal.SIGTERM)
    assert code == 0
    assert time.monotonic() - started < 5

    pushed = http_receiver.bodies()
    assert all(
        body["message"].startswith(WORDS + "\n\nReply: http://" + listen + "/r/d_")
        for body in pushed
    )
    assert all(body["title"] == "A small moment today?" for body in pushed)
    assert http_receiver.requests[0]["headers"]["Authorization"].startswith("Basic ")
    mail = message_from_bytes(smtp_receiver.messages[0].content)
    assert mail["Subject"] == "A small moment today?"
    assert WORDS in next(
        p.get_payload(decode=True).decode()
        for p in mail.walk()
        if p.get_content_type() == "text/plain"
    )

    ran = halfway("export", "--format", "json", "--config", path)
    assert ran.code == 0, ran.err
    export = json.loads(ran.out)
    assert export["schema_version"] == 2
    deliveries = export["deliveries"]
    sent = [d for d in deliveries if d["state"] == "sent"]
    # Each delivery reached each channel exactly once: counts match what the servers saw.
    assert len(sent) == len(http_receiver.requests) == len(smtp_receiver.messages)
    assert len({d["scheduled_for"] for d in deliveries}) == len(deliveries)
    for delivery in sent:
        assert delivery["nudge_id"] == "tiny-kindness"
        assert delivery["kind"] == "gesture_log"
        assert delivery["scheduled_for"].endswith("+01:00")  # Europe/Berlin in November
        for name in ("push", "mail"):
            result = delivery["channels"][name]
            assert result["state"] == "sent"
            assert result["attempts"] == 1
            assert result["error"] is None
            assert result["sent_at"].endswith("+01:00")

    log = daemon.stderr()
    assert "fire tiny-kindness (gesture_log)" in log
    assert "sent " in log
    assert "to push" in log
    assert "to mail" in log
    assert "stopped" in log
    assert "s3cretPassw0rd" not in log
    assert "Traceback" not in log


def test_a_channel_that_fails_is_recorded_per_channel_with_its_error(
    config_file, http_receiver, smtp_receiver, start_daemon, halfway
) -> None:
    http_receiver.status = 500
    path = str(
        config_file(
            "discreet = false\n" + KINDNESS,
            server=True,
            channels={"push": http_receiver.json_url(), "mail": smtp_receiver.url()},
        ).path
    )
    daemon = start_daemon("--config", path)
    wait_for(lambda: len(http_receiver.requests) >= 2 and len(smtp_receiver.messages) >= 2)
    assert daemon.stop() == 0
    delivery = json.loads(halfway("export", "--config", path).out)["deliveries"][0]
    assert delivery["state"] == "pending"  # waiting for the push channel's retry
    assert delivery["channels"]["mail"]["state"] == "sent"
    assert delivery["channels"]["push"]["state"] == "failed"
    assert "500" in delivery["channels"]["push"]["error"]
    assert (
        delivery["channels"]["push"]["next_attempt"] > delivery["channels"]["push"]["finished_at"]
    )
    assert "send" in daemon.stderr()
    assert "to push failed" in daemon.stderr()


def test_the_daemon_refuses_a_bad_config_with_exit_2(config_file, start_daemon) -> None:
    path = config_file('[[nudges]]\nid = "x"\nkind = "custom"\ncron = "61 * * * *"\n').path
    daemon = start_daemon("--config", str(path))
    assert daemon.proc.wait(20) == 2
    assert daemon.stderr().strip() == (
        f"{path}: nudges[0].cron: '61 * * * *' is not a valid cron expression (minute must be 0-59)"
    )


def test_a_busy_port_is_a_clear_error(config_file, start_daemon) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        listen = f"127.0.0.1:{taken.getsockname()[1]}"
        config = config_file(server=listen)
        daemon = start_daemon("--config", str(config.path))
        assert daemon.proc.wait(20) == 2
    assert f"server.listen: cannot listen on {listen}" in daemon.stderr()
    assert "is another halfway running?" in daemon.stderr()
    assert "Traceback" not in daemon.stderr()
    assert config.data_dir is not None
    assert not config.data_dir.exists()  # no secret.key, no halfway.json left behind


def test_the_demo_runs_with_no_config_and_no_account(tmp_path, start_daemon) -> None:
    listen = f"127.0.0.1:{free_port()}"
    daemon = start_daemon(
        "--demo", "--data-dir", str(tmp_path / "demo"), env={"HALFWAY_SERVER__LISTEN": listen}
    )
    inbox = tmp_path / "demo" / "demo-inbox.jsonl"
    wait_for(lambda: inbox.exists() and inbox.read_text().strip(), timeout=20)
    pid_file = tmp_path / "demo" / "halfway.pid"
    assert pid_file.read_text() == f"{daemon.proc.pid}\n"
    assert stat.S_IMODE(pid_file.stat().st_mode) == 0o600
    assert daemon.stop() == 0
    assert not pid_file.exists()  # a clean stop leaves no pid behind
    assert (tmp_path / "demo" / "halfway.daemon.lock").exists()  # the lock file stays
    out = daemon.proc.stdout.read()
    assert "halfway demo" in out
    assert "let it run about" in out  # how long to watch for it to ease off
    assert "halfway init" in out  # it says how to add a real channel
    last = out.strip().splitlines()[-1]  # and, on stop, what to do next
    # the next commands as it was started: with `python -m halfway`, by that Python
    assert re.match(
        r"halfway demo stopped\. To use your phone: '\S*python\S* -m halfway init'", last
    )
    assert stat.S_IMODE(inbox.stat().st_mode) == 0o600  # what you are nudged about is yours
    first = json.loads(inbox.read_text().splitlines()[0])
    assert first["title"] == "A small moment today?"
    for line in first["body"].splitlines():  # printed in the terminal, line by line in a box
        assert f"  │ {line}" in out


def test_discreet_mode_keeps_every_word_of_the_nudge_off_the_lock_screen(
    config_file, http_receiver, smtp_receiver, start_daemon
) -> None:
    written = config_file(
        "discreet = true\n" + KINDNESS,
        server=True,
        channels={"push": http_receiver.json_url(), "mail": smtp_receiver.url()},
    )
    path, listen = str(written.path), written.listen
    daemon = start_daemon("--config", path)
    wait_for(lambda: http_receiver.requests and smtp_receiver.messages)
    assert daemon.stop() == 0
    secret_words = {
        "kindness",
        "tiny",
        "counts",
        "one",
    }  # words of the nudge, not of the discreet line
    for body in http_receiver.bodies():
        assert body["title"] == "Reminder"  # the default discreet_title
        first_line = body["message"].splitlines()[0]
        assert first_line == discretion.NUDGE
        assert not secret_words & set(body["message"].lower().split())
        assert f"http://{listen}/r/" in body["message"]  # the words are behind the link
    mail = message_from_bytes(smtp_receiver.messages[0].content, policy=email.policy.default)
    assert mail["Subject"] == "Reminder"
    text = next(
        p.get_payload(decode=True).decode()
        for p in mail.walk()
        if p.get_content_type() == "text/plain"
    )
    assert "kindness" not in text.lower()


def test_the_daemon_pings_start_then_the_plain_heartbeat(
    config_file, http_receiver, start_daemon
) -> None:
    ping = http_receiver.url("/ping/abc")
    config = config_file(f'heartbeat_url = "{ping}"\n', server=True)
    daemon = start_daemon("--config", str(config.path))
    wait_for(lambda: len(http_receiver.requests) >= 2)
    assert daemon.stop() == 0
    paths = [r["path"] for r in http_receiver.requests]
    assert paths[:2] == ["/ping/abc/start", "/ping/abc"]
