"""The outbox, catch-up, pauses and alerts, driven by hand with an injected clock.

Each test calls the daemon's units of work the way the running service does,
against a real store and real loopback servers.
"""

from __future__ import annotations

import email
import email.policy
import os
from datetime import datetime, timedelta

import pytest

from halfway.cli import status
from halfway.core import cursors, schedule
from halfway.engine.outbox import NONCE, alive, boot_id, me, started
from halfway.store import pauses

from .conftest import Clock
from .engine import deliveries, first_start, make_daemon, run_tick, states

EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'


def test_a_fire_on_time_is_sent_once_and_recorded_sent(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:01+01:00")
    run_tick(daemon)
    run_tick(daemon)  # a second wake finds nothing new
    assert states(daemon) == [("25 20:00", "sent")]
    assert len(http_receiver.posts()) == 1


def test_after_downtime_inside_the_window_the_fire_is_sent_once_marked_late(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    clock.set("2026-11-26T01:30:00+01:00")  # back 5.5 h after the fire; catch_up is 6 h
    run_tick(daemon)
    assert states(daemon) == [("25 20:00", "late")]
    assert len(http_receiver.posts()) == 1


def test_after_downtime_outside_the_window_the_fire_is_missed_not_sent(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    clock.set("2026-11-26T02:30:00+01:00")  # 6.5 h late
    run_tick(daemon)
    assert states(daemon) == [("25 20:00", "missed")]
    assert http_receiver.posts() == []


def test_several_missed_fires_coalesce_into_the_latest(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T08:00:00+01:00")
    body = '[[nudges]]\nid = "hourly"\nkind = "custom"\nevery = "1h"\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T13:30:00+01:00")
    run_tick(daemon)
    assert states(daemon) == [("25 09:00", "missed×4"), ("25 13:00", "late")]
    [gap] = [d for d in deliveries(daemon) if d["state"] == "missed"]
    assert gap["last_scheduled"] == "2026-11-25T11:00:00+00:00"  # 12:00 Berlin
    assert "body" not in gap
    assert "link" not in gap
    assert len(http_receiver.posts()) == 1


QUIET = '[quiet_hours]\nstart = "22:00"\nend = "07:30"\n'


def test_catch_up_waits_for_the_end_of_quiet_hours(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    body = QUIET + EVENING.replace("0 20", "0 21") + 'catch_up = "12h"\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    clock.set("2026-11-26T03:00:00+01:00")  # back at 3 a.m.
    run_tick(daemon)
    assert states(daemon) == []  # nothing sent, nothing decided at 3 a.m.
    assert daemon.planner.next_wake(daemon.settings.nudges[0]) == datetime.fromisoformat(
        "2026-11-26T07:30:00+01:00"
    )
    clock.set("2026-11-26T07:30:00+01:00")
    run_tick(daemon)
    assert states(daemon) == [("25 21:00", "late")]
    assert len(http_receiver.posts()) == 1


def test_a_catch_up_that_quiet_hours_push_past_its_window_is_missed(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(
        tmp_path, QUIET + EVENING.replace("0 20", "0 21"), clock, push=http_receiver.json_url()
    )
    clock.set("2026-11-25T23:00:00+01:00")
    run_tick(daemon)
    clock.set("2026-11-26T07:30:00+01:00")
    run_tick(daemon)
    assert states(daemon) == [("25 21:00", "missed")]
    assert http_receiver.posts() == []


def test_a_clock_that_jumps_forward_catches_up_like_a_restart(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T19:59:00+01:00")
    daemon = make_daemon(
        tmp_path,
        EVENING.replace("0 20 * * *", "*/10 * * * *"),
        clock,
        push=http_receiver.json_url(),
    )
    run_tick(daemon)
    clock.advance(minutes=45)  # a suspend, or NTP stepping the clock
    run_tick(daemon)
    assert states(daemon) == [("25 20:00", "missed×4"), ("25 20:40", "late")]


def test_a_clock_that_jumps_back_never_repeats_a_fire(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T19:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:05+01:00")
    run_tick(daemon)
    clock.set("2026-11-25T19:30:00+01:00")  # back half an hour
    run_tick(daemon)
    assert daemon.planner.next_wake(daemon.settings.nudges[0]) == datetime.fromisoformat(
        "2026-11-26T20:00:00+01:00"
    )
    clock.set("2026-11-25T20:00:05+01:00")
    run_tick(daemon)
    assert states(daemon) == [("25 20:00", "sent")]
    assert len(http_receiver.posts()) == 1


def test_only_the_failed_channel_is_retried_with_growing_waits(
    tmp_path, http_receiver, smtp_receiver
) -> None:
    clock = Clock("2026-11-25T19:00:00+01:00")
    body = EVENING + '[outbox]\nretry_first = "30s"\nretry_max = "2m"\n'
    daemon = make_daemon(
        tmp_path, body, clock, push=http_receiver.json_url(), mail=smtp_receiver.url()
    )
    http_receiver.status = 500
    clock.set("2026-11-25T20:00:00+01:00")
    run_tick(daemon)
    waits = []
    for _ in range(4):
        push = deliveries(daemon)[0]["channels"]["push"]
        assert push["state"] == "failed"
        retry_at = datetime.fromisoformat(push["next_attempt"])
        waits.append((retry_at - clock()).total_seconds())
        clock.now = retry_at - timedelta(seconds=1)
        assert daemon.outbox.drain() == []  # not yet
        clock.now = retry_at
        daemon.outbox.drain()
    assert 24 <= waits[0] <= 36
    assert 48 <= waits[1] <= 72
    assert 96 <= waits[2] <= 144
    assert 96 <= waits[3] <= 144  # capped at retry_max (2m), with jitter
    http_receiver.status = 200
    clock.now = datetime.fromisoformat(deliveries(daemon)[0]["channels"]["push"]["next_attempt"])
    daemon.outbox.drain()
    delivery = deliveries(daemon)[0]
    assert delivery["state"] == "sent"
    assert delivery["channels"]["push"]["attempts"] == 6
    assert delivery["channels"]["mail"]["attempts"] == 1
    assert len(smtp_receiver.messages) == 1  # the healthy channel got it once, on time


def test_a_send_that_keeps_failing_is_given_up_after_the_give_up_age(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-25T19:00:00+01:00")
    body = EVENING + '[outbox]\nretry_first = "1h"\nretry_max = "1h"\ngive_up_after = "3h"\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    http_receiver.status = 503
    clock.set("2026-11-25T20:00:00+01:00")
    run_tick(daemon)
    for _ in range(5):
        clock.advance(hours=1, minutes=15)
        daemon.outbox.drain()
    delivery = deliveries(daemon)[0]
    assert delivery["channels"]["push"]["state"] == "gave_up"
    assert delivery["state"] == "failed"
    assert len(http_receiver.posts()) <= 3


def claim_as(daemon, owner: dict) -> list:
    """Claim what is due as another process would: `owner` in the lease."""
    daemon.outbox.owner = owner
    try:
        return daemon.outbox.claim()
    finally:
        daemon.outbox.owner = me()


def test_a_send_cut_off_by_a_crash_is_sent_again_once_and_marked(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T19:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:00+01:00")
    daemon.planner.tick()
    dead = {"pid": 2**22 + 12345, "boot": boot_id(), "nonce": "gone"}  # above pid_max
    claimed = claim_as(daemon, dead)
    assert claimed[0]["channels"]["push"]["state"] == "sending"
    assert daemon.outbox.claim() == []  # a claimed send is not taken twice
    restarted = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    restarted.run_once()  # start_up and every pass recover it
    push = deliveries(restarted)[0]["channels"]["push"]
    assert push["state"] == "sent"
    assert push["resent_after_crash"] is True
    assert push["attempts"] == 2
    assert len(http_receiver.posts()) == 1


def test_a_send_claimed_by_a_live_process_is_left_alone_until_its_lease_runs_out(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-25T19:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:00+01:00")
    daemon.planner.tick()
    parent = os.getppid()  # alive for the whole test, and not us
    claim_as(daemon, {"pid": parent, "boot": boot_id(), "nonce": "x", "started": started(parent)})
    assert daemon.outbox.recover() == 0
    daemon.run_once()
    assert http_receiver.posts() == []
    lease = daemon.settings.send_timeout + timedelta(seconds=61)
    assert daemon.outbox.next_retry() == clock() + lease - timedelta(seconds=1)
    clock.advance(seconds=lease.total_seconds())  # the owner hung past its lease
    daemon.run_once()
    push = deliveries(daemon)[0]["channels"]["push"]
    assert (push["state"], push["resent_after_crash"]) == ("sent", True)
    assert len(http_receiver.posts()) == 1


def test_an_owner_is_dead_when_its_pid_was_reused_or_is_our_own_earlier_life() -> None:
    boot = boot_id()
    me = {"pid": os.getpid(), "boot": boot, "nonce": NONCE, "started": started(os.getpid())}
    assert alive(me)
    # A restart as PID 1 in a container: same pid, another process (another nonce).
    assert not alive({**me, "nonce": "an-earlier-life"})
    parent = os.getppid()
    owner = {"pid": parent, "boot": boot, "nonce": "p", "started": started(parent)}
    assert alive(owner)
    assert not alive({**owner, "started": owner["started"] - 1})  # that pid, reused
    assert not alive({**owner, "boot": "another-boot"})


def test_paused_fires_are_skipped_and_never_sent_later(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    pauses.pause(daemon.store, ["evening"], clock(), None)
    clock.set("2026-11-25T20:00:01+01:00")
    run_tick(daemon)
    clock.set("2026-11-26T12:00:00+01:00")
    pauses.resume(daemon.store, ["evening"], clock())
    run_tick(daemon)
    clock.set("2026-11-26T20:00:01+01:00")
    run_tick(daemon)
    assert states(daemon) == [("25 20:00", "skipped"), ("26 20:00", "sent")]
    assert len(http_receiver.posts()) == 1


def test_a_pause_with_an_end_ends_by_itself_and_all_pauses_every_nudge(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    pauses.pause(daemon.store, ["*"], clock(), datetime.fromisoformat("2026-11-26T12:00+01:00"))
    for day in ("25", "26", "27"):
        clock.set(f"2026-11-{day}T20:00:01+01:00")
        run_tick(daemon)
    assert states(daemon) == [("25 20:00", "skipped"), ("26 20:00", "sent"), ("27 20:00", "sent")]


def test_a_channel_failing_too_long_is_reported_through_another_once(
    tmp_path, http_receiver, smtp_receiver
) -> None:
    clock = Clock("2026-11-25T19:00:00+01:00")
    body = EVENING + '[outbox]\nalert_after = "2h"\nretry_first = "30m"\nretry_max = "30m"\n'
    daemon = make_daemon(
        tmp_path, body, clock, push=http_receiver.json_url(), mail=smtp_receiver.url()
    )
    http_receiver.status = 500
    clock.set("2026-11-25T20:00:00+01:00")
    run_tick(daemon)
    assert daemon.alerts.check() == []
    for _ in range(5):
        clock.advance(minutes=40)
        daemon.outbox.drain()
        daemon.alerts.check()
    alerts = [m for m in smtp_receiver.messages if b"could not reach" in m.content]
    assert len(alerts) == 1
    assert b"'push'" in alerts[0].content
    alert = email.message_from_bytes(alerts[0].content, policy=email.policy.default)
    assert alert["Subject"] == "Reminder"  # discreet: no app's name on it
    for part in alert.walk():
        if part.get_content_maintype() == "text":
            assert "halfway" not in part.get_content().lower()
    assert len(smtp_receiver.messages) == 2  # the nudge itself, and the one alert


def test_heartbeat_pings_the_configured_url(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T19:00:00+01:00")
    daemon = make_daemon(tmp_path, f'heartbeat_url = "{http_receiver.url("/ping/abc")}"\n', clock)
    assert daemon.alerts.heartbeat(None)
    assert [r["path"] for r in http_receiver.requests] == ["/ping/abc"]


def test_status_shows_what_waits_failed_and_was_missed(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    body = (
        EVENING + '[[nudges]]\nid = "noon"\nkind = "custom"\ncron = "0 12 * * *"\ncatch_up = "1h"\n'
    )
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    http_receiver.status = 500
    clock.set("2026-11-25T20:00:01+01:00")
    run_tick(daemon)
    pauses.pause(daemon.store, ["noon"], clock(), None)
    view = daemon.store.view()
    hot = {name: view.records(name) for name in ("deliveries", "nudges", "channels")}
    text = status.render(daemon.settings, hot, None, clock(), daemon.planner.cursor_times())
    assert "halfway is NOT running" in text
    assert "paused: noon until you resume" in text
    assert "evening -> push: failed 1x, next try Wed 2026-11-25 20:00 CET (" in text
    assert "HTTP" in text or "500" in text
    assert "push: never" in text
    assert "missed: noon Wed 2026-11-25 12:00 CET" in text


@pytest.mark.parametrize("count", [3])
def test_missed_fires_beyond_the_examined_limit_are_counted_not_listed(
    tmp_path, http_receiver, count, monkeypatch
) -> None:
    from halfway.core import schedule

    monkeypatch.setattr(schedule, "MAX_DUE", count)
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(
        tmp_path,
        '[[nudges]]\nid = "fast"\nkind = "custom"\nevery = "1m"\n',
        clock,
        push=http_receiver.json_url(),
    )
    clock.advance(minutes=10, seconds=30)
    run_tick(daemon)
    assert states(daemon) == [("25 10:08", "missed×9"), ("25 10:10", "late")]


def test_a_one_off_whose_time_passed_before_the_first_start_is_still_owed(
    tmp_path, http_receiver
) -> None:
    body = '[[nudges]]\nid = "talk-prep"\nkind = "self_regulation"\nat = "2026-11-25T18:00"\n'
    clock = Clock("2026-11-25T19:00:00+01:00")  # first started an hour after it
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    run_tick(daemon)
    assert states(daemon) == [("25 18:00", "late")]
    clock.set("2026-11-25T20:00:00+01:00")
    run_tick(daemon)  # a one-off never fires again
    assert len(http_receiver.posts()) == 1


def test_a_one_off_far_in_the_past_at_first_start_is_recorded_missed(
    tmp_path, http_receiver
) -> None:
    body = '[[nudges]]\nid = "talk-prep"\nkind = "self_regulation"\nat = "2026-11-20T18:00"\n'
    daemon = make_daemon(
        tmp_path, body, Clock("2026-11-25T19:00:00+01:00"), push=http_receiver.json_url()
    )
    run_tick(daemon)
    assert states(daemon) == [("20 18:00", "missed")]
    assert http_receiver.posts() == []


def test_a_manual_send_or_a_reminder_never_moves_the_schedule_or_hides_an_owed_fire(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-25T08:00:00+01:00")
    body = '[[nudges]]\nid = "every3h"\nkind = "custom"\nevery = "3h"\nremind_after = "1h"\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T11:00:01+01:00")
    run_tick(daemon)  # the 11:00 fire
    clock.set("2026-11-25T12:30:00+01:00")
    daemon.planner.remind()  # a reminder at 12:30
    daemon.planner.manual(daemon.settings.nudges[0])  # and a test send at 12:30
    clock.set("2026-11-25T14:00:01+01:00")
    run_tick(daemon)
    fires = [s for s in states(daemon)]
    assert ("25 14:00", "sent") in fires  # still on the 11:00 + 3 h rhythm
    assert daemon.store.view().get("nudges", "every3h")["last"] == "2026-11-25T13:00:00+00:00"


# timing bugs found by trying it as a new user would ------------------------------


def test_a_failed_send_is_not_retried_inside_quiet_hours_but_when_they_end(
    tmp_path, http_receiver, smtp_receiver
) -> None:
    clock = Clock("2026-11-25T21:00:00+01:00")
    body = QUIET + EVENING.replace("0 20", "50 21")
    body += '[outbox]\nalert_after = "10m"\nretry_first = "15m"\n'
    daemon = make_daemon(
        tmp_path, body, clock, push=http_receiver.json_url(), mail=smtp_receiver.url()
    )
    http_receiver.status = 500
    clock.set("2026-11-25T21:50:00+01:00")
    run_tick(daemon)  # fails at 21:50; the retry would be due at about 22:05
    smtp_receiver.messages.clear()
    http_receiver.status = 200
    retry = deliveries(daemon)[0]["channels"]["push"]["next_attempt"]
    assert datetime.fromisoformat(retry) == datetime.fromisoformat("2026-11-26T07:30:00+01:00")
    clock.set("2026-11-25T23:30:00+01:00")  # the channel is back, but it is night
    run_tick(daemon)
    assert daemon.outbox.claim() == []
    assert daemon.alerts.check() == []  # the failure alert waits for the morning too
    assert daemon.outbox.next_retry() == datetime.fromisoformat("2026-11-26T07:30:00+01:00")
    assert len(http_receiver.posts()) == 1
    clock.set("2026-11-26T07:30:00+01:00")
    run_tick(daemon)
    assert deliveries(daemon)[0]["state"] == "sent"
    assert len(http_receiver.posts()) == 2


def test_pending_sends_after_a_restart_wait_for_the_end_of_quiet_hours(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-25T21:00:00+01:00")
    body = QUIET + EVENING.replace("0 20", "59 21")
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T21:59:50+01:00")
    assert daemon.planner.tick()  # recorded at 21:59:50, then the daemon went down
    clock.set("2026-11-25T23:00:00+01:00")
    restarted = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    restarted.run_once()
    assert http_receiver.posts() == []
    assert restarted.outbox.next_retry() == datetime.fromisoformat("2026-11-26T07:30:00+01:00")


def test_editing_a_schedule_and_reloading_invents_no_history(tmp_path, http_receiver) -> None:
    weekly = '[[nudges]]\nid = "review"\nkind = "pattern_review"\ncron = "0 18 * * sun"\n'
    clock = Clock("2026-11-22T17:00:00+01:00")  # a Sunday
    daemon = make_daemon(tmp_path, weekly, clock, push=http_receiver.json_url())
    clock.set("2026-11-22T18:00:01+01:00")
    run_tick(daemon)
    clock.set("2026-11-25T12:00:00+01:00")  # Wednesday: changed to every day at 09:00
    edited = make_daemon(
        tmp_path, weekly.replace("0 18 * * sun", "0 9 * * *"), clock, push=http_receiver.json_url()
    )
    edited.run_once()
    # no Monday or Tuesday missed, none late; Monday 08:00 is the weekly digest
    assert states(edited) == [("22 18:00", "sent"), ("23 08:00", "sent")]
    assert edited.planner.next_wake(edited.settings.nudges[0]) == datetime.fromisoformat(
        "2026-11-26T09:00:00+01:00"
    )
    clock.set("2026-11-26T09:00:01+01:00")
    edited.run_once()
    assert states(edited)[-1] == ("26 09:00", "sent")


def test_what_upcoming_shows_for_an_every_nudge_is_when_it_fires(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T21:33:42+01:00")
    body = '[[nudges]]\nid = "often"\nkind = "custom"\nevery = "3d"\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    for later in (timedelta(minutes=1), timedelta(hours=5), timedelta(days=1)):
        clock.now += later  # what `upcoming`, `check` and `status` compute, at any later time
        shown = schedule.upcoming(
            daemon.settings.nudges,
            daemon.settings.tz,
            None,
            clock(),
            clock() + timedelta(days=7),
            since=daemon.planner.cursor_times(),
        )
        fires = daemon.planner.next_wake(daemon.settings.nudges[0])
        assert shown[0].due_at == fires == datetime.fromisoformat("2026-11-28T21:33:42+01:00")


def test_a_pause_stored_with_a_local_offset_is_resumed() -> None:
    # halfway 0.1 stored `--until` with the local offset; instants compare as instants.
    row = {"id": "evening", "since": "2026-11-25T10:00:00+00:00", "pauses": []}
    row["pauses"] = [{"from": "2026-11-25T15:00:00+00:00", "until": "2026-11-25T20:30:00-05:00"}]
    now = datetime.fromisoformat("2026-11-25T16:00:00-05:00")  # 21:00 UTC: still paused
    changed, ended = cursors.resumed(row, now)
    assert ended == 1
    assert changed["pauses"][0]["until"] == "2026-11-25T21:00:00+00:00"


# the reason a send failed ------------------------------------------------------


def test_a_failed_send_keeps_the_servers_own_reason_and_never_the_password(
    halfway, config_file, smtp_receiver, caplog
) -> None:
    # The loopback server offers no AUTH; the URL has a user and password, so apprise
    # tries to log in. It logs only "Connection error …" as a warning, the why at DEBUG.
    password = "s3cretPassw0rd"
    url = smtp_receiver.url().replace("mailto://", f"mailto://halfway:{password}@")
    written = config_file(EVENING, server=True, channels={"mail": url})
    path = str(written.path)
    first_start(written.data_dir)
    reason = "SMTP AUTH extension not supported by server"

    sent = halfway("--debug", "send", "evening", "--config", path)
    assert sent.code == 1
    assert reason in sent.out  # in the send's own result line
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("halfway"))
    assert reason in logged  # and in halfway's log line
    shown = halfway("status", "--config", path)
    assert shown.code == 3  # no daemon runs
    assert "evening -> mail: failed 1x, next try" in shown.out
    channels = shown.out.split("last successful send per channel:")[1]
    assert "  mail: never\n    failing since " in channels
    assert reason in channels  # the channel's health keeps it too
    assert smtp_receiver.messages == []
    for text in (sent.out, sent.err, logged, shown.out, shown.err):
        assert password not in text
    assert written.data_dir is not None
    for stored in written.data_dir.rglob("*"):
        if stored.is_file():
            assert password.encode() not in stored.read_bytes(), stored.name
