"""Planned talks, wired end to end: a talk plans its chain, the planner records each step
when it comes due, the outbox sends it; moving and cancelling change what is sent.

The engine tests drive the daemon's units of work with an injected clock and send
for real to a loopback HTTP receiver; the CLI tests run `halfway talk …` in-process.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from halfway.core.instants import parse_instant
from halfway.talks import planning, rules

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick

BERLIN = ZoneInfo("Europe/Berlin")
# Words in the message (not discreet), so each step's title shows which kind went out.
OPEN = "discreet = false\n"
TITLES = {
    rules.CLARITY_ASK: "One small, clear ask",
    rules.REFRAME: "An invitation, not a problem",
    rules.SELF_REGULATION: "A calm minute for you",
}


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def sent_kinds(daemon) -> list[tuple[str, str]]:
    """(kind, local 'Thu 19:00' it was scheduled for) of every step delivery, in order."""
    return [
        (d["kind"], parse_instant(d["scheduled_for"]).astimezone(BERLIN).strftime("%a %H:%M"))
        for d in deliveries(daemon)
        if d.get("talk_id")
    ]


def tick_at(daemon, clock: Clock, moment: str) -> None:
    clock.set(moment)
    run_tick(daemon)


def talk_wake(daemon) -> datetime | None:
    """When the daemon wakes for the talks' steps (`daemon.plan` takes the earliest wake)."""
    return daemon.planner.next_fires().get("talk:")


def talk_of(daemon, talk_id: str) -> dict:
    talk = daemon.store.view().get("talks", talk_id)
    assert talk is not None
    return talk


# the chain, step by step -------------------------------------------------------------


def test_a_talk_sends_each_step_of_its_chain_at_its_time(tmp_path, http_receiver) -> None:
    clock = Clock("2026-12-01T10:00:00+01:00")  # a Tuesday
    daemon = make_daemon(tmp_path, OPEN, clock, push=http_receiver.json_url())
    talk = planning.add(
        daemon.store, daemon.settings, berlin("2026-12-03T19:00"), "weekend time", clock()
    )
    assert [e["state"] for e in talk["chain"]] == ["planned"] * 4
    # The daemon wakes for the first step: the evening before, at 19:00.
    assert talk_wake(daemon) == berlin("2026-12-02T19:00")

    run_tick(daemon)
    tick_at(daemon, clock, "2026-12-02T18:59:00+01:00")
    assert sent_kinds(daemon) == []
    assert http_receiver.posts() == []

    tick_at(daemon, clock, "2026-12-02T19:00:00+01:00")
    assert sent_kinds(daemon) == [("clarity_ask", "Wed 19:00")]
    assert talk_wake(daemon) == berlin("2026-12-02T19:30")
    tick_at(daemon, clock, "2026-12-02T19:30:00+01:00")
    tick_at(daemon, clock, "2026-12-03T17:59:00+01:00")
    assert len(sent_kinds(daemon)) == 2
    tick_at(daemon, clock, "2026-12-03T18:00:00+01:00")
    tick_at(daemon, clock, "2026-12-03T21:00:00+01:00")
    assert sent_kinds(daemon) == [
        ("clarity_ask", "Wed 19:00"),
        ("reframe", "Wed 19:30"),
        ("self_regulation", "Thu 18:00"),
        ("talk_reflection", "Thu 21:00"),
    ]
    assert talk_wake(daemon) is None  # nothing left to wake for

    # Each went out, once, to the real receiver, in order, with its kind's words.
    bodies = http_receiver.bodies()
    assert [b["title"] for b in bodies[:3]] == list(TITLES.values())
    assert len(bodies) == 4
    assert all("/r/d_" in b["message"] for b in bodies)  # every step takes a reply
    steps = deliveries(daemon)
    assert all(d["state"] == "sent" and d["talk_id"] == talk["id"] for d in steps)
    assert [d["nudge_id"] for d in steps] == [
        rules.step_id(talk["id"], kind) for kind, _ in sent_kinds(daemon)
    ]
    # The talk's record says which delivery each step became.
    chain = talk_of(daemon, talk["id"])["chain"]
    assert [e["state"] for e in chain] == ["sent"] * 4
    assert [e["delivery_id"] for e in chain] == [d["id"] for d in steps]


