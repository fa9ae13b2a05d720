"""`halfway demo-data`: weeks of plausible history, made by halfway's own daemon and
commands on a simulated clock, in an empty data folder only."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from halfway.cli import demodata
from halfway.config import loader
from halfway.store.database import StoreError
from halfway.store.datafile import SIDECAR

from .conftest import wait_for

ZONE = ZoneInfo("Europe/Berlin")
MOVEMENT = {"agreed_time", "acknowledged", "small_change"}
PHONE = {"phone": "ntfy://ntfy.example.net/halfway-7f3a"}


def monday_of(stamp: str) -> date:
    local = datetime.fromisoformat(stamp).astimezone(ZONE).date()
    return local - timedelta(days=local.weekday())


def by_week(export: dict[str, Any]) -> dict[date, Counter[str]]:
    """Per local week: deliveries, replies, entries, and movement or stillness answered."""
    weeks: dict[date, Counter[str]] = defaultdict(Counter)
    kinds = {d["id"]: d for d in export["deliveries"]}
    for delivery in export["deliveries"]:
        weeks[monday_of(delivery["scheduled_for"])]["deliveries"] += 1
        weeks[monday_of(delivery["scheduled_for"])][delivery["kind"]] += 1
    for reply in export["replies"]:
        delivery = kinds[reply["delivery_id"]]
        week = weeks[monday_of(delivery["scheduled_for"])]
        week["replies"] += 1
        if delivery["kind"] in ("pattern_review", "talk_reflection"):
            week["moved" if reply["value"] in MOVEMENT else "still"] += 1
    for entry in export["entries"]:
        weeks[monday_of(entry["at"])]["entries"] += 1
    return weeks


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_demo_data_fills_a_fresh_folder_that_the_commands_and_the_daemon_then_use(
    halfway, config_file, start_daemon
) -> None:
    written = config_file(server=True, channels=PHONE)
    data = written.data_dir
    assert data is not None
    ran = halfway("demo-data", "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert "made 12 weeks of sample history" in ran.out
    # the next commands name the same config, or they would read another folder
    assert f"  halfway --config {written.path} digest --out digest.html" in ran.out
    assert f"  halfway --config {written.path} history" in ran.out
    assert (data / "secret.key").exists()  # the reply key, as the daemon's first start makes it

    exported = halfway("export", "--config", str(written.path))
    assert exported.code == 0, exported.err
    export = json.loads(exported.out)
    this_week = monday_of(datetime.now(UTC).isoformat())
    weeks = by_week(export)
    full = [weeks[this_week - timedelta(weeks=n)] for n in range(1, 13)]
    for week in full:  # every whole week looks like a week of real use
        assert 8 <= week["deliveries"] <= 20, week
        assert 6 <= week["gesture_log"] <= 7, week  # a run not sent is one record
        assert week["pattern_review"] == 1, week
        assert 3 <= week["replies"] <= 20, week
        assert 2 <= week["entries"] <= 12, week
    assert any(w["moved"] for w in full)
    assert any(w["still"] >= 1 and w["moved"] == 0 for w in full)
    assert weeks[this_week - timedelta(weeks=13)]["deliveries"] == 0  # nothing before

    states = Counter(d["state"] for d in export["deliveries"])
    assert states["skipped"]
    assert states["missed"]  # a busy week, a stretch not running
    assert {r["via"] for r in export["replies"]} == {"push", "web", "cli"}
    initiations = Counter(e["by"] for e in export["entries"] if e["kind"] == "initiation")
    assert initiations["me"] > initiations["partner"] > 0
    assert any(e["kind"] == "gesture" for e in export["entries"])
    # what hurt is part of the story too (never counted), and one talk was their idea
    assert any(e["kind"] == "hurt" and e["by"] == "partner" for e in export["entries"])
    assert [t.get("by") for t in export["talks"]].count("partner") == 1
    assert 2 <= len(export["talks"]) <= 4
    assert {t["state"] for t in export["talks"]} == {"done"}
    assert any(len(t["history"]) > 2 for t in export["talks"])  # one was moved
    talk_steps = {d["kind"] for d in export["deliveries"] if d.get("talk_id")}
    assert talk_steps == {"clarity_ask", "reframe", "self_regulation", "talk_reflection"}
    assert len({a["state"] for a in export["asks"]}) >= 3
    answers = {a["value"] for b in export["boundaries"] for a in b["answers"]}
    assert {"held", "strained"} <= answers

    months = sorted(p.stem for p in (data / "archive").glob("*.json"))
    assert len(months) >= 3  # older months live in their archives, as in real use
    hot = json.loads((data / "halfway.json").read_bytes())
    assert len(hot["deliveries"]) < len(export["deliveries"]) / 3
    meta = next(iter(hot["meta"].values()))  # its count kept beside it, as by real use
    assert json.loads((data / SIDECAR).read_text()) == {
        "file_id": meta["file_id"],
        "writes": meta["writes"],
    }

    history = halfway("history", "--config", str(written.path))
    assert history.code == 0, history.err
    assert "gesture by partner" in history.out
    assert "demo-review (pattern_review)" in history.out

    before = snapshot(data)
    again = halfway("demo-data", "--config", str(written.path))
    assert again.code == 1
    assert "already holds data" in again.err
    assert len(again.err.strip().splitlines()) == 1
    assert snapshot(data) == before

    daemon = start_daemon("--config", str(written.path))
    health = wait_for(lambda: daemon.health(str(written.listen)))
    assert health["status"] == "ok", daemon.stderr()
    assert daemon.stop() == 0
    assert "Traceback" not in daemon.stderr()


def story(folder: Path, seed: int) -> list[tuple[Any, ...]]:
    """Three weeks made in `folder`, as the records read (ids aside: they are random)."""
    settings = loader.build(
        {"timezone": "Europe/Berlin", "data_dir": str(folder), "channels": PHONE}, "test"
    )
    demodata.fill(settings, 3, seed, datetime(2026, 11, 25, 12, tzinfo=UTC))
    from halfway.store.database import Store

    every = Store(folder).everything()
    return sorted(
        [("d", d["kind"], d["scheduled_for"], d["state"]) for d in every["deliveries"]]
        + [("r", r["received_at"], r["value"], r["note"], r["via"]) for r in every["replies"]]
        + [("e", e["at"], e["kind"], e["text"], e.get("by")) for e in every["entries"]]
        + [("a", a["at"], a["text"], a["state"]) for a in every["asks"]]
        + [("t", t["at"], t["topic"], t["state"]) for t in every["talks"]]
    )


def test_the_same_seed_makes_the_same_story(tmp_path) -> None:
    first = story(tmp_path / "one", 5)
    assert first == story(tmp_path / "two", 5)
    assert first != story(tmp_path / "three", 6)


def test_a_folder_with_one_entry_is_refused_and_left_byte_for_byte(halfway, config_file) -> None:
    written = config_file()
    assert written.data_dir is not None
    assert halfway("log", "gesture", "made tea", "--config", str(written.path)).code == 0
    before = snapshot(written.data_dir)
    ran = halfway("demo-data", "--weeks", "2", "--config", str(written.path))
    assert ran.code == 1
    assert ran.err == (
        f"halfway: {written.data_dir}: already holds data (entries: 1); demo-data fills only"
        " an empty folder and changed nothing. Name another data_dir, e.g."
        " HALFWAY_DATA_DIR=/tmp/halfway-demo halfway demo-data\n"
    )
    assert snapshot(written.data_dir) == before
    with pytest.raises(StoreError):  # the function refuses too, whoever calls it
        demodata.fill(loader.load(written.path), 1, 1, datetime.now(UTC))
    assert snapshot(written.data_dir) == before


def test_the_next_commands_repeat_the_data_folder_given_in_the_environment(
    halfway, config_file, monkeypatch, tmp_path
) -> None:
    config_file(name="xdg-config/halfway/config.toml", data_dir=False)  # the default config
    folder = tmp_path / "a demo"
    monkeypatch.setenv("HALFWAY_DATA_DIR", str(folder))
    ran = halfway("demo-data", "--weeks", "1")
    assert ran.code == 0, ran.err
    prefix = f"HALFWAY_DATA_DIR='{folder}' halfway"
    assert f"  {prefix} digest --out digest.html" in ran.out
    assert f"  {prefix} history" in ran.out
    assert f"  {prefix} run" in ran.out
    assert (folder / "halfway.json").exists()


@pytest.mark.parametrize("weeks", ["0", "105", "-3", "twelve", "1.5"])
def test_a_bad_number_of_weeks_is_one_line_and_exit_2(halfway, config_file, weeks) -> None:
    written = config_file()
    ran = halfway("demo-data", f"--weeks={weeks}", "--config", str(written.path))
    assert ran.code == 2
    assert ran.err.count("\n") == 1
    assert "from 1 to 104" in ran.err
    assert written.data_dir is not None
    assert not written.data_dir.exists()
