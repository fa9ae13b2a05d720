"""Boundaries: kept from the config and the CLI, named one at a time by the boundary
nudge in turn, each answer kept on its own boundary; one gone from the config is kept
inactive with its answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from halfway.ledger import boundaries
from halfway.replies import service

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)

DAILY = '[[nudges]]\nid = "my-boundaries"\nkind = "boundary"\ncron = "0 9 * * *"\n'
THREE = {
    "evenings": "my evenings with friends stay mine",
    "voices": "I step out when voices are raised",
    "sleep": "I go to bed by eleven",
}


def config_body(items: dict[str, str]) -> str:
    tables = "".join(f'\n[[boundaries]]\nid = "{i}"\ntext = "{t}"\n' for i, t in items.items())
    return DAILY + tables


def fire_days(daemon, clock: Clock, first_day: int, days: int) -> list[dict]:
    """Run the 09:00 fire of `days` days from November `first_day`; their deliveries."""
    for day in range(first_day, first_day + days):
        clock.set(f"2026-11-{day:02d}T09:00:00+01:00")
        run_tick(daemon)
    return [d for d in deliveries(daemon) if d["kind"] == "boundary" and not d.get("reminder_of")]


def answer(daemon, delivery: dict, value: str, clock: Clock, note: str | None = None) -> None:
    service.accept(daemon.store, dict(delivery), value, "web", clock(), note=note)


def kept(daemon) -> dict[str, dict]:
    return {b["id"]: b for b in daemon.store.view().records("boundaries")}


def test_boundaries_rotate_over_three_fires_and_each_answer_lands_on_its_own(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-20T08:00:00+01:00")
    daemon = make_daemon(tmp_path, config_body(THREE), clock, push=http_receiver.json_url())
    assert {b["id"]: b["text"] for b in kept(daemon).values()} == THREE  # synced at start
    fired = fire_days(daemon, clock, 20, 3)
    assert [d["boundary_id"] for d in fired] == ["evenings", "sleep", "voices"]  # stable order
    for delivery in fired:  # the words name the boundary the record names
        assert THREE[delivery["boundary_id"]] in delivery["words"]
    sent = [body["message"] for body in http_receiver.bodies()]
    assert len(sent) == 3  # (discreet by default: the words stay on the reply page)

    answer(daemon, fired[0], "held", clock)
    answer(daemon, fired[1], "crossed", clock, note="a late call again")
    answer(daemon, fired[1], "strained", clock, note="it was close")  # changed: replaced
    answer(daemon, fired[2], "later", clock)  # not an answer
    found = kept(daemon)
    assert [(a["value"], a["delivery_id"]) for a in found["evenings"]["answers"]] == [
        ("held", fired[0]["id"])
    ]
    assert [(a["value"], a["note"]) for a in found["sleep"]["answers"]] == [
        ("strained", "it was close")
    ]
    assert found["voices"]["answers"] == []

    # the fourth fire comes back to the one asked least recently
    assert fire_days(daemon, clock, 23, 1)[-1]["boundary_id"] == "evenings"


def test_a_boundary_removed_from_the_config_is_kept_inactive_with_its_answers(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-11-20T08:00:00+01:00")
    daemon = make_daemon(tmp_path, config_body(THREE), clock, push=http_receiver.json_url())
    (first,) = fire_days(daemon, clock, 20, 1)
    answer(daemon, first, "crossed", clock, note="hard week")
    assert first["boundary_id"] == "evenings"

    fewer = {k: v for k, v in THREE.items() if k != "evenings"}
    fewer["sleep"] = "I go to bed by half past ten"  # changed words
    daemon = make_daemon(tmp_path, config_body(fewer), clock, push=http_receiver.json_url())
    found = kept(daemon)
    assert found["evenings"]["active"] is False
    assert found["evenings"]["retired_at"]
    assert [a["value"] for a in found["evenings"]["answers"]] == ["crossed"]
    assert found["sleep"]["text"] == "I go to bed by half past ten"
    later = fire_days(daemon, clock, 21, 3)[1:]
    assert "evenings" not in [d["boundary_id"] for d in later]

    daemon = make_daemon(tmp_path, config_body(THREE), clock, push=http_receiver.json_url())
    back = kept(daemon)["evenings"]  # back in the config: active again, answers still there
    assert back["active"] is True
    assert "retired_at" not in back
    assert [a["note"] for a in back["answers"]] == ["hard week"]


def test_with_no_boundary_the_nudge_reads_generically(tmp_path, http_receiver) -> None:
    clock = Clock("2026-11-20T08:00:00+01:00")
    daemon = make_daemon(tmp_path, DAILY, clock, push=http_receiver.json_url())
    (fired,) = fire_days(daemon, clock, 20, 1)
    assert "boundary_id" not in fired
    assert "your boundary" in fired["words"]
    assert "{boundary}" not in fired["words"]
    answer(daemon, fired, "held", clock)  # still a reply, kept as any other
    assert service.reply_to(daemon.store, fired["id"])["value"] == "held"


def test_rotation_rule_never_asked_first_then_least_recently() -> None:
    records = [
        {**boundaries.new_boundary(i, f"text {i}", T0), "last_asked": None}
        for i in ("b-1", "b-2", "b-3")
    ]
    records = [{k: v for k, v in r.items() if v is not None} for r in records]
    records[0] = boundaries.asked(records[0], T0 + timedelta(days=2))
    records[2] = boundaries.asked(records[2], T0 + timedelta(days=1))
    assert boundaries.next_boundary(records)["id"] == "b-2"
    records[1] = boundaries.asked(records[1], T0 + timedelta(days=3))
    assert boundaries.next_boundary(records)["id"] == "b-3"
    records[2] = {**records[2], "active": False}
    assert boundaries.next_boundary(records)["id"] == "b-1"


# the CLI --------------------------------------------------------------------------


def export(halfway, path) -> dict:
    ran = halfway("export", "--config", str(path))
    assert ran.code == 0, ran.err
    return json.loads(ran.out)


def test_cli_add_list_retire_and_the_export_keeps_answers(config_file, halfway) -> None:
    path = config_file().path
    ran = halfway("boundary", "add", "I keep my Sunday walks", "--config", str(path))
    assert ran.code == 0
    (added,) = export(halfway, path)["boundaries"]
    assert (added["text"], added["active"]) == ("I keep my Sunday walks", True)
    assert added["created_at"].endswith(("+01:00", "+02:00"))  # local time in the export
    assert "I keep my Sunday walks" in halfway("boundary", "list", "--config", str(path)).out
    ran = halfway("boundary", "retire", added["id"], "--config", str(path))
    assert ran.code == 0
    (retired,) = export(halfway, path)["boundaries"]
    assert retired["active"] is False
    assert retired["retired_at"].endswith(("+01:00", "+02:00"))
    assert "(retired)" in halfway("boundary", "list", "--config", str(path)).out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("retire", "b_nope"), "ID: no boundary 'b_nope'"),
        (("retire", "voices"), "comes from [[boundaries]] in your config"),
        (("add", "  "), "TEXT: a boundary needs a few words"),
    ],
)
def test_cli_bad_input_is_exit_2_and_changes_nothing(config_file, halfway, args, says) -> None:
    path = config_file(config_body({"voices": THREE["voices"]})).path
    # the CLI does not sync the config; the daemon does at start-up: do what it does
    from halfway.ledger import book
    from halfway.store.database import Store

    book.sync_boundaries(Store(path.parent / "data"), [("voices", THREE["voices"])], T0)
    before = export(halfway, path)["boundaries"]
    ran = halfway("boundary", *args, "--config", str(path))
    assert ran.code == 2
    assert says in ran.err
    assert len(ran.err.strip().splitlines()) == 1
    assert export(halfway, path)["boundaries"] == before


def test_config_refuses_a_bad_or_doubled_boundary_id(config_file, halfway) -> None:
    path = config_file(config_body({"Voices!": "x"})).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert "boundaries[0].id" in ran.err
    doubled = DAILY + '\n[[boundaries]]\nid = "a"\ntext = "x"\n' * 2
    ran = halfway("check", "--config", str(config_file(doubled).path))
    assert ran.code == 2
    assert "'a' is used by more than one boundary" in ran.err


def test_a_boundary_nudge_with_its_own_words_files_no_answer_under_another(
    tmp_path, http_receiver
) -> None:
    """`text` that names no {boundary} (like the starter config's) asks about those words:
    its answer must not land on whichever boundary the rotation would have named."""
    clock = Clock("2026-11-20T08:00:00+01:00")
    own = DAILY + 'text = "Did your evening walk happen, whatever the mood at home?"\n'
    daemon = make_daemon(tmp_path, own + config_body(THREE)[len(DAILY) :], clock)
    [fired] = fire_days(daemon, clock, 20, 1)
    assert "boundary_id" not in fired
    answer(daemon, fired, "held", clock)
    assert all(b["answers"] == [] for b in kept(daemon).values())
    named = DAILY + 'text = "How has {boundary} been?"\n' + config_body(THREE)[len(DAILY) :]
    other = make_daemon(tmp_path / "named", named, clock)
    [fired] = fire_days(other, clock, 21, 1)
    assert fired["boundary_id"] in THREE  # words that name a boundary still rotate