def test_moving_a_talk_moves_the_steps_not_yet_sent(tmp_path, http_receiver) -> None:
    clock = Clock("2026-12-01T10:00:00+01:00")
    daemon = make_daemon(tmp_path, OPEN, clock, push=http_receiver.json_url())
    talk = planning.add(daemon.store, daemon.settings, berlin("2026-12-03T19:00"), None, clock())
    tick_at(daemon, clock, "2026-12-02T19:00:00+01:00")  # the clarity ask goes out
    clock.set("2026-12-02T19:10:00+01:00")
    moved = planning.move(
        daemon.store, daemon.settings, talk["id"], berlin("2026-12-05T19:00"), clock()
    )
    assert [h["state"] for h in moved["history"]] == ["planned", "moved"]

    for moment in ("2026-12-02T19:30", "2026-12-03T18:00", "2026-12-03T21:00"):
        tick_at(daemon, clock, moment + ":00+01:00")  # the old times: nothing goes
    assert sent_kinds(daemon) == [("clarity_ask", "Wed 19:00")]
    for moment in ("2026-12-04T19:00", "2026-12-04T19:30", "2026-12-05T18:00", "2026-12-05T21:00"):
        tick_at(daemon, clock, moment + ":00+01:00")
    # A step goes out at most once per talk: the clarity ask is not asked again.
    assert sent_kinds(daemon) == [
        ("clarity_ask", "Wed 19:00"),
        ("reframe", "Fri 19:30"),
        ("self_regulation", "Sat 18:00"),
        ("talk_reflection", "Sat 21:00"),
    ]
    assert len(http_receiver.posts()) == 4


def moved_chain(daemon, talk_id: str, when: str, now: str) -> dict[str, str]:
    """Move the talk at `now` to `when`; each step as kind -> 'state local-time' (or the
    reason a step was left out)."""
    moved = planning.move(daemon.store, daemon.settings, talk_id, berlin(when), berlin(now))
    return {
        e["kind"]: e.get("reason")
        or f"{e['state']} {parse_instant(e['due_at']).astimezone(BERLIN).strftime('%a %d %H:%M %Z')}"
        for e in moved["chain"]
    }


def test_moving_a_talk_to_half_an_hour_ahead_leaves_out_the_evening_and_grounds_now(
    tmp_path,
) -> None:
    clock = Clock("2026-12-02T12:00:00+01:00")  # a Wednesday
    daemon = make_daemon(tmp_path, "", clock, push="json://127.0.0.1:9/x")
    talk = planning.add(daemon.store, daemon.settings, berlin("2026-12-05T19:00"), None, clock())
    too_close = "the talk is less than 2 hours away, too close for this one"
    assert moved_chain(daemon, talk["id"], "2026-12-02T12:30", "2026-12-02T12:00") == {
        "clarity_ask": too_close,
        "reframe": too_close,
        "self_regulation": "planned Wed 02 12:00 CET",  # at once
        "talk_reflection": "planned Wed 02 14:30 CET",
    }


def test_moving_a_talk_to_tomorrow_morning_sends_tonights_passed_steps_at_once(tmp_path) -> None:
    clock = Clock("2026-12-02T12:00:00+01:00")
    daemon = make_daemon(tmp_path, "", clock, push="json://127.0.0.1:9/x")
    talk = planning.add(daemon.store, daemon.settings, berlin("2026-12-05T19:00"), None, clock())
    assert moved_chain(daemon, talk["id"], "2026-12-03T10:00", "2026-12-02T20:00") == {
        "clarity_ask": "planned Wed 02 20:00 CET",
        "reframe": "planned Wed 02 20:00 CET",
        "self_regulation": "planned Thu 03 09:00 CET",
        "talk_reflection": "planned Thu 03 12:00 CET",
    }


