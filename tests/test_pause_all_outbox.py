"""Pause everything, at the outbox and the alerts: a send still waiting (for a retry)
when a pause begins is never sent, not in the pause and not after it; a send asked
for by hand still goes; an alert about a failing channel waits for the pause's end.
The daemon's units of work with an injected clock, real loopback servers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from halfway.engine.outbox import PAUSED_THEN
from halfway.store import pauses

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick

BERLIN = ZoneInfo("Europe/Berlin")
BOUNDARY = '[[nudges]]\nid = "b"\nkind = "boundary"\ncron = "0 20 * * *"\n'
RETRY = '[outbox]\nretry_first = "30m"\nretry_max = "30m"\nalert_after = "2h"\n'


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def tick_at(daemon, clock: Clock, moment: str) -> None:
    clock.set(berlin(moment).isoformat())
    run_tick(daemon)


def test_a_send_waiting_for_its_retry_is_dropped_by_a_pause_of_everything(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(tmp_path, BOUNDARY + RETRY, clock, push=http_receiver.json_url())
    http_receiver.status = 500
    tick_at(daemon, clock, "2026-11-25 20:00:01")  # fails; a retry about 20:30
    assert len(http_receiver.posts()) == 1
    http_receiver.status = 200  # the channel would work again …
    pauses.pause(daemon.store, ["*"], berlin("2026-11-25 20:10"), berlin("2026-11-25 21:00"))
    tick_at(daemon, clock, "2026-11-25 20:50:00")  # … but everything is paused
    [fire] = deliveries(daemon)
    assert fire["state"] == "cancelled"
    assert fire["channels"]["push"]["error"] == PAUSED_THEN
    assert daemon.outbox.next_retry() is None  # nothing left to wake for
    for moment in ("2026-11-25 21:00:01", "2026-11-25 21:30:01"):
        tick_at(daemon, clock, moment)
    assert len(http_receiver.posts()) == 1  # only the failed try, before the pause


def test_a_send_asked_for_by_hand_goes_out_in_a_pause(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-25T10:00:00+01:00")
    daemon = make_daemon(tmp_path, BOUNDARY, clock, push=http_receiver.json_url())
    pauses.pause(daemon.store, ["*"], clock(), None)
    nudge = daemon.settings.nudge("b")
    assert nudge is not None
    daemon.planner.manual(nudge)
    run_tick(daemon)
    assert [d["state"] for d in deliveries(daemon)] == ["sent"]
    assert len(http_receiver.posts()) == 1


def test_an_alert_about_a_failing_channel_waits_for_the_end_of_a_pause(
    tmp_path, http_receiver, smtp_receiver
) -> None:
    clock = Clock("2026-11-25T19:00:00+01:00")
    body = "discreet = false\n" + BOUNDARY + RETRY  # the alert's words say what it is
    daemon = make_daemon(
        tmp_path, body, clock, push=http_receiver.json_url(), mail=smtp_receiver.url()
    )
    http_receiver.status = 500
    tick_at(daemon, clock, "2026-11-25 20:00:00")  # to push (fails) and mail
    mails = len(smtp_receiver.messages)
    pauses.pause(daemon.store, ["*"], berlin("2026-11-25 20:05"), berlin("2026-11-25 22:30"))
    for moment in ("2026-11-25 20:50:00", "2026-11-25 21:30:00", "2026-11-25 22:10:00"):
        tick_at(daemon, clock, moment)  # at 22:10 failing for 2 h: an alert is due …
        assert daemon.alerts.check() == []
    assert len(smtp_receiver.messages) == mails
    tick_at(daemon, clock, "2026-11-25 22:30:01")  # … and goes once the pause has ended
    assert len(smtp_receiver.messages) == mails + 1
    [alert] = smtp_receiver.messages[mails:]
    assert b"has not been able to reach" in alert.content
