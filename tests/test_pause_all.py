"""Pause everything pauses everything: reminders, "later" re-asks, a planned talk's steps,
the care notes and the digest, as well as the fires. Nothing due inside the pause is sent,
then or after it; what falls after it goes out as usual. The daemon's units of work with
an injected clock, sending for real to a loopback HTTP receiver."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from halfway.core import reasons
from halfway.store import pauses
from halfway.talks import planning, rules

from .conftest import Clock
from .engine import deliveries, first_id, make_daemon, reply, run_tick, states

BERLIN = ZoneInfo("Europe/Berlin")
OPEN = "discreet = false\n"  # the words in the message, so each post says what it was
BOUNDARY = '[[nudges]]\nid = "b"\nkind = "boundary"\ncron = "0 20 * * *"\n'
GESTURES = '[[nudges]]\nid = "g"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def pause_all(daemon, start: str, until: str | None = None) -> None:
    pauses.pause(daemon.store, ["*"], berlin(start), berlin(until) if until else None)


def tick_at(daemon, clock: Clock, moment: str) -> None:
    clock.set(berlin(moment).isoformat())
    run_tick(daemon)


def asked_again(daemon) -> list[tuple[str, str, str]]:
    """(local time, state, why) of every reminder and re-ask, in order."""
    return [
        (
            datetime.fromisoformat(d["scheduled_for"]).astimezone(BERLIN).strftime("%H:%M"),
            d["state"],
            d.get("why") or d["reason"],
        )
        for d in deliveries(daemon)
        if d.get("reminder_of")
    ]


def test_a_reminder_due_inside_a_pause_of_everything_is_never_sent(
    tmp_path, http_receiver, halfway, config_file
) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    body = OPEN + BOUNDARY + 'remind_after = "1h"\nremind_max = 1\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    tick_at(daemon, clock, "2026-11-25 20:00:01")
    assert len(http_receiver.posts()) == 1
    pause_all(daemon, "2026-11-25 20:30")  # until resumed
    clock.set(berlin("2026-11-25 21:00:02").isoformat())
    assert daemon.planner.next_reminder() == clock()  # due now: the pass decides it
    run_tick(daemon)
    assert asked_again(daemon) == [("21:00", "skipped", "a reminder, not sent: paused then")]
    [held] = [d for d in deliveries(daemon) if d.get("reminder_of")]
    assert (held["reason"], held["asks_again"]) == (reasons.PAUSED, "remind")
    # Recorded once, then nothing more to wake for: the daemon does not spin on it.
    assert daemon.planner.next_reminder() is None
    wake = daemon.plan()
    assert wake is not None
    assert wake > clock()
    run_tick(daemon)
    pauses.resume(daemon.store, ["*"], berlin("2026-11-25 21:30"))
    for moment in ("2026-11-25 21:30:01", "2026-11-25 22:00:05", "2026-11-25 23:00:05"):
        tick_at(daemon, clock, moment)
    assert len(http_receiver.posts()) == 1  # not saved up for after the pause
    assert len(asked_again(daemon)) == 1
    path = str(config_file(body, channels={"push": http_receiver.json_url()}).path)
    told = halfway("history", "--since", "2026-11-25", "--config", path)
    assert "21:00  b (boundary): skipped (a reminder, not sent: paused then)" in told.out


def test_a_pause_drops_only_the_reminders_inside_it(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    body = OPEN + BOUNDARY + 'remind_after = "1h"\nremind_max = 2\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    tick_at(daemon, clock, "2026-11-25 20:00:01")
    pause_all(daemon, "2026-11-25 20:30", "2026-11-25 21:30")
    tick_at(daemon, clock, "2026-11-25 21:00:02")
    tick_at(daemon, clock, "2026-11-25 22:00:02")
    tick_at(daemon, clock, "2026-11-25 23:00:02")
    assert [(when, state) for when, state, _ in asked_again(daemon)] == [
        ("21:00", "skipped"),  # inside the pause: dropped
        ("22:00", "sent"),  # the second reminder, at its own time after the pause
    ]
    assert len(http_receiver.posts()) == 2


def test_a_later_re_ask_inside_a_pause_of_everything_is_never_sent(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    body = OPEN + BOUNDARY + 'snooze = "45m"\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    tick_at(daemon, clock, "2026-11-25 20:00:01")
    clock.set(berlin("2026-11-25 20:10").isoformat())
    reply(daemon, first_id(daemon), "later", clock)
    pause_all(daemon, "2026-11-25 20:30", "2026-11-25 21:30")
    tick_at(daemon, clock, "2026-11-25 20:55:01")
    assert asked_again(daemon) == [
        ("20:55", "skipped", "the re-ask after “later”, not sent: paused then")
    ]
    assert daemon.planner.next_reminder() is None
    for moment in ("2026-11-25 21:30:01", "2026-11-25 22:30:00"):
        tick_at(daemon, clock, moment)
    assert len(http_receiver.posts()) == 1


def test_a_reminder_kept_back_by_quiet_hours_into_a_pause_is_dropped(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    body = OPEN + '[quiet_hours]\nstart = "22:00"\nend = "07:30"\n' + BOUNDARY
    body += 'remind_after = "3h"\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    tick_at(daemon, clock, "2026-11-25 20:00:01")
    pause_all(daemon, "2026-11-26 07:00", "2026-11-26 09:00")  # due 23:00, would go 07:30
    tick_at(daemon, clock, "2026-11-26 07:30:01")
    tick_at(daemon, clock, "2026-11-26 09:30:00")
    assert [state for _, state, _ in asked_again(daemon)] == ["skipped"]
    assert len(http_receiver.posts()) == 1


def test_a_pause_of_one_nudge_stops_its_reminders_and_no_other(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    remind = 'remind_after = "1h"\n'
    body = OPEN + BOUNDARY + remind + GESTURES + remind
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    tick_at(daemon, clock, "2026-11-25 20:00:01")
    pauses.pause(daemon.store, ["b"], berlin("2026-11-25 20:30"), None)
    tick_at(daemon, clock, "2026-11-25 21:00:02")
    by_nudge = {d["nudge_id"]: d["state"] for d in deliveries(daemon) if d.get("reminder_of")}
    assert by_nudge == {"b": "skipped", "g": "sent"}
    assert len(http_receiver.posts()) == 3  # both fires, and the gestures' reminder


# a planned talk's steps ---------------------------------------------------------------


def test_a_talk_step_inside_a_pause_of_everything_is_skipped_and_a_later_one_sent(
    tmp_path, http_receiver, halfway, config_file
) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")  # a Wednesday
    daemon = make_daemon(tmp_path, OPEN, clock, push=http_receiver.json_url())
    talk = planning.add(daemon.store, daemon.settings, berlin("2026-11-26 19:00"), "us", clock())
    due = {e["kind"]: at_local(e["due_at"]) for e in talk["chain"]}
    assert due[rules.SELF_REGULATION] == "Thu 18:00"
    assert due[rules.TALK_REFLECTION] == "Thu 21:00"
    tick_at(daemon, clock, "2026-11-25 21:00")  # the evening-before steps go out
    before = len(http_receiver.posts())
    assert before == 2
    pause_all(daemon, "2026-11-26 17:00", "2026-11-26 20:00")
    tick_at(daemon, clock, "2026-11-26 18:00:01")
    assert len(http_receiver.posts()) == before
    assert planning.next_due(daemon.store.view(), daemon.settings, clock()) == berlin(
        "2026-11-26 21:00"
    )  # nothing left to wake for until the reflection
    tick_at(daemon, clock, "2026-11-26 20:00:01")  # the pause has ended: still not sent
    assert len(http_receiver.posts()) == before
    tick_at(daemon, clock, "2026-11-26 21:00:01")
    assert len(http_receiver.posts()) == before + 1
    assert http_receiver.bodies()[-1]["title"] != "A minute for you, before the talk"
    chain = {e["kind"]: e for e in daemon.store.view().get("talks", talk["id"])["chain"]}
    assert chain[rules.SELF_REGULATION]["state"] == planning.STEP_LEFT_OUT
    assert chain[rules.SELF_REGULATION]["reason"] == "skipped: everything was paused then"
    assert chain[rules.TALK_REFLECTION]["state"] == planning.STEP_SENT
    [skipped] = [d for d in deliveries(daemon) if d["state"] == "skipped"]
    assert skipped["kind"] == rules.SELF_REGULATION
    assert (skipped["reason"], skipped["talk_id"]) == (reasons.PAUSED, talk["id"])
    assert skipped["id"] == chain[rules.SELF_REGULATION]["delivery_id"]

    # What `talk list` and `history` say of it.
    path = str(config_file(OPEN, channels={"push": http_receiver.json_url()}).path)
    listed = halfway("talk", "list", "--config", path)
    assert listed.code == 0, listed.err
    assert "self_regulation  left out: skipped: everything was paused then" in listed.out
    told = halfway("history", "--since", "2026-11-20", "--config", path)
    assert told.code == 0, told.err
    assert "(self_regulation): skipped (everything was paused then)" in told.out


def test_a_pause_of_one_nudge_holds_no_talk_step(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-26T10:00:00+01:00")
    daemon = make_daemon(tmp_path, OPEN + BOUNDARY, clock, push=http_receiver.json_url())
    planning.add(daemon.store, daemon.settings, berlin("2026-11-26 19:00"), None, clock())
    pauses.pause(daemon.store, ["b"], clock(), None)
    tick_at(daemon, clock, "2026-11-26 18:00:01")
    sent = {d["kind"]: d["state"] for d in deliveries(daemon)}
    assert sent[rules.SELF_REGULATION] == "sent"
    assert "skipped" not in sent.values()
    assert len(http_receiver.posts()) == len(sent)


def at_local(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(BERLIN).strftime("%a %H:%M")


# the care notes and the digest ---------------------------------------------------------

W = [date(2026, 9, 7) + timedelta(weeks=i) for i in range(3)]  # Mondays


def test_the_care_note_and_the_digest_are_not_sent_in_a_pause_nor_after_it(
    tmp_path, http_receiver
) -> None:
    """The step-back note is due Monday 10:00 (as in test_care_service), the digest
    Monday 08:00; a pause of everything over that morning sends neither, then or later."""
    from halfway.core.instants import format_instant

    clock = Clock(datetime.combine(W[1] + timedelta(days=6), time(12), BERLIN).isoformat())
    daemon = make_daemon(tmp_path, OPEN, clock, phone=http_receiver.json_url())
    with daemon.store.transaction() as tx:
        for week, count in zip(W, (1, 2, 3), strict=True):
            for k in range(count):
                moment = datetime.combine(week + timedelta(days=k), time(12), tzinfo=BERLIN)
                entry = {"id": f"e_{week}_{k}", "kind": "initiation", "text": "I reached out"}
                tx.put("entries", {**entry, "by": "me", "at": format_instant(moment)})
    run_tick(daemon)
    assert daemon.care.next_wake() == datetime.combine(W[2], time(10), tzinfo=BERLIN)
    monday = W[2].isoformat()
    pause_all(daemon, f"{monday} 07:00", f"{monday} 12:00")
    for moment in ("08:00:01", "10:00:01", "12:00:01", "18:00:00"):
        tick_at(daemon, clock, f"{monday} {moment}")
    assert http_receiver.posts() == []
    assert [d for d in deliveries(daemon) if d["nudge_id"].startswith("care:")] == []
    assert states(daemon) == []
    meta = daemon.store.view().meta  # both checks were made that morning, and sent nothing
    assert datetime.fromisoformat(meta["care"]["checked"]) >= berlin(f"{monday} 10:00")
    assert datetime.fromisoformat(meta["digest"]["checked"]) >= berlin(f"{monday} 08:00")


# what `pause`, `upcoming` and `status` say ---------------------------------------------


@freeze_time("2026-11-26T09:00:00Z")  # Thursday 10:00 in Berlin
def test_upcoming_and_status_show_a_talk_step_held_back_by_a_pause_of_everything(
    halfway, config_file
) -> None:
    path = str(config_file(OPEN).path)
    assert halfway("talk", "add", "2026-11-26 19:00", "--config", path).code == 0
    paused = halfway("pause", "--all", "--until", "2026-11-26T20:00", "--config", path)
    assert paused.out.strip() == (
        "paused everything until Thu 2026-11-26 20:00 CET: no fire, reminder, talk step,"
        " care note or digest is sent meanwhile, nor saved up for after"
    )
    held = "(self_regulation, skipped: everything is paused then)"  # one parenthesis
    pause_line = (
        "paused: every nudge until Thu 2026-11-26 20:00 CET (nothing is sent meanwhile:"
        " fires, reminders, talk steps, care notes and the digest are skipped, not saved up)"
    )
    lines = halfway("upcoming", "--days", "2", "--config", path).out.splitlines()
    [step] = [line for line in lines if "self_regulation" in line]
    assert step.startswith("Thu 2026-11-26 18:00 CET  talk t_")
    assert step.endswith(held)
    [after] = [line for line in lines if "talk_reflection" in line]
    assert after.startswith("Thu 2026-11-26 21:00 CET  talk t_")
    assert after.endswith("(talk_reflection)")  # after the pause: it goes
    assert lines[-1] == pause_line
    shown = halfway("status", "--config", path).out
    assert held in shown.split("next fires:")[1]
    assert pause_line in shown
    listed = halfway("talk", "list", "--config", path).out.splitlines()
    assert "  self_regulation  Thu 2026-11-26 18:00 CET (skipped: everything is paused then)" in (
        listed
    )
    assert "  talk_reflection  Thu 2026-11-26 21:00 CET" in listed