def test_a_step_left_out_at_short_notice_comes_back_when_the_talk_moves_further_ahead(
    tmp_path,
) -> None:
    clock = Clock("2026-12-02T12:00:00+01:00")
    daemon = make_daemon(tmp_path, "", clock, push="json://127.0.0.1:9/x")
    talk = planning.add(daemon.store, daemon.settings, berlin("2026-12-02T12:30"), None, clock())
    assert [e["state"] for e in talk["chain"]][:2] == ["left_out", "left_out"]
    clock.set("2026-12-02T12:05:00+01:00")
    assert [d["kind"] for d in daemon.planner.tick_talks()] == ["self_regulation"]
    sent = talk_of(daemon, talk["id"])["chain"]

    chain = moved_chain(daemon, talk["id"], "2026-12-05T19:00", "2026-12-02T12:05")
    assert chain["clarity_ask"] == "planned Fri 04 19:00 CET"
    assert chain["reframe"] == "planned Fri 04 19:30 CET"
    assert chain["talk_reflection"] == "planned Sat 05 21:00 CET"
    # The step already sent stays as it was, with its delivery: it is not sent again.
    kept = [e for e in talk_of(daemon, talk["id"])["chain"] if e["kind"] == "self_regulation"]
    assert kept == [e for e in sent if e["kind"] == "self_regulation"]
    assert kept[0]["state"] == "sent"


def test_moving_a_talk_across_a_change_keeps_the_evening_at_its_wall_time(tmp_path) -> None:
    clock = Clock("2026-10-20T12:00:00+02:00")
    daemon = make_daemon(tmp_path, "", clock, push="json://127.0.0.1:9/x")
    talk = planning.add(daemon.store, daemon.settings, berlin("2026-10-28T19:00"), None, clock())
    # The clocks go back in the night before Sunday 25 October: the evening steps stay
    # at 19:00 summer time, the hour before the talk is elapsed time in winter time.
    assert moved_chain(daemon, talk["id"], "2026-10-25T19:00", "2026-10-20T12:00") == {
        "clarity_ask": "planned Sat 24 19:00 CEST",
        "reframe": "planned Sat 24 19:30 CEST",
        "self_regulation": "planned Sun 25 18:00 CET",
        "talk_reflection": "planned Sun 25 21:00 CET",
    }
    moved = talk_of(daemon, talk["id"])["chain"]
    assert parse_instant(moved[0]["due_at"]) == datetime(2026, 10, 24, 17, 0, tzinfo=UTC)


