"""The wall clock and the monotonic one: a jump is not downtime, and a reboot is no reason
to skip the start-up compaction."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from typing import Any

from halfway.channels import sending
from halfway.channels.sending import ChannelResult
from halfway.config import loader
from halfway.engine import daemon as daemon_module
from halfway.engine.daemon import Daemon
from halfway.store.database import Store

from .conftest import Clock, config_text
from .engine import make_daemon

# Take no reply, so halfway never eases off them: every fire it owes is sent.
EVERY_MINUTE = '[[nudges]]\nid = "m"\nkind = "custom"\ncron = "* * * * *"\nreply = "none"\n'
CHANNELS = {"push": "json://127.0.0.1:9/never-reached"}


def test_compaction_runs_at_start_on_a_machine_booted_a_minute_ago(tmp_path) -> None:
    # Monotonic time counts from boot: one minute after a reboot it reads about 60.
    clock = Clock("2026-12-01T10:00:00+00:00")
    daemon = make_daemon(tmp_path, EVERY_MINUTE, clock)
    daemon.monotonic = lambda: 60.0
    compactions: list[object] = []
    daemon.store.compact = lambda now: compactions.append(now) or 0  # type: ignore[method-assign]
    daemon.maybe_compact()
    assert compactions == [clock()]
    daemon.maybe_compact()  # and not again until COMPACT_EVERY has passed
    assert len(compactions) == 1
    daemon.monotonic = lambda: 60.0 + daemon_module.COMPACT_EVERY.total_seconds()
    daemon.maybe_compact()
    assert len(compactions) == 2


# a wall clock that jumps while halfway runs --------------------------------------------

EVERY_TEN = '[[nudges]]\nid = "ten"\nkind = "custom"\nevery = "10s"\nreply = "none"\n'
BOTH = EVERY_TEN + EVERY_MINUTE


class Mono:
    """A monotonic clock a test moves by hand, beside the wall clock it moves too."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def running(tmp_path: Any, body: str, clock: Clock, mono: Mono) -> Daemon:
    data = tomllib.loads(config_text(body, data_dir=tmp_path / "data", channels=CHANNELS))
    settings = loader.build(data, "test config", sending.url_problem)
    store = Store(settings.data_dir, clock=clock)
    daemon = Daemon(settings, store, clock=clock, send=quiet_send, monotonic=mono)
    daemon.start_up()
    return daemon


def quiet_send(channels: dict[str, Any], *args: Any, **kwargs: Any) -> dict[str, ChannelResult]:
    return {name: ChannelResult(True) for name in channels}


