"""The ask ledger: an ask moves through its states from the CLI and from replies, bad
states are refused with exit 2, and the open ones are carried forward."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from halfway.ledger import asks
from halfway.replies import service

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def export(halfway, path) -> dict:
    ran = halfway("export", "--config", str(path))
    assert ran.code == 0, ran.err
    return json.loads(ran.out)


# the rules ------------------------------------------------------------------------


def test_an_ask_moves_asked_then_a_response_then_followed_up_keeping_its_history() -> None:
    ask = asks.new_ask("a_1", "  twenty minutes on Saturday  ", T0)
    assert (ask["text"], ask["state"]) == ("twenty minutes on Saturday", "asked")
    ask = asks.moved(ask, "no_answer", T0 + timedelta(days=1))
    ask = asks.moved(ask, "agreed", T0 + timedelta(days=2))  # a later yes corrects it
    ask = asks.moved(ask, "followed_up", T0 + timedelta(days=3))
    assert [h["state"] for h in ask["history"]] == ["asked", "no_answer", "agreed", "followed_up"]
    with pytest.raises(asks.AskError, match="closed"):
        asks.moved(ask, "agreed", T0 + timedelta(days=4))


@pytest.mark.parametrize(
    ("start", "to", "says"),
    [
        ("asked", "followed_up", "it can move to: agreed, declined, no_answer, resting"),
        ("asked", "asked", "already asked"),
        ("made", "asked", "already asked"),  # an older version's `made` is `asked`
        ("asked", "maybe", "not a state of an ask"),
        ("draft", "agreed", "it can move to: asked, resting"),
    ],
)
def test_a_transition_it_cannot_take_names_the_allowed_states(start, to, says) -> None:
    ask = {**asks.new_ask("a_1", "an ask", T0), "state": start}
    with pytest.raises(asks.AskError, match=says):
        asks.moved(ask, to, T0)


def test_open_asks_are_those_neither_resting_nor_followed_up_oldest_first() -> None:
    made = [asks.new_ask(f"a_{i}", f"ask {i}", T0 + timedelta(days=4 - i)) for i in range(5)]
    made[1] = asks.moved(asks.moved(made[1], "agreed", T0), "followed_up", T0)
    made[2] = asks.moved(made[2], "declined", T0)
    made[4] = asks.moved(made[4], "resting", T0)
    assert [a["id"] for a in asks.open_asks(made)] == ["a_3", "a_2", "a_0"]
    everything = asks.listed(made, everything=True)
    assert [a["id"] for a in everything] == ["a_3", "a_2", "a_0", "a_4", "a_1"]


def test_a_reflection_moves_the_asks_of_its_talk_and_a_changed_one_takes_it_back() -> None:
    mine = asks.new_ask("a_talk", "this talk's ask", T0, "d_clarity", "t_1")
    other = asks.new_ask("a_other", "a newer ask, another talk", T0 + timedelta(hours=1))
    reflection = {"id": "d_refl", "kind": "talk_reflection", "talk_id": "t_1"}
    moved = asks.from_reflection([mine, other], reflection, "refused", T0 + timedelta(hours=3))
    assert [(a["id"], a["state"]) for a in moved] == [("a_talk", "declined")]
    again = asks.from_reflection(
        [moved[0], other], reflection, "agreed_time", T0 + timedelta(hours=4)
    )
    assert [(a["id"], a["state"]) for a in again] == [("a_talk", "agreed")]
    assert [h["state"] for h in again[0]["history"]] == ["asked", "agreed"]
    # "acknowledged" answers no ask: the earlier move is taken back, nothing else
    back = asks.from_reflection([again[0], other], reflection, "acknowledged", T0)
    assert [(a["id"], a["state"]) for a in back] == [("a_talk", "asked")]


# the CLI --------------------------------------------------------------------------


def test_cli_add_list_update_through_every_state(config_file, halfway) -> None:
    path = config_file().path
    assert halfway("ask", "add", "20 minutes on Saturday about us", "--config", str(path)).code == 0
    ask_id = export(halfway, path)["asks"][0]["id"]
    listed = halfway("ask", "list", "--config", str(path))
    assert ask_id in listed.out
    assert "asked" in listed.out
    for state in ("no_answer", "agreed", "followed_up"):
        ran = halfway("ask", "update", ask_id, state, "--config", str(path))
        assert (ran.code, ran.out.strip()) == (0, f"ask {ask_id} is now {state}")
    assert halfway("ask", "list", "--config", str(path)).out.strip() == "no open asks"
    assert "followed_up" in halfway("ask", "list", "--all", "--config", str(path)).out
    (saved,) = export(halfway, path)["asks"]
    assert saved["state"] == "followed_up"
    assert [h["state"] for h in saved["history"]] == ["asked", "no_answer", "agreed", "followed_up"]
    assert saved["at"].endswith(("+01:00", "+02:00"))  # the export shows local times


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("update", "{id}", "maybe"), "STATE: 'maybe' is not a state of an ask"),
        (("update", "{id}", "followed_up"), "it can move to: agreed, declined, no_answer, resting"),
        (("update", "a_nope", "agreed"), "ID: no ask 'a_nope'"),
        (("add", "   "), "TEXT: an ask needs a few words"),
    ],
)
def test_bad_input_is_exit_2_with_one_line_and_changes_nothing(
    config_file, halfway, args, says
) -> None:
    path = config_file().path
    halfway("ask", "add", "one clear ask", "--config", str(path))
    before = export(halfway, path)["asks"]
    args = tuple(a.format(id=before[0]["id"]) for a in args)
    ran = halfway("ask", *args, "--config", str(path))
    assert ran.code == 2
    assert says in ran.err
    assert len(ran.err.strip().splitlines()) == 1
    assert "Traceback" not in ran.err
    assert export(halfway, path)["asks"] == before


# replies: a clarity ask writes a draft, a talk reflection moves what was said --------

NUDGES = """
[[nudges]]
id = "ask-shape"
kind = "clarity_ask"
at = "2026-11-27T19:00"