def test_cancelling_a_talk_cancels_its_chain_and_a_step_not_yet_out(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-12-01T10:00:00+01:00")
    daemon = make_daemon(tmp_path, OPEN, clock, push=http_receiver.json_url())
    talk = planning.add(daemon.store, daemon.settings, berlin("2026-12-03T19:00"), None, clock())
    tick_at(daemon, clock, "2026-12-02T19:00:00+01:00")  # the clarity ask goes out
    clock.set("2026-12-02T19:30:00+01:00")
    recorded = daemon.planner.tick_talks()  # the reframe is recorded, not yet sent
    assert [d["kind"] for d in recorded] == ["reframe"]

    cancelled = planning.cancel(daemon.store, talk["id"], clock())
    assert cancelled["state"] == "cancelled"
    assert [(e["kind"], e["state"]) for e in cancelled["chain"]] == [
        ("clarity_ask", "sent"),
        ("reframe", "cancelled"),
        ("self_regulation", "cancelled"),
        ("talk_reflection", "cancelled"),
    ]
    assert talk_wake(daemon) is None
    for moment in ("2026-12-02T19:31", "2026-12-03T18:00", "2026-12-03T21:00"):
        tick_at(daemon, clock, moment + ":00+01:00")
    assert len(http_receiver.posts()) == 1  # the clarity ask only
    reframe = daemon.store.view().get("deliveries", recorded[0]["id"])
    assert reframe is not None
    assert reframe["channels"]["push"]["state"] == "cancelled"


def test_a_step_in_quiet_hours_waits_for_their_end_or_is_left_out(tmp_path) -> None:
    quiet = '[quiet_hours]\nstart = "22:00"\nend = "07:30"\n'
    clock = Clock("2026-12-01T10:00:00+01:00")
    daemon = make_daemon(tmp_path, quiet, clock, push="json://127.0.0.1:9/x")
    settings = daemon.settings

    def chain(talk_at: str) -> dict[str, str]:
        steps = planning.plan_steps(berlin(talk_at), clock(), settings)
        return {
            e["kind"]: e.get("reason")
            or parse_instant(e["due_at"]).astimezone(BERLIN).strftime("%a %H:%M")
            for e in steps
        }

    # 08:00: self-regulation (07:00) waits for 07:30, still before the talk.
    assert chain("2026-12-03T08:00")["self_regulation"] == "Thu 07:30"
    # 07:20: by the end of quiet hours the talk has begun: left out, and why.
    assert chain("2026-12-03T07:20")["self_regulation"] == planning.QUIET_TOO_LONG
    # 21:00: the reflection (23:00) waits for the morning.
    assert chain("2026-12-03T21:00")["talk_reflection"] == "Fri 07:30"

    planning.add(daemon.store, settings, berlin("2026-12-03T21:00"), None, clock())
    clock.set("2026-12-03T23:00:00+01:00")
    assert daemon.planner.tick_talks() == []
    clock.set("2026-12-04T07:30:00+01:00")
    assert [d["kind"] for d in daemon.planner.tick_talks()] == ["talk_reflection"]


def test_a_step_whose_talk_has_begun_is_left_out_not_sent(tmp_path) -> None:
    """The daemon was down over a step's time and comes back after the talk began."""
    clock = Clock("2026-12-01T10:00:00+01:00")
    daemon = make_daemon(tmp_path, "", clock, push="json://127.0.0.1:9/x")
    talk = planning.add(daemon.store, daemon.settings, berlin("2026-12-03T19:00"), None, clock())
    clock.set("2026-12-03T19:05:00+01:00")
    assert [d["kind"] for d in daemon.planner.tick_talks()] == []
    states = {
        e["kind"]: (e["state"], e.get("reason")) for e in talk_of(daemon, talk["id"])["chain"]
    }
    assert states["self_regulation"] == ("left_out", planning.BEGUN)
    assert states["clarity_ask"] == ("left_out", planning.BEGUN)
    assert states["talk_reflection"] == ("planned", None)


# the command line ---------------------------------------------------------------------


@freeze_time("2026-12-03T16:30:00Z")  # 17:30 in Berlin
def test_a_talk_half_an_hour_ahead_sends_self_regulation_at_once(
    tmp_path, halfway, config_file, http_receiver
) -> None:
    path = str(config_file(OPEN, channels={"push": http_receiver.json_url()}).path)
    ran = halfway("talk", "add", "today 18:00", "--topic", "the holidays", "--config", path)
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0].startswith("planned talk t_")
    assert "Thu 2026-12-03 18:00 CET, about “the holidays”" in lines[0]
    too_close = "left out: the talk is less than 2 hours away, too close for this one"
    assert lines[1:] == [
        f"  clarity_ask      {too_close}",
        f"  reframe          {too_close}",
        "  self_regulation  sends now",
        "  talk_reflection  Thu 2026-12-03 20:00 CET",
        "note: halfway is not running right now; these nudges go out once it runs",
    ]

    # The next pass of the daemon sends it, for real.
    clock = Clock("2026-12-03T17:30:00+01:00")
    daemon = make_daemon(tmp_path, OPEN, clock, push=http_receiver.json_url())
    run_tick(daemon)
    assert sent_kinds(daemon) == [("self_regulation", "Thu 17:30")]
    assert [b["title"] for b in http_receiver.bodies()] == [TITLES["self_regulation"]]


def test_talk_commands_refuse_bad_input_with_one_line_and_exit_2(halfway, config_file) -> None:
    path = str(config_file().path)
    ran = halfway("talk", "add", "next blue moon", "--config", path)
    assert ran.code == 2
    assert ran.err.count("\n") == 1
    assert "WHEN: 'next blue moon' is not a time halfway can read; try 'sat 19:00'" in ran.err
    assert halfway("talk", "list", "--config", path).out.startswith("no talks planned yet")
    ran = halfway("talk", "move", "t_nope", "tomorrow 19:00", "--config", path)
    assert (ran.code, ran.err.count("\n")) == (2, 1)
    assert "no talk 't_nope'" in ran.err
    assert halfway("talk", "cancel", "t_nope", "--config", path).code == 2
    assert halfway("talk", "done", "--config", path).code == 2  # ID missing
    added = halfway("talk", "add", "in 2 days 18:00", "--config", path)
    talk_id = added.out.split()[2].rstrip(":")
    assert halfway("talk", "cancel", talk_id, "--config", path).code == 0
    ran = halfway("talk", "move", talk_id, "in 3 days 18:00", "--config", path)
    assert ran.code == 2
    assert f"talk {talk_id} was cancelled, so it cannot be moved" in ran.err
    assert "Traceback" not in ran.err


