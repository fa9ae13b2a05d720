"""Asking again, gently: reminders, snooze, back-off and the offered pause, with an injected clock."""

from __future__ import annotations

import pytest

from halfway.core.kinds import PAUSE_OFFER, REMINDER_LINE
from halfway.replies import service

from .conftest import Clock
from .engine import deliveries, first_id, make_daemon, reply, run_tick, states

BOUNDARY = '[[nudges]]\nid = "b"\nkind = "boundary"\ncron = "0 20 * * *"\n'
DISCREET_OFF = "discreet = false\n"
wake = run_tick


def test_a_reminder_goes_out_after_remind_after_and_stops_at_a_reply(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    body = DISCREET_OFF + BOUNDARY + 'remind_after = "1h"\nremind_max = 3\n'
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:01+01:00")
    wake(daemon)
    clock.set("2026-11-25T21:00:02+01:00")
    wake(daemon)
    messages = [b["message"] for b in http_receiver.bodies()]
    assert len(messages) == 2
    assert messages[1].startswith(REMINDER_LINE)
    assert messages[1].split("Reply: ")[1] == messages[0].split("Reply: ")[1]  # the same link
    reply(daemon, first_id(daemon), "held", clock)
    for hour in ("22", "23"):
        clock.set(f"2026-11-25T{hour}:00:05+01:00")
        wake(daemon)
    assert len(http_receiver.posts()) == 2


def test_reminders_stop_at_remind_max(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(
        tmp_path,
        BOUNDARY + 'remind_after = "30m"\nremind_max = 2\n',
        clock,
        push=http_receiver.json_url(),
    )
    clock.set("2026-11-25T20:00:01+01:00")
    for _ in range(6):
        wake(daemon)
        clock.advance(minutes=31)
    reminders = [d for d in deliveries(daemon) if d.get("reminder_of")]
    assert [r["reason"] for r in reminders] == ["remind", "remind"]
    assert len(http_receiver.posts()) == 3


def test_a_reply_cancels_a_reminder_still_waiting_in_the_outbox(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(
        tmp_path, BOUNDARY + 'remind_after = "1h"\n', clock, push=http_receiver.json_url()
    )
    clock.set("2026-11-25T20:00:01+01:00")
    wake(daemon)
    http_receiver.status = 500
    clock.set("2026-11-25T21:00:02+01:00")
    wake(daemon)  # the reminder fails and waits for a retry
    reply(daemon, first_id(daemon), "strained", clock)
    http_receiver.status = 200
    clock.advance(hours=2)
    wake(daemon)
    [reminder] = [d for d in deliveries(daemon) if d.get("reminder_of")]
    assert reminder["state"] == "cancelled"
    assert len([r for r in http_receiver.requests if r["body"]]) == 2  # the fire, the failed try


def test_later_snoozes_and_asks_again_once_after_the_snooze(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(
        tmp_path, BOUNDARY + 'snooze = "45m"\n', clock, push=http_receiver.json_url()
    )
    clock.set("2026-11-25T20:00:01+01:00")
    wake(daemon)
    clock.set("2026-11-25T20:10:00+01:00")
    reply(daemon, first_id(daemon), "later", clock)
    clock.set("2026-11-25T20:50:00+01:00")
    wake(daemon)
    assert len(http_receiver.posts()) == 1  # not yet
    assert daemon.planner.remind().isoformat() == "2026-11-25T19:55:00+00:00"
    clock.set("2026-11-25T20:55:00+01:00")
    wake(daemon)
    clock.set("2026-11-25T22:00:00+01:00")
    wake(daemon)
    [again] = [d for d in deliveries(daemon) if d.get("reminder_of")]
    assert again["reason"] == "snooze"
    assert len(http_receiver.posts()) == 2


def test_after_three_unanswered_halfway_sends_every_other_time_and_offers_a_pause(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-20T10:00:00+01:00")
    daemon = make_daemon(tmp_path, DISCREET_OFF + BOUNDARY, clock, push=http_receiver.json_url())
    for day in range(20, 26):
        clock.set(f"2026-11-{day}T20:00:01+01:00")
        run_tick(daemon)
    assert [s for _, s in states(daemon, "b")] == [
        "sent",
        "sent",
        "sent",
        "skipped",
        "sent",
        "skipped",
    ]
    offered = [d for d in deliveries(daemon) if d["state"] == "sent" and d["nudge_id"] == "b"][-1]
    assert offered["offer_pause"] is True
    assert PAUSE_OFFER in http_receiver.bodies()[-1]["message"]

    reply(daemon, offered["id"], "pause_week", clock)  # "a pause that really stops it"
    for day in range(26, 30):
        clock.set(f"2026-11-{day}T20:00:01+01:00")
        run_tick(daemon)
    assert [s for _, s in states(daemon, "b")][-4:] == ["skipped"] * 4
    b_sent = {d["id"] for d in deliveries(daemon) if d["nudge_id"] == "b"}
    links = [b["message"] for b in http_receiver.bodies()]
    assert sum(any(f"/r/{i}." in m for i in b_sent) for m in links) == 4  # none after the pause
    clock.set("2026-12-03T20:00:01+01:00")  # the week is over
    run_tick(daemon)
    assert states(daemon, "b")[-1] == ("03 20:00", "sent")


def test_one_answer_ends_the_back_off(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-20T10:00:00+01:00")
    daemon = make_daemon(tmp_path, BOUNDARY, clock, push=http_receiver.json_url())
    for day in range(20, 24):
        clock.set(f"2026-11-{day}T20:00:01+01:00")
        run_tick(daemon)
    assert states(daemon, "b")[-1][1] == "skipped"
    latest_sent = [d for d in deliveries(daemon) if d["state"] == "sent" and d["nudge_id"] == "b"][
        -1
    ]
    reply(daemon, latest_sent["id"], "held", clock)
    for day in range(24, 27):
        clock.set(f"2026-11-{day}T20:00:01+01:00")
        run_tick(daemon)
    assert [s for _, s in states(daemon, "b")][-3:] == ["sent", "sent", "sent"]


def test_a_pause_week_reply_is_refused_where_no_pause_was_offered(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(tmp_path, BOUNDARY, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:01+01:00")
    run_tick(daemon)
    with pytest.raises(service.ReplyError) as refused:
        reply(daemon, first_id(daemon), "pause_week", clock)
    assert refused.value.status == 422
    assert daemon.store.view().get("nudges", "b")["pauses"] == []


def test_the_same_answer_twice_is_recorded_once_and_a_new_one_is_a_new_version(
    tmp_path, http_receiver
) -> None:
    # an ntfy button pressed twice: one history line, not two
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(tmp_path, BOUNDARY, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T20:00:01+01:00")
    wake(daemon)
    delivery = dict(daemon.store.view().get("deliveries", first_id(daemon)) or {})
    took = []
    for value in ("held", "held", "strained", "strained", "held"):
        clock.advance(seconds=2)
        took.append(service.accept(daemon.store, delivery, value, "push", clock())[1])
    assert took == ["first", "same", "changed", "same", "changed"]
    [answer] = daemon.store.view().records("replies")
    assert [v["value"] for v in answer["history"]] == ["held", "strained"]
    assert answer["received_at"] == "2026-11-25T19:00:11+00:00"  # the last change, kept
    written = daemon.store.path.read_bytes()
    assert service.accept(daemon.store, delivery, "held", "web", clock())[1] == "same"
    assert daemon.store.path.read_bytes() == written  # nothing written at all


def test_a_later_after_its_re_ask_is_a_new_later(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(
        tmp_path, BOUNDARY + 'snooze = "45m"\n', clock, push=http_receiver.json_url()
    )
    clock.set("2026-11-25T20:00:01+01:00")
    wake(daemon)
    delivery = dict(daemon.store.view().get("deliveries", first_id(daemon)) or {})
    assert service.accept(daemon.store, delivery, "later", "push", clock())[1] == "first"
    assert service.accept(daemon.store, delivery, "later", "push", clock())[1] == "same"
    clock.set("2026-11-25T20:46:00+01:00")
    wake(daemon)  # the re-ask goes out
    assert service.accept(daemon.store, delivery, "later", "push", clock())[1] == "changed"
    clock.set("2026-11-25T21:32:00+01:00")
    wake(daemon)
    asked = [d["reason"] for d in deliveries(daemon) if d.get("reminder_of")]
    assert asked == ["snooze", "snooze"]  # asked again after the second "later" too


def test_later_says_when_the_check_in_comes_back(tmp_path, http_receiver) -> None:
    from halfway.engine import reminding
    from halfway.store import pauses

    quiet = '[quiet_hours]\nstart = "21:00"\nend = "07:30"\n'
    clock = Clock("2026-11-25T10:00:00+01:00")
    body = BOUNDARY.replace("0 20", "0 19") + 'snooze = "45m"\nreply_window = "1d"\n' + quiet
    daemon = make_daemon(tmp_path, body, clock, push=http_receiver.json_url())
    clock.set("2026-11-25T19:00:01+01:00")
    wake(daemon)
    delivery = dict(daemon.store.view().get("deliveries", first_id(daemon)) or {})

    def comes_back() -> str | None:
        view = daemon.store.view()
        [answer] = view.records("replies")
        return reminding.comes_back(daemon.settings, view, delivery, answer)

    clock.set("2026-11-25T19:10:20+01:00")
    service.accept(daemon.store, delivery, "later", "web", clock())
    assert comes_back() == "Wed 2026-11-25 19:55 CET"  # the snooze after the answer
    clock.set("2026-11-25T20:40:00+01:00")
    wake(daemon)  # asked again
    service.accept(daemon.store, delivery, "later", "web", clock())
    assert comes_back() == "Thu 2026-11-26 07:30 CET"  # 21:25 is in quiet hours
    pauses.pause(daemon.store, ["b"], clock(), None)
    assert comes_back() is None  # a pause holds it: no promise of a time
    service.accept(daemon.store, delivery, "held", "web", clock())
    assert comes_back() is None  # not a "later"


def test_a_later_tapped_before_its_send_is_recorded_still_says_when(
    tmp_path, http_receiver
) -> None:
    """A reply proves the nudge reached the person, even in the moment before the outbox
    has recorded its send: the answer still says when the check-in comes back."""
    from halfway.core.deliveries import OPEN
    from halfway.engine import reminding

    clock = Clock("2026-11-25T19:00:00+01:00")
    daemon = make_daemon(tmp_path, BOUNDARY, clock, push=http_receiver.json_url())
    nudge = daemon.settings.nudge("b")
    assert nudge is not None
    record = daemon.planner.manual(nudge)  # recorded; the outbox has not sent it yet
    delivery = dict(daemon.store.view().get("deliveries", record["id"]) or {})
    assert delivery["state"] in OPEN
    clock.advance(seconds=30)
    service.accept(daemon.store, delivery, "later", "web", clock())
    view = daemon.store.view()
    [answer] = view.records("replies")
    assert (
        reminding.comes_back(daemon.settings, view, delivery, answer) == "Wed 2026-11-25 20:00 CET"
    )