def passes(daemon: Daemon, clock: Clock, mono: Mono, seconds: int) -> None:
    """Run as the daemon does for `seconds` of real time: a pass every 10 s."""
    for _ in range(seconds // 10):
        clock.advance(seconds=10)
        mono.now += 10
        daemon.run_once()


def gaps_of(daemon: Daemon) -> list[dict[str, Any]]:
    found = daemon.store.view().records("deliveries")
    return sorted(
        (d for d in found if d["state"] == "missed"),
        key=lambda d: (d["nudge_id"], d["scheduled_for"]),
    )


def sent_times(daemon: Daemon, nudge_id: str, day: str) -> list[str]:
    """The fires of `nudge_id` sent for `day`, as times of day."""
    return sorted(
        d["scheduled_for"][11:19]
        for d in daemon.store.view().records("deliveries")
        if d["nudge_id"] == nudge_id and is_sent(d) and d["scheduled_for"].startswith(day)
    )


def test_a_clock_a_day_ahead_is_one_gap_per_nudge_that_says_the_clock_jumped(tmp_path) -> None:
    clock, mono = Clock("2026-12-01T10:00:00+00:00"), Mono()
    daemon = running(tmp_path, BOTH, clock, mono)
    passes(daemon, clock, mono, 60)
    assert gaps_of(daemon) == []
    clock.advance(days=1, seconds=5)  # NTP, or `date -s`: a day ahead while it runs
    mono.now += 5
    daemon.run_once()
    gaps = gaps_of(daemon)
    assert [(g["nudge_id"], g["count"], g["reason"], g["why"]) for g in gaps] == [
        ("m", 1439, "clock_jumped", "the clock jumped"),
        ("ten", 8639, "clock_jumped", "the clock jumped"),
    ]
    assert [g["last_scheduled"] for g in gaps] == [
        "2026-12-02T10:00:00+00:00",
        "2026-12-02T10:00:50+00:00",
    ]
    # the latest fire of each inside its catch-up window still goes out, as today's
    assert "2026-12-02T10:01:00+00:00" in {
        d["scheduled_for"] for d in daemon.store.view().records("deliveries")
    }
    assert "the clock jumped 1 d ahead" in (daemon.watch.said() or "")


def test_downtime_is_still_downtime(tmp_path) -> None:
    # The same day away with halfway not running: missed, "not running", as before.
    clock, mono = Clock("2026-12-01T10:00:00+00:00"), Mono()
    daemon = running(tmp_path, EVERY_TEN, clock, mono)
    passes(daemon, clock, mono, 30)
    clock.advance(days=1)
    restarted = running(tmp_path, EVERY_TEN, clock, Mono())
    restarted.run_once()
    assert [(g["count"], g["reason"]) for g in gaps_of(restarted)] == [(8639, "down")]
    assert restarted.watch.said() is None


def real_time(mono: Mono) -> str:
    """The wall clock as it should read: the start, and the monotonic time since."""
    start = datetime.fromisoformat("2026-12-01T10:00:00+00:00")
    return (start + timedelta(seconds=mono.now - 1000)).isoformat()


def test_after_a_clock_set_back_the_fires_not_sent_go_out_at_their_real_time(tmp_path) -> None:
    clock, mono = Clock("2026-12-01T10:00:00+00:00"), Mono()
    daemon = running(tmp_path, BOTH, clock, mono)
    passes(daemon, clock, mono, 60)
    clock.advance(days=1, seconds=5)
    mono.now += 5
    daemon.run_once()
    passes(daemon, clock, mono, 40)  # 45 s a day ahead, then set right
    clock.set(real_time(mono))  # 10:01:45 on the 1st
    mono.now += 0.5
    daemon.run_once()
    assert "the clock went back 1 d" in (daemon.watch.said() or "")
    # what the jump passed over and is now in the past stays one record; the rest is given back
    gaps = gaps_of(daemon)
    assert [(g["nudge_id"], g["scheduled_for"], g.get("count", 1)) for g in gaps] == [
        ("ten", "2026-12-01T10:01:10+00:00", 4)
    ]
    assert gaps[0]["last_scheduled"] == "2026-12-01T10:01:40+00:00"
    passes(daemon, clock, mono, 120)  # to 10:03:45: every fire on time, none missed
    assert gaps_of(daemon) == gaps
    assert sent_times(daemon, "m", "2026-12-01") == ["10:01:00", "10:02:00", "10:03:00"]
    ten = [f"10:0{n // 6}:{n % 6}0" for n in range(1, 23)]  # 10:00:10 … 10:03:40
    assert sent_times(daemon, "ten", "2026-12-01") == [
        t for t in ten if not "10:01:05" < t < "10:01:45"
    ]


def test_a_clock_set_back_never_repeats_a_fire_it_sent(tmp_path) -> None:
    clock, mono = Clock("2026-12-01T10:00:00+00:00"), Mono()
    daemon = running(tmp_path, BOTH, clock, mono)
    passes(daemon, clock, mono, 30)
    clock.advance(minutes=3)  # three minutes ahead for half a minute, then set right
    mono.now += 0.5
    daemon.run_once()
    passes(daemon, clock, mono, 30)
    ahead = {(d["nudge_id"], d["scheduled_for"]) for d in records(daemon) if is_sent(d)}
    assert ("m", "2026-12-01T10:03:00+00:00") in ahead
    clock.set(real_time(mono))
    passes(daemon, clock, mono, 300)  # real time runs past what was sent ahead
    fires = [(d["nudge_id"], d["scheduled_for"]) for d in records(daemon) if not d.get("count")]
    assert len(fires) == len(set(fires))  # no fire recorded twice
    sent = {(n, t) for n, t in fires}
    minute = [f"2026-12-01T10:0{m}:00+00:00" for m in range(1, 6)]
    assert all(("m", t) in sent for t in minute)  # each minute once, ahead or on time
    assert [g["reason"] for g in gaps_of(daemon)] == ["clock_jumped"] * len(gaps_of(daemon))


def records(daemon: Daemon) -> list[dict[str, Any]]:
    return daemon.store.view().records("deliveries")


def is_sent(delivery: dict[str, Any]) -> bool:
    return delivery["state"] in ("sent", "late")


def test_a_failed_send_after_a_clock_set_back_is_retried_after_its_wait_not_the_jump() -> None:
    from halfway.core import deliveries

    now = datetime.fromisoformat("2026-12-01T10:00:00+00:00")
    ahead = now + timedelta(days=1)  # it failed while the clock read a day ahead
    send = {
        "state": "failed",
        "attempts": 1,
        "finished_at": ahead.isoformat(),
        "next_attempt": (ahead + timedelta(seconds=30)).isoformat(),
    }
    assert deliveries.send_due(send, now)
    assert deliveries.next_attempt([{"channels": {"push": send}}], now) == now
    on_time = {**send, "finished_at": now.isoformat(), "next_attempt": "2026-12-01T10:00:30+00:00"}
    assert not deliveries.send_due(on_time, now)  # an ordinary retry waits its wait


def test_a_jump_of_a_day_measured_a_hair_short_reads_a_day() -> None:
    from halfway.core.clockjump import Jump

    seen = datetime.fromisoformat("2026-12-02T10:00:00+00:00")
    jump = Jump(seen, timedelta(seconds=86_399.6), 0.0)  # the two clocks read a moment apart
    assert jump.words().startswith("the clock jumped 1 d ahead at 2026-12-02T10:00:00+00:00")
    back = Jump(seen, -timedelta(hours=1, seconds=0.3), 0.0)
    assert back.words().startswith("the clock went back 1 h at")


def test_the_digest_s_mark_left_ahead_by_a_clock_set_back_holds_back_no_digest(tmp_path) -> None:
    digest = '[digest]\ncron = "0 8 * * mon"\nchannels = ["push"]\n'
    clock, mono = Clock("2026-12-07T07:59:00+01:00"), Mono()  # a Monday, a minute before
    daemon = running(tmp_path, EVERY_MINUTE + digest, clock, mono)
    with daemon.store.transaction() as tx:  # as a clock three days ahead had left it
        tx.set_meta({"digest": {"checked": "2026-12-10T08:00:00+01:00", "week": "2026-W49"}})
    daemon.run_once()
    assert daemon.digest.next_wake() == datetime.fromisoformat("2026-12-07T08:00:00+01:00")
    clock.advance(minutes=1, seconds=5)
    mono.now += 65
    daemon.run_once()
    digests = [d for d in records(daemon) if d["nudge_id"].startswith("digest:")]
    assert [d["nudge_id"] for d in digests] == ["digest:2026-W49"]


def test_a_talk_s_steps_left_out_by_a_clock_ahead_go_out_at_their_time(tmp_path) -> None:
    from zoneinfo import ZoneInfo

    from halfway.talks import planning

    clock, mono = Clock("2026-12-03T12:00:00+01:00"), Mono()
    daemon = running(tmp_path, EVERY_MINUTE, clock, mono)
    talk_at = datetime(2026, 12, 3, 19, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    talk = planning.add(daemon.store, daemon.settings, talk_at, None, clock())
    steps = lambda: {  # noqa: E731
        e["kind"]: e["state"] for e in daemon.store.view().get("talks", talk["id"])["chain"]
    }
    assert steps()["self_regulation"] == "planned"
    clock.advance(days=1)  # a day ahead: the talk seems to have begun
    mono.now += 1
    daemon.run_once()
    assert steps()["self_regulation"] == "left_out"
    clock.set("2026-12-03T12:00:02+01:00")  # set right
    mono.now += 1
    daemon.run_once()
    assert steps()["self_regulation"] == "planned"
    clock.set("2026-12-03T18:00:05+01:00")
    mono.now += 6 * 3600
    daemon.run_once()
    assert steps()["self_regulation"] == "sent"
    sent = [d["kind"] for d in records(daemon) if d.get("talk_id") and is_sent(d)]
    assert len(sent) == len(set(sent))  # no step twice


def test_a_slow_drift_between_the_clocks_is_no_jump() -> None:
    from halfway.core.clockjump import Watch

    wall, mono = Clock("2026-12-01T10:00:00+00:00"), Mono()
    watch = Watch(wall, mono)
    for _ in range(240):  # two hours of looks every 30 s; NTP slews the wall clock 10 ms
        wall.advance(seconds=29.99)
        mono.now += 30
        assert watch.look() is None
    wall.advance(seconds=33)
    mono.now += 30
    assert watch.look() is not None  # 3 s in one look is a jump