@freeze_time("2026-12-01T09:00:00Z")
def test_upcoming_lists_the_chain_among_the_nudges(halfway, config_file) -> None:
    evening = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
    path = str(config_file(evening, channels={"push": "json://127.0.0.1:9/x"}).path)
    added = halfway("talk", "add", "2026-12-03 19:00", "--topic", "us", "--config", path)
    talk_id = added.out.split()[2].rstrip(":")
    ran = halfway("upcoming", "--days", "3", "--config", path)
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[:7] == [
        "Tue 2026-12-01 20:00 CET  evening (gesture_log)",
        f"Wed 2026-12-02 19:00 CET  talk {talk_id} (clarity_ask) about “us”",
        f"Wed 2026-12-02 19:30 CET  talk {talk_id} (reframe) about “us”",
        "Wed 2026-12-02 20:00 CET  evening (gesture_log)",
        f"Thu 2026-12-03 18:00 CET  talk {talk_id} (self_regulation) about “us”",
        "Thu 2026-12-03 20:00 CET  evening (gesture_log)",
        f"Thu 2026-12-03 21:00 CET  talk {talk_id} (talk_reflection) about “us”",
    ]
    assert halfway("talk", "cancel", talk_id, "--config", path).code == 0
    assert "talk " not in halfway("upcoming", "--days", "3", "--config", path).out


def test_the_export_holds_the_talk_with_its_moves_and_chain(halfway, config_file) -> None:
    path = str(config_file().path)
    with freeze_time("2026-12-01T09:00:00Z"):
        added = halfway("talk", "add", "2026-12-03 19:00", "--topic", "us", "--config", path)
        talk_id = added.out.split()[2].rstrip(":")
        moved = halfway("talk", "move", talk_id, "2026-12-05 18:30", "--config", path)
        assert moved.code == 0, moved.err
        assert moved.out.startswith(f"moved talk {talk_id} to Sat 2026-12-05 18:30 CET")
        listed = halfway("talk", "list", "--config", path).out
        assert listed.startswith(f"{talk_id}  planned (moved 1×)  Sat 2026-12-05 18:30 CET")
        export = json.loads(halfway("export", "--format", "json", "--config", path).out)
    [talk] = export["talks"]
    assert talk["id"] == talk_id
    assert talk["at"] == "2026-12-05T18:30:00+01:00"
    assert talk["topic"] == "us"
    assert talk["state"] == "planned"
    assert talk["history"][1] == {
        "state": "moved",
        "at": "2026-12-01T10:00:00+01:00",
        "from": "2026-12-03T19:00:00+01:00",
        "to": "2026-12-05T18:30:00+01:00",
    }
    assert [(e["kind"], e["due_at"]) for e in talk["chain"]] == [
        ("clarity_ask", "2026-12-04T19:00:00+01:00"),
        ("reframe", "2026-12-04T19:30:00+01:00"),
        ("self_regulation", "2026-12-05T17:30:00+01:00"),
        ("talk_reflection", "2026-12-05T20:30:00+01:00"),
    ]


def test_unknown_talk_channels_are_reported_like_the_nudges(halfway, config_file) -> None:
    path = str(config_file('[talks]\nchannels = ["pager"]\n', channels={"push": "json://h/x"}).path)
    ran = halfway("check", "--config", path)
    assert ran.code == 2
    assert "talks.channels: no channel named 'pager' in [channels]" in ran.err


