"""Every delivery is made by one constructor (`deliveries.new_delivery`): a fire, a
reminder, a re-ask a pause dropped, a gap record and the weekly digest carry the same
core fields and channel sends, and each keeps the key order it has always been stored
in (the data file and `export --format json` show records in that order)."""

from __future__ import annotations

from halfway.core import schedule
from halfway.core.deliveries import MISSED, PENDING, SKIPPED
from halfway.core.instants import parse_instant
from halfway.core.unsent import DOWN
from halfway.engine import reminding

from .conftest import Clock
from .engine import make_daemon

BODY = (
    '[[nudges]]\nid = "b"\nkind = "boundary"\ncron = "0 20 * * *"\n'
    '[[boundaries]]\nid = "calm"\ntext = "I take a break when I am flooded"\n'
)
CORE = {"id", "nudge_id", "kind", "scheduled_for", "due_at", "created_at", "state"}
CORE |= {"late", "manual", "channels"}
SEND = ["state", "attempts", "sent_at", "error"]

# The key orders of the records as halfway stored them before the one constructor.
FIRE = [
    *("id", "nudge_id", "kind", "scheduled_for", "due_at", "created_at", "expires_at"),
    *("state", "late", "manual", "words_title", "words", "title", "body", "link", "reply"),
    *("offer_pause", "discreet", "boundary_id", "channels"),
]
REMINDER = [
    *("nudge_id", "kind", "expires_at", "words_title", "words", "link", "reply", "id"),
    *("scheduled_for", "due_at", "created_at", "state", "late", "manual", "title", "body"),
    *("discreet", "reminder_of", "reason", "channels"),
]
HELD = [
    *("id", "nudge_id", "kind", "scheduled_for", "due_at", "created_at", "state", "late"),
    *("manual", "reminder_of", "asks_again", "reason", "why", "channels"),
]
GAP = [
    *("id", "nudge_id", "kind", "scheduled_for", "due_at", "created_at", "state", "late"),
    *("manual", "reason", "why", "channels", "count", "last_scheduled"),
]
DIGEST = [
    *("id", "nudge_id", "kind", "week", "scheduled_for", "due_at", "created_at"),
    *("expires_at", "state", "late", "manual", "words_title", "words", "title", "body"),
    *("html", "text", "care", "link", "discreet", "reply", "channels"),
]


def test_every_path_makes_a_delivery_with_the_same_core_and_its_own_key_order(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-23T21:00:00+01:00")
    daemon = make_daemon(tmp_path, BODY, clock, push=http_receiver.json_url())
    nudge = daemon.settings.nudge("b")
    assert nudge is not None
    now = clock()
    fire = schedule.Fire("b", now, now)
    planner = daemon.planner
    made = planner.fire_record(nudge, fire)
    records = {
        "fire": (made, FIRE, PENDING),
        "reminder": (reminding.record(daemon.settings, made, now, "remind"), REMINDER, PENDING),
        "held": (reminding.skipped(made, now, now, "snooze"), HELD, SKIPPED),
        "gap": (planner.gap_record(nudge, (fire, fire), MISSED, 0, DOWN), GAP, MISSED),
        "digest": (daemon.digest.record("2026-W47", now, now), DIGEST, PENDING),
    }
    for name, (record, order, state) in records.items():
        assert list(record) == order, name
        assert set(record) >= CORE, name
        assert record["state"] == state, name
        assert record["late"] is False, name
        assert record["manual"] is False, name
        assert parse_instant(record["created_at"]) == now, name
        for send in record["channels"].values():
            assert list(send) == SEND, name
            assert send == {"state": state, "attempts": 0, "sent_at": None, "error": None}, name
    # the words, link and reply a reminder asks again with are the fire's own
    reminder = records["reminder"][0]
    for key in ("nudge_id", "kind", "expires_at", "words_title", "words", "link", "reply"):
        assert reminder[key] == made[key], key
    assert reminder["reminder_of"] == made["id"]
