"""The outbox, catch-up, pauses and alerts, driven by hand with an injected clock.

Each test calls the daemon's two units of work (`tick`, `drain`) the way the
running service does, against a real store and real loopback servers.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from halfway import config, deliver, status
from halfway.outbox import Outbox, boot_id
from halfway.store import Store

from .conftest import Clock


def make_daemon(tmp_path: Path, body: str, clock: Clock, **channels: str) -> Outbox:
    data = tomllib.loads('timezone = "Europe/Berlin"\n' + body)
    data["data_dir"] = str(tmp_path / "data")
    data["channels"] = channels
    settings = config.build(data, "test config", deliver.url_problem)
    daemon = Outbox(settings, Store(settings.data_dir), clock=clock)
    daemon.start_up()
    return daemon


def run_tick(daemon: Outbox) -> None:
    """What the service does on each wake: decide every nudge, then send what is due."""
    for nudge in daemon.settings.nudges:
        daemon.tick(nudge)
    daemon.drain()


def states(daemon: Outbox) -> list[tuple[str, str]]:
    return [
        (
            datetime.fromisoformat(d["scheduled_for"])
            .astimezone(daemon.settings.tz)
            .strftime("%d %H:%M"),
            d["state"],
        )
        for d in sorted(daemon.store.deliveries(), key=lambda d: d["scheduled_for"])
    ]


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
    assert states(daemon) == [
        ("25 09:00", "missed"),
        ("25 10:00", "missed"),
        ("25 11:00", "missed"),
        ("25 12:00", "missed"),
        ("25 13:00", "late"),
    ]
    assert len(http_receiver.posts()) == 1


QUIET = '[quiet_hours]\nstart = "22:00"\nend = "07:30"\n'


def test_catch_up_waits_for_the_end_of_quiet_hours(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    body = QUIET + EVENING.replace("0 20", "0 21") + 'catch_up = "12h"\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    clock.set("2026-11-26T03:00:00+01:00")  # back at 3 a.m.
    run_tick(daemon)
    assert states(daemon) == []  # nothing sent, nothing decided at 3 a.m.
    assert daemon.next_wake(daemon.settings.nudges[0]) == datetime.fromisoformat(
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
    assert states(daemon) == [
        ("25 20:00", "missed"),
        ("25 20:10", "missed"),
        ("25 20:20", "missed"),
        ("25 20:30", "missed"),
        ("25 20:40", "late"),
    ]


def test_a_clock_that_jumps_back_never_repeats_a_fire(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T19:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:05+01:00")
    run_tick(daemon)
    clock.set("2026-11-25T19:30:00+01:00")  # back half an hour
    run_tick(daemon)
    assert daemon.next_wake(daemon.settings.nudges[0]) == datetime.fromisoformat(
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
        push = daemon.store.deliveries()[0]["channels"]["push"]
        assert push["state"] == "failed"
        retry_at = datetime.fromisoformat(push["next_attempt"])
        waits.append((retry_at - clock()).total_seconds())
        clock.now = retry_at - timedelta(seconds=1)
        assert daemon.drain() == []  # not yet
        clock.now = retry_at
        daemon.drain()
    assert 24 <= waits[0] <= 36
    assert 48 <= waits[1] <= 72
    assert 96 <= waits[2] <= 144
    assert 96 <= waits[3] <= 144  # capped at retry_max (2m), with jitter
    http_receiver.status = 200
    clock.now = datetime.fromisoformat(
        daemon.store.deliveries()[0]["channels"]["push"]["next_attempt"]
    )
    daemon.drain()
    delivery = daemon.store.deliveries()[0]
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
        daemon.drain()
    delivery = daemon.store.deliveries()[0]
    assert delivery["channels"]["push"]["state"] == "gave_up"
    assert delivery["state"] == "failed"
    assert len(http_receiver.posts()) <= 3


def test_a_send_cut_off_by_a_crash_is_sent_again_once_and_marked(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T19:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:00+01:00")
    daemon.tick(daemon.settings.nudges[0])
    dead = {"pid": 2**22 + 12345, "boot": boot_id()}  # above pid_max: no such process
    claimed = daemon.store.claim_sends(clock().isoformat(), dead, "2000-01-01")
    assert claimed[0]["channels"]["push"]["state"] == "sending"
    assert daemon.drain() == []  # a claimed send is not taken twice
    restarted = make_daemon(
        tmp_path, EVENING, clock, push=http_receiver.json_url()
    )  # start_up recovers
    restarted.drain()
    push = restarted.store.deliveries()[0]["channels"]["push"]
    assert push["state"] == "sent"
    assert push["resent_after_crash"] is True
    assert push["attempts"] == 2
    assert len(http_receiver.posts()) == 1


def test_a_send_claimed_by_a_live_process_is_left_alone(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T20:00:00+01:00")
    daemon = make_daemon(
        tmp_path, EVENING.replace("0 20 * * *", "* * * * *"), clock, push=http_receiver.json_url()
    )
    clock.advance(seconds=61)
    daemon.tick(daemon.settings.nudges[0])
    daemon.store.claim_sends(clock().isoformat(), daemon.owner, "2000-01-01")
    assert daemon.store.recover_sends(lambda owner: owner.get("pid") != daemon.owner["pid"]) == 0


def test_paused_fires_are_skipped_and_never_sent_later(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(tmp_path, EVENING, clock, push=http_receiver.json_url())
    daemon.store.pause(["evening"], clock().isoformat(), None)
    clock.set("2026-11-25T20:00:01+01:00")
    run_tick(daemon)
    clock.set("2026-11-26T12:00:00+01:00")
    daemon.store.resume(["evening"], clock().isoformat())
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
    daemon.store.pause(["*"], clock().isoformat(), "2026-11-26T11:00:00+00:00")
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
    assert daemon.check_alerts() == []
    for _ in range(5):
        clock.advance(minutes=40)
        daemon.drain()
        daemon.check_alerts()
    alerts = [m for m in smtp_receiver.messages if b"has not been able to reach" in m.content]
    assert len(alerts) == 1
    assert b"'push'" in alerts[0].content
    assert len(smtp_receiver.messages) == 2  # the nudge itself, and the one alert


def test_heartbeat_pings_the_configured_url(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T19:00:00+01:00")
    daemon = make_daemon(tmp_path, f'heartbeat_url = "{http_receiver.url("/ping/abc")}"\n', clock)
    daemon.heartbeat()
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
    daemon.store.pause(["noon"], clock().isoformat(), None)
    text = status.render(
        daemon.settings, daemon.store.snapshot(), daemon.store.nudge_states(), None, clock()
    )
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
    from halfway import schedule

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
    deliveries = sorted(daemon.store.deliveries(), key=lambda d: d["scheduled_for"])
    assert [d["state"] for d in deliveries] == ["missed", "missed", "late"]
    assert deliveries[0]["stands_for_older"] == 7


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
    daemon.remind()  # a reminder at 12:30
    daemon.send_now(daemon.settings.nudges[0])  # and a test send at 12:30
    clock.set("2026-11-25T14:00:01+01:00")
    run_tick(daemon)
    fires = [s for s in states(daemon)]
    assert ("25 14:00", "sent") in fires  # still on the 11:00 + 3 h rhythm
    assert daemon.store.last_scheduled("every3h") == "2026-11-25T13:00:00+00:00"
