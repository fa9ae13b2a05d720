"""Asks that rest: a draft is never declined or unanswered, an ask with no change for
`[asks] rest_after` rests on its own (and history shows it), the person can rest one
at once, and records of older versions (`made`) read as `asked` everywhere."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from halfway.ledger import asks, book
from halfway.replies import service
from halfway.talks import planning

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
REST = timedelta(days=21)


def exported(halfway, path, fmt: str = "json") -> dict:
    ran = halfway("export", "--format", fmt, "--config", str(path))
    assert ran.code == 0, ran.err
    return json.loads(ran.out) if fmt == "json" else {"csv": ran.out}


# a draft is never declined or unanswered ------------------------------------------


def test_a_talks_reflection_saying_refused_or_avoided_leaves_its_draft_a_draft(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-26T10:00:00+01:00")
    daemon = make_daemon(tmp_path, "", clock, push=http_receiver.json_url())
    talk_at = datetime.fromisoformat("2026-11-28T19:00:00+01:00")
    talk = planning.add(daemon.store, daemon.settings, talk_at, "weekend time", clock())
    clock.set("2026-11-27T19:00:00+01:00")
    run_tick(daemon)
    clarity = next(d for d in deliveries(daemon) if d["kind"] == "clarity_ask")
    service.accept(daemon.store, dict(clarity), "A walk on Sunday, just us?", "web", clock())
    clock.set("2026-11-28T21:00:00+01:00")
    run_tick(daemon)
    reflection = next(d for d in deliveries(daemon) if d["kind"] == "talk_reflection")
    for answer in ("refused", "avoided", "none"):
        service.accept(daemon.store, dict(reflection), answer, "web", clock())
        (draft,) = daemon.store.view().records("asks")
        assert (draft["state"], draft["talk_id"]) == ("draft", talk["id"])
        assert [h["state"] for h in draft["history"]] == ["draft"]


def test_a_draft_cannot_be_marked_declined_or_unanswered_from_the_command_line(
    config_file, halfway
) -> None:
    path = config_file().path
    ran = halfway("ask", "add", "Twenty minutes on Saturday", "--draft", "--config", str(path))
    assert ran.code == 0, ran.err
    assert "draft" in ran.out
    (draft,) = exported(halfway, path)["asks"]
    assert draft["state"] == "draft"
    for state in ("declined", "no_answer"):
        ran = halfway("ask", "update", draft["id"], state, "--config", str(path))
        assert ran.code == 2
        assert len(ran.err.strip().splitlines()) == 1
        assert "has not been said yet, so it has no answer" in ran.err
        assert f"halfway ask update {draft['id']} asked" in ran.err
        assert exported(halfway, path)["asks"] == [draft]  # nothing changed
    ran = halfway("ask", "update", draft["id"], "asked", "--config", str(path))
    assert (ran.code, ran.out.strip()) == (0, f"ask {draft['id']} is now asked")
    ran = halfway("ask", "update", draft["id"], "declined", "--config", str(path))
    assert ran.code == 0  # once said, it can be answered


def test_ask_add_records_an_ask_already_said() -> None:
    ask = asks.new_ask("a_1", "a walk", T0)
    assert ask["state"] == "asked"
    assert asks.moved(ask, "declined", T0)["state"] == "declined"


def test_a_draft_rested_and_never_said_still_takes_no_answer() -> None:
    rested = asks.current(asks.new_ask("a_1", "a walk", T0, state="draft"), T0 + REST, REST)
    assert rested["state"] == "resting"
    for state in ("declined", "no_answer"):
        with pytest.raises(asks.AskError, match="has not been said yet"):
            asks.moved(rested, state, T0 + REST)
    with pytest.raises(asks.AskError, match=r"it can move to: asked$"):
        asks.moved(rested, "agreed", T0 + REST)
    assert asks.moved(rested, "asked", T0 + REST)["state"] == "asked"


# resting after rest_after -----------------------------------------------------------


@pytest.mark.parametrize("state", ["asked", "draft"])
def test_an_ask_rests_exactly_rest_after_its_last_change(state) -> None:
    ask = asks.new_ask("a_1", "a walk", T0 - timedelta(days=3), state=state)
    ask = {**ask, "history": [*ask["history"], {"state": state, "at": T0.isoformat()}]}
    assert asks.current(ask, T0 + REST - timedelta(seconds=1), REST)["state"] == state
    rested = asks.current(ask, T0 + REST, REST)
    assert rested["state"] == "resting"
    assert rested["history"][-1] == {
        "state": "resting",
        "at": (T0 + REST).isoformat(),
        "rested_after": "21 days",
    }
    later = asks.current(ask, T0 + REST + timedelta(days=40), REST)
    assert later["history"][-1]["at"] == (T0 + REST).isoformat()  # dated when it rested


@pytest.mark.parametrize("state", ["agreed", "declined", "no_answer", "followed_up"])
def test_an_answered_ask_does_not_rest_on_its_own(state) -> None:
    ask = {**asks.new_ask("a_1", "a walk", T0), "state": state}
    assert asks.current(ask, T0 + 10 * REST, REST)["state"] == state


def test_the_daemon_writes_down_the_rest_on_time_and_history_shows_it(
    tmp_path, http_receiver, config_file, halfway
) -> None:
    clock = Clock("2026-11-20T19:00:00+01:00")
    daemon = make_daemon(tmp_path, '[asks]\nrest_after = "3d"\n', clock)
    said = book.add_ask(daemon.store, "Twenty minutes on Saturday", clock())
    draft = book.add_ask(daemon.store, "A film night", clock(), draft=True)

    def stored() -> dict[str, str]:
        return {a["text"]: a["state"] for a in daemon.store.view().records("asks")}

    clock.advance(days=3, seconds=-1)
    run_tick(daemon)
    assert stored() == {"Twenty minutes on Saturday": "asked", "A film night": "draft"}
    clock.advance(days=2)  # the daemon looks a little later: the rest keeps its own date
    run_tick(daemon)
    assert stored() == {"Twenty minutes on Saturday": "resting", "A film night": "resting"}
    rested = daemon.store.view().get("asks", said["id"])
    assert rested is not None
    assert rested["history"][-1]["at"] == "2026-11-23T18:00:00+00:00"

    path = config_file('[asks]\nrest_after = "3d"\n').path  # the daemon's data folder
    lines = halfway("history", "--config", str(path)).out.splitlines()
    assert (
        f"2026-11-23 19:00  ask {said['id']} resting (no change for 3 days): "
        "Twenty minutes on Saturday" in lines
    )
    assert any(f"ask {draft['id']} resting (no change for 3 days)" in line for line in lines)
    listed = halfway("ask", "list", "--config", str(path)).out
    assert listed.splitlines() == [
        "no open asks",
        "2 resting ('halfway ask list --all' shows them)",
    ]
    everything = halfway("ask", "list", "--all", "--config", str(path)).out
    assert "Twenty minutes on Saturday" in everything
    assert "A film night" in everything


def test_ask_list_rests_an_ask_whose_time_came_while_the_daemon_was_away(
    config_file, halfway
) -> None:
    from halfway.store.database import Store

    written = config_file('[asks]\nrest_after = "2d"\n')
    assert written.data_dir is not None
    said = asks.new_ask("a_1", "A walk on Sunday", datetime.now(UTC) - timedelta(days=2))
    with Store(written.data_dir).transaction() as tx:
        tx.put("asks", said)
    path = written.path
    ran = halfway("ask", "list", "--config", str(path))  # a read: nothing is written
    assert ran.out.splitlines() == [
        "no open asks",
        "1 resting ('halfway ask list --all' shows them)",
    ]
    (stored,) = exported(halfway, path)["asks"]
    assert stored["state"] == "asked"


def test_the_person_rests_an_ask_at_once(config_file, halfway) -> None:
    path = config_file().path
    for text in ("Twenty minutes on Saturday", "A walk on Sunday"):
        assert halfway("ask", "add", text, "--config", str(path)).code == 0
    first, second = exported(halfway, path)["asks"]
    ran = halfway("ask", "update", first["id"], "resting", "--config", str(path))
    assert (ran.code, ran.out.strip()) == (0, f"ask {first['id']} is now resting")
    listed = halfway("ask", "list", "--config", str(path)).out.splitlines()
    assert len(listed) == 2
    assert second["id"] in listed[0]
    assert "asked" in listed[0]
    assert listed[1] == "1 resting ('halfway ask list --all' shows them)"
    history = [h["state"] for h in exported(halfway, path)["asks"][0]["history"]]
    assert history == ["asked", "resting"]
    ran = halfway("ask", "update", first["id"], "agreed", "--config", str(path))
    assert ran.code == 0  # a late answer still finds it


@pytest.mark.parametrize(
    ("key", "value"), [("rest_after", '"soon"'), ("one_at_a_time", '"perhaps"')]
)
def test_a_bad_asks_key_is_one_line_exit_2(config_file, halfway, key, value) -> None:
    path = config_file(f"[asks]\n{key} = {value}\n").path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert f"asks.{key}" in ran.err
    assert len(ran.err.strip().splitlines()) == 1


# records of older versions: `made` reads as `asked` ----------------------------------


def test_made_reads_as_asked_in_list_history_and_export(config_file, halfway) -> None:
    from halfway.store.database import Store

    written = config_file()
    assert written.data_dir is not None
    now = datetime.now(UTC) - timedelta(days=2)
    old = {
        "id": "a_old",
        "text": "Twenty minutes on Saturday",
        "state": "made",
        "at": now.isoformat(),
        "history": [{"state": "made", "at": now.isoformat()}],
    }
    with Store(written.data_dir).transaction() as tx:
        tx.put("asks", old)
    path = written.path
    listed = halfway("ask", "list", "--config", str(path)).out
    assert "asked" in listed
    assert "made" not in listed
    (ask,) = exported(halfway, path)["asks"]
    assert (ask["state"], [h["state"] for h in ask["history"]]) == ("asked", ["asked"])
    rows = list(csv.DictReader(io.StringIO(exported(halfway, path, "csv")["csv"])))
    (row,) = [r for r in rows if r["record"] == "ask"]
    assert row["state"] == "asked"
    assert row["history"].startswith("asked ")
    history = halfway("history", "--config", str(path)).out
    assert "ask a_old asked: Twenty minutes on Saturday" in history
    # rules read it so too: it takes an answer, and is written with today's name
    assert halfway("ask", "update", "a_old", "agreed", "--config", str(path)).code == 0
    stored = Store(written.data_dir).view().get("asks", "a_old")
    assert stored is not None
    assert [h["state"] for h in stored["history"]] == ["asked", "agreed"]