[[nudges]]
id = "how-it-went"
kind = "talk_reflection"
at = "2026-11-28T21:00"
"""


def test_a_clarity_reply_writes_a_draft_and_the_reflection_moves_it_once_said(
    tmp_path, http_receiver
) -> None:
    from halfway.ledger import book as records

    clock = Clock("2026-11-27T18:00:00+01:00")
    daemon = make_daemon(tmp_path, NUDGES, clock, push=http_receiver.json_url())
    clock.set("2026-11-27T19:00:00+01:00")
    run_tick(daemon)
    (clarity,) = deliveries(daemon)
    assert (clarity["kind"], clarity["state"]) == ("clarity_ask", "sent")

    def answer(delivery, value: str) -> None:
        service.accept(daemon.store, dict(delivery), value, "web", clock())

    def ledger() -> list[dict]:
        return daemon.store.view().records("asks")

    answer(clarity, "later")  # not an ask
    assert ledger() == []
    answer(clarity, "Could we take 20 minutes on Saturday?")
    (ask,) = ledger()
    assert (ask["state"], ask["delivery_id"]) == ("draft", clarity["id"])
    clock.advance(minutes=5)
    answer(clarity, "Could we take 20 minutes on Saturday, just us?")  # changed: same ask
    (ask,) = ledger()
    assert ask["text"] == "Could we take 20 minutes on Saturday, just us?"

    clock.set("2026-11-28T21:00:00+01:00")
    run_tick(daemon)
    reflection = next(d for d in deliveries(daemon) if d["kind"] == "talk_reflection")
    answer(reflection, "refused")
    assert [a["state"] for a in ledger()] == ["draft"]  # not said: no answer to it
    # "I have said it" on the reflection's page: said, and the reflection's answer holds
    records.mark_said(daemon.store, reflection, ask["id"], clock())
    assert [a["state"] for a in ledger()] == ["declined"]
    assert asks.open_asks(ledger())[0]["id"] == ask["id"]  # not resting yet
    answer(reflection, "agreed_time")  # a changed reflection: it moves again, once
    (moved,) = ledger()
    assert [h["state"] for h in moved["history"]] == ["draft", "asked", "agreed"]
    with daemon.store.transaction() as tx:
        tx.put("asks", asks.moved(moved, "followed_up", clock()))
    assert asks.open_asks(ledger()) == []


def test_a_planned_talks_reflection_moves_that_talks_ask_and_no_other(
    tmp_path, http_receiver
) -> None:
    from halfway.ledger import book as ledger
    from halfway.talks import planning

    clock = Clock("2026-11-26T10:00:00+01:00")
    daemon = make_daemon(tmp_path, "", clock, push=http_receiver.json_url())
    talk = planning.add(
        daemon.store,
        daemon.settings,
        datetime.fromisoformat("2026-11-28T19:00:00+01:00"),
        "weekend time",
        clock(),
    )
    clock.set("2026-11-27T19:00:00+01:00")  # the evening before: the clarity ask
    run_tick(daemon)
    clarity = next(d for d in deliveries(daemon) if d["kind"] == "clarity_ask")
    assert clarity["talk_id"] == talk["id"]
    service.accept(daemon.store, dict(clarity), "A walk on Sunday, just us?", "web", clock())
    unlinked = ledger.add_ask(daemon.store, "an ask of another day", clock())  # newer, no talk

    clock.set("2026-11-28T21:00:00+01:00")  # two hours after the talk: the reflection
    run_tick(daemon)
    reflection = next(d for d in deliveries(daemon) if d["kind"] == "talk_reflection")
    service.accept(daemon.store, dict(reflection), "small_change", "web", clock())

    def states() -> dict[str, tuple[str, str | None]]:
        records = daemon.store.view().records("asks")
        return {a["text"]: (a["state"], a.get("talk_id")) for a in records}

    # the talk's draft was never marked said: the reflection leaves it (and the other)
    assert states() == {
        "A walk on Sunday, just us?": ("draft", talk["id"]),
        unlinked["text"]: ("asked", None),
    }
    (draft,) = ledger.drafts_on(daemon.store.view(), reflection)  # the page offers it
    ledger.mark_said(daemon.store, reflection, draft["id"], clock())
    assert states() == {
        "A walk on Sunday, just us?": ("agreed", talk["id"]),
        unlinked["text"]: ("asked", None),
    }