def test_a_talk_goes_only_to_its_configured_channels(tmp_path, http_receiver) -> None:
    clock = Clock("2026-12-03T17:30:00+01:00")
    body = OPEN + '[talks]\nchannels = ["push"]\nself_regulation_before = "10m"\n'
    daemon = make_daemon(
        tmp_path, body, clock, push=http_receiver.json_url(), other="json://127.0.0.1:9/x"
    )
    planning.add(daemon.store, daemon.settings, berlin("2026-12-03T18:00"), None, clock())
    assert talk_wake(daemon) == berlin("2026-12-03T17:50")
    tick_at(daemon, clock, "2026-12-03T17:50:00+01:00")
    [step] = deliveries(daemon)
    assert list(step["channels"]) == ["push"]
    assert (
        step["expires_at"]
        == (berlin("2026-12-03T17:50") + timedelta(days=1)).astimezone(UTC).isoformat()
    )


def test_a_talk_marked_done_early_keeps_only_its_reflection(tmp_path, http_receiver) -> None:
    clock = Clock("2026-12-01T10:00:00+01:00")
    daemon = make_daemon(tmp_path, OPEN, clock, push=http_receiver.json_url())
    talk = planning.add(daemon.store, daemon.settings, berlin("2026-12-03T19:00"), None, clock())
    clock.set("2026-12-02T12:00:00+01:00")  # it happened sooner than planned
    finished = planning.done(daemon.store, talk["id"], clock())
    assert finished["state"] == "done"
    assert [(e["kind"], e["state"]) for e in finished["chain"]] == [
        ("clarity_ask", "cancelled"),
        ("reframe", "cancelled"),
        ("self_regulation", "cancelled"),
        ("talk_reflection", "planned"),
    ]
    for moment in ("2026-12-02T19:00", "2026-12-02T19:30", "2026-12-03T18:00", "2026-12-03T21:00"):
        tick_at(daemon, clock, moment + ":00+01:00")
    assert sent_kinds(daemon) == [("talk_reflection", "Thu 21:00")]
    assert len(http_receiver.posts()) == 1


@freeze_time("2026-12-01T09:00:00Z")
def test_talk_done_and_cancel_say_what_follows(halfway, config_file) -> None:
    path = str(config_file().path)
    first = halfway("talk", "add", "2026-12-03 19:00", "--config", path).out.split()[2][:-1]
    second = halfway("talk", "add", "2026-12-04 19:00", "--config", path).out.split()[2][:-1]
    ran = halfway("talk", "done", first, "--early", "--config", path)  # before its time
    assert ran.code == 0, ran.err
    assert ran.out == (
        f"well done for showing up: talk {first} is marked done;"
        " the reflection comes Thu 2026-12-03 21:00 CET\n"
    )
    ran = halfway("talk", "cancel", second, "--config", path)
    assert ran.out == f"cancelled talk {second}; 4 nudges of its chain will not be sent\n"
    assert halfway("talk", "done", first, "--early", "--config", path).code == 2  # already done
    listed = halfway("talk", "list", "--all", "--config", path).out.splitlines()
    assert listed[0].startswith(f"{second}  cancelled")  # no planned talk: latest first
    assert any(line.startswith(f"{first}  done") for line in listed)


def test_a_talks_finished_steps_leave_the_hot_file_like_any_delivery(
    tmp_path, http_receiver
) -> None:
    """Each step has a nudge id of its own; the keep-the-last-fires rule (for back-off)
    must not keep every step of every talk in the hot file forever."""
    clock = Clock("2026-12-01T10:00:00+01:00")
    daemon = make_daemon(tmp_path, OPEN, clock, push=http_receiver.json_url())
    planning.add(daemon.store, daemon.settings, berlin("2026-12-03T19:00"), None, clock())
    for moment in ("2026-12-02T19:00", "2026-12-02T19:30", "2026-12-03T18:00", "2026-12-03T21:00"):
        tick_at(daemon, clock, f"{moment}:00+01:00")
    assert len(sent_kinds(daemon)) == 4
    moved = daemon.store.compact(berlin("2027-01-10T10:00"))
    assert moved >= 4
    hot = daemon.store.view().records("deliveries")
    assert [d for d in hot if d.get("talk_id")] == []
    assert len(sent_kinds(daemon)) == 4  # still there, in the archive
