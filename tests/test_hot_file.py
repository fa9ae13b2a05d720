"""The hot file stays small however long halfway is used: every record kind leaves it by
the one rule in layout.py, to its month's archive, crash-safe, and every reader that
must still finds what left."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from halfway.cli import demodata
from halfway.config import loader
from halfway.core.deliveries import KEEP_ENTRIES_HOT, KEEP_HOT, backs_off
from halfway.core.instants import parse_instant
from halfway.digest import weekly
from halfway.ledger import asks, book
from halfway.store import layout
from halfway.store.database import Store
from halfway.talks import planning, rules

from .hot_history import History, build

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
LIMIT = 300_000  # bytes: the hot file's ceiling, however many years
HOUR = timedelta(hours=1)


def check_hot_by_kind(store: Store, made: History) -> None:
    """Each kind left hot only by its rule; nothing lost, nothing doubled."""
    view = store.view()
    hot = view.records("deliveries")
    last_fires: dict[str, list[datetime]] = {}
    for d in hot:
        if backs_off(d):
            last_fires.setdefault(d["nudge_id"], []).append(parse_instant(d["scheduled_for"]))
    for d in hot:
        recent = NOW - parse_instant(d["due_at"]) <= KEEP_HOT
        if not backs_off(d):  # digests, care notes: no back-off, no last fires kept
            assert recent, d["nudge_id"]
        else:
            assert recent or len(last_fires[d["nudge_id"]]) <= layout.KEEP_LAST_FIRES
    kinds = Counter(d["nudge_id"].partition(":")[0] for d in hot)
    assert kinds["digest"] <= 2
    assert kinds["care"] <= 1
    for ask in view.records("asks"):
        if ask["state"] in layout.SETTLED_ASKS:
            assert NOW - layout.last_change(ask) <= KEEP_HOT
    assert made.open_asks <= {a["id"] for a in view.records("asks")}
    for talk in view.records("talks"):
        if talk["state"] in layout.DONE_TALKS:
            assert NOW - layout.last_change(talk) <= KEEP_HOT
    hot_boundaries = {b["id"]: b for b in view.records("boundaries")}
    assert set(hot_boundaries) == made.active  # the retired one left
    for boundary in hot_boundaries.values():
        old = [a for a in boundary["answers"] if NOW - parse_instant(a["at"]) > KEEP_HOT]
        assert len(old) <= layout.KEEP_LAST_ANSWERS
    assert all(NOW - parse_instant(e["at"]) <= KEEP_ENTRIES_HOT for e in view.records("entries"))
    hot_ids = {d["id"] for d in hot}
    for r in view.records("replies"):
        assert r["delivery_id"] in hot_ids or NOW - parse_instant(r["received_at"]) <= KEEP_HOT

    every = store.everything()
    for table, ids in made.ids.items():
        found = [r["id"] for r in every[table]]
        assert sorted(found) == sorted(ids), table  # nothing lost, one copy each
    for boundary in every["boundaries"]:
        keys = [a["delivery_id"] for a in boundary["answers"]]
        assert len(keys) == len(set(keys)) == made.answers[boundary["id"]]


def test_ten_years_of_every_kind_compact_to_a_hot_file_under_300_kb(tmp_path) -> None:
    made = build(tmp_path, 10, NOW)
    assert (tmp_path / "halfway.json").stat().st_size > 20 * LIMIT  # nothing has left yet
    store = Store(tmp_path)
    assert store.compact(NOW) > 30_000
    assert (tmp_path / "halfway.json").stat().st_size < LIMIT
    check_hot_by_kind(store, made)
    assert len(store.months()) >= 120
    assert store.compact(NOW) == 0


def test_fifty_two_weeks_of_sample_data_leave_a_hot_file_under_300_kb(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # sizes, not durability: quick
    settings = loader.build(
        {"timezone": "Europe/Berlin", "data_dir": str(tmp_path), "channels": {"p": "json://x"}},
        "test",
    )
    demodata.fill(settings, 52, demodata.DEFAULT_SEED, NOW)
    assert (tmp_path / "halfway.json").stat().st_size < LIMIT
    store = Store(tmp_path)
    hot = [d["nudge_id"] for d in store.view().records("deliveries")]
    assert sum(1 for n in hot if n.startswith("digest:")) <= 2
    digests = [d for d in store.everything()["deliveries"] if d["kind"] == "digest"]
    assert len(digests) >= 52  # every week's digest is kept, in the archives


def test_a_compaction_killed_at_any_write_loses_and_doubles_nothing(tmp_path) -> None:
    made = build(tmp_path / "fresh", 1, NOW)
    script = (
        "import sys; from datetime import datetime; from halfway.store.database import Store; "
        "Store(sys.argv[1]).compact(datetime.fromisoformat(sys.argv[2]))"
    )
    writes = 15  # 13 or 14 archive months, then the hot file
    for kill in [f"written:{n}" for n in (1, 2, 7, 13, writes)] + ["write:1", "write:14"]:
        data_dir = tmp_path / kill.replace(":", "-")
        shutil.copytree(tmp_path / "fresh", data_dir)
        env = {**os.environ, "HALFWAY_TEST_KILL": kill}
        cmd = [sys.executable, "-c", script, str(data_dir), NOW.isoformat()]
        done = subprocess.run(cmd, env=env, check=False, capture_output=True)
        assert done.returncode in (-9, 0), done.stderr
        reopened = Store(data_dir)
        every = reopened.everything()
        for table, ids in made.ids.items():
            assert sorted(r["id"] for r in every[table]) == sorted(ids), (kill, table)
        for boundary in every["boundaries"]:
            assert len(boundary["answers"]) == made.answers[boundary["id"]], kill
        reopened.compact(NOW)
        check_hot_by_kind(reopened, made)


def test_what_left_is_still_read_where_it_must_be(tmp_path, halfway, config_file) -> None:
    written = config_file()
    assert written.data_dir is not None
    made = build(written.data_dir, 1, NOW)
    Store(written.data_dir).compact(NOW)
    conf = ("--config", str(written.path))

    talks_hot = halfway("talk", "list", *conf).out
    talks_all = halfway("talk", "list", "--all", *conf).out
    archived_talk = sorted(made.ids["talks"])[0]
    assert archived_talk not in talks_hot
    assert archived_talk in talks_all
    assert all(t in talks_all for t in made.ids["talks"])

    asks_all = halfway("ask", "list", "--all", *conf).out
    assert all(a in asks_all for a in made.ids["asks"])
    boundaries = halfway("boundary", "list", *conf).out
    assert "b_2" not in boundaries
    assert "b_2 (retired)" in halfway("boundary", "list", "--all", *conf).out

    history = json.loads(halfway("history", "--json", *conf).out)
    rows = history["rows"] if isinstance(history, dict) else history
    by_record = Counter(r["record"] for r in rows)
    assert by_record["talk"] >= 2 * len(made.ids["talks"]) - 1  # planned, then done or not
    answers = sum(1 for r in rows if r["record"] == "boundary" and r["state"] == "held")
    assert answers == sum(made.answers.values())

    # The digest reads only the months around its week: an ask answered in a week long
    # gone is found there (it went to the month of its last change).
    store = Store(written.data_dir)
    agreed = [a for a in store.everything()["asks"] if a["state"] == "agreed"]
    ask = min(agreed, key=lambda a: parse_instant(a["at"]))
    answered = parse_instant(ask["history"][1]["at"]).date()
    monday = answered - timedelta(days=answered.weekday())
    found = weekly.records_for(store, monday)
    assert ask["id"] in {a["id"] for a in found["asks"]}
    # ... and so are the boundary answers of that week, though the boundary is hot.
    sunday = monday + timedelta(days=6)
    given = [
        a
        for b in store.everything()["boundaries"]
        for a in b["answers"]
        if monday <= parse_instant(a["at"]).date() <= sunday
    ]
    seen = [
        a
        for b in found["boundaries"]
        for a in b["answers"]
        if monday <= parse_instant(a["at"]).date() <= sunday
    ]
    assert given
    assert seen == given
    assert ask["id"] not in {a["id"] for a in store.view().records("asks")}

    # An ask settled long ago can still change: it comes back to the hot file.
    changed = book.update_ask(store, ask["id"], "declined", NOW)
    assert store.view().get("asks", ask["id"]) == changed
    assert next(a for a in store.everything()["asks"] if a["id"] == ask["id"]) == changed


@pytest.mark.parametrize(
    ("table", "record", "leaves"),
    [
        ("asks", {"state": "made", "at": "2020-01-01T00:00:00+00:00"}, False),
        ("asks", {"state": "draft", "at": "2020-01-01T00:00:00+00:00"}, False),
        ("asks", {"state": "asked", "at": "2020-01-01T00:00:00+00:00"}, False),
        ("asks", {"state": "some_new_state", "at": "2020-01-01T00:00:00+00:00"}, False),
        ("asks", {"state": "resting", "at": "2020-01-01T00:00:00+00:00"}, True),
        ("asks", {"state": "declined", "at": "2026-11-20T00:00:00+00:00"}, False),
        ("talks", {"state": "planned", "at": "2026-10-01T00:00:00+00:00"}, True),
        ("talks", {"state": "planned", "at": "2026-11-01T00:00:00+00:00"}, False),
        (
            "talks",
            {
                "state": "done",
                "at": "2020-01-01T00:00:00+00:00",
                "chain": [{"state": "planned", "due_at": "2026-12-01T00:00:00+00:00"}],
            },
            False,
        ),
        ("boundaries", {"active": True, "created_at": "2020-01-01T00:00:00+00:00"}, False),
        (
            "boundaries",
            {
                "active": False,
                "created_at": "2020-01-01T00:00:00+00:00",
                "retired_at": "2026-11-20T00:00:00+00:00",
            },
            False,
        ),
    ],
)
def test_each_kind_leaves_by_its_own_rule(table, record, leaves) -> None:
    assert layout.leaves(table, record, NOW) is leaves


def test_digests_and_care_notes_keep_no_last_fires_but_a_config_nudge_does() -> None:
    def sent(n: int, nudge: str, day: date) -> dict:
        when = f"{day.isoformat()}T08:00:00+00:00"
        send = {"state": "sent", "attempts": 1, "sent_at": when, "error": None}
        return {
            "id": f"d_{n}",
            "nudge_id": nudge,
            "scheduled_for": when,
            "due_at": when,
            "state": "sent",
            "channels": {"p": send},
        }

    days = [date(2026, 9, 1) + timedelta(weeks=w) for w in range(8)]
    records = [sent(n, f"digest:{d.isoformat()}", d) for n, d in enumerate(days)]
    records += [sent(100 + n, "care:step_back", d) for n, d in enumerate(days)]
    records += [sent(200 + n, "evening", d) for n, d in enumerate(days)]
    found = layout.choose_moves(
        lambda t: records if t == "deliveries" else [], datetime(2027, 1, 1, tzinfo=UTC)
    )
    moved = {r["id"] for tables in found.moves.values() for r in tables.get("deliveries", [])}
    assert {r["id"] for r in records} - moved == {"d_204", "d_205", "d_206", "d_207"}


def test_a_talk_that_left_can_still_be_marked_and_comes_back_hot(tmp_path) -> None:
    store = Store(tmp_path)
    planned_at = datetime(2026, 9, 1, 18, tzinfo=UTC)
    with store.transaction() as tx:
        tx.put("talks", rules.new_talk("t_old", planned_at, "weekend time", planned_at - HOUR))
        done = rules.done(rules.new_talk("t_done", planned_at, None, planned_at - HOUR), planned_at)
        tx.put("talks", done)
    assert store.compact(NOW) == 2  # one done, one left planned for months
    assert store.view().records("talks") == []
    marked = planning.done(store, "t_old", NOW)
    assert marked["state"] == "done"
    assert store.view().get("talks", "t_old") == marked
    with pytest.raises(planning.TalkError, match="already marked done"):
        planning.done(store, "t_done", NOW)


def test_a_digest_sheds_its_mail_once_sent_and_keeps_it_while_a_send_is_open(tmp_path) -> None:
    store = Store(tmp_path)
    when = (NOW - HOUR).isoformat()
    send = {"state": "sent", "attempts": 1, "sent_at": when, "error": None}
    base = {
        "kind": "digest",
        "scheduled_for": when,
        "due_at": when,
        "html": "<p>week</p>" * 999,
        "text": "week\n" * 99,
    }
    with store.transaction() as tx:
        tx.put(
            "deliveries",
            {**base, "id": "d_sent", "nudge_id": "digest:2026-W47"}
            | {"state": "sent", "channels": {"mail": send}},
        )
        failed = {**send, "state": "failed", "next_attempt": NOW.isoformat()}
        tx.put(
            "deliveries",
            {**base, "id": "d_open", "nudge_id": "digest:2026-W46"}
            | {"state": "pending", "channels": {"mail": failed}},
        )
    before = (tmp_path / "halfway.json").stat().st_size
    assert store.compact(NOW) == 0  # nothing leaves yet: both are recent
    assert "html" not in store.view().get("deliveries", "d_sent")
    assert "text" not in store.view().get("deliveries", "d_sent")
    assert store.view().get("deliveries", "d_open")["html"] == base["html"]
    assert store.view().get("deliveries", "d_open")["text"] == base["text"]
    assert (tmp_path / "halfway.json").stat().st_size < before - 10_000


def test_a_settled_ask_stays_hot_while_the_reply_that_moved_it_can_still_change(
    tmp_path,
) -> None:
    """A reply window longer than 8 days: the reflection's reply can still be changed,
    and changing it takes back what it did to the ask, so the ask must still be hot."""
    store = Store(tmp_path)
    made = NOW - timedelta(days=30)
    moved_at = NOW - timedelta(days=20)
    send = {"state": "sent", "attempts": 1, "sent_at": moved_at.isoformat(), "error": None}
    reflection = {
        "id": "d_reflect",
        "nudge_id": "talk:t_1:talk_reflection",
        "kind": "talk_reflection",
        "talk_id": "t_1",
        "scheduled_for": moved_at.isoformat(),
        "due_at": moved_at.isoformat(),
        "expires_at": (NOW + timedelta(days=5)).isoformat(),  # a 25-day reply window
        "state": "sent",
        "channels": {"p": send},
    }
    ask = asks.moved(asks.new_ask("a_1", "Twenty minutes", made), "agreed", moved_at)
    ask["history"][-1]["delivery_id"] = "d_reflect"
    other = asks.moved(asks.new_ask("a_2", "A walk", made), "agreed", moved_at)
    with store.transaction() as tx:
        tx.put("deliveries", reflection)
        tx.put("asks", ask)
        tx.put("asks", other)
    store.compact(NOW)
    assert [a["id"] for a in store.view().records("asks")] == ["a_1"]
    later = NOW + timedelta(days=14)  # the window closed 9 days ago: both have left
    store.compact(later)
    assert store.view().records("asks") == []
    assert store.view().records("deliveries") == []
