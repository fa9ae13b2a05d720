"""`halfway history` and the CSV export hold talks, asks and boundaries too."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from halfway.records import export, history

BERLIN = ZoneInfo("Europe/Berlin")


def practices() -> dict[str, object]:
    """A snapshot (stored UTC) with a moved and done talk, an ask answered, and a boundary
    answered twice and then retired."""
    return {
        "schema_version": 1,
        "deliveries": [],
        "replies": [],
        "entries": [],
        "talks": [
            {
                "id": "t_1",
                "at": "2026-12-05T17:30:00+00:00",
                "topic": "us",
                "state": "done",
                "created_at": "2026-12-01T09:00:00+00:00",
                "history": [
                    {"state": "planned", "at": "2026-12-01T09:00:00+00:00"},
                    {
                        "state": "moved",
                        "at": "2026-12-02T09:00:00+00:00",
                        "from": "2026-12-03T18:00:00+00:00",
                        "to": "2026-12-05T17:30:00+00:00",
                    },
                    {"state": "done", "at": "2026-12-05T19:00:00+00:00"},
                ],
                "chain": [],
            },
            {
                "id": "t_2",
                "at": "2026-12-09T18:00:00+00:00",
                "topic": None,
                "state": "cancelled",
                "created_at": "2026-12-06T09:00:00+00:00",
                "history": [
                    {"state": "planned", "at": "2026-12-06T09:00:00+00:00"},
                    {"state": "cancelled", "at": "2026-12-07T09:00:00+00:00"},
                ],
                "chain": [],
            },
        ],
        "asks": [
            {
                "id": "a_1",
                "text": "20 minutes on Saturday",
                "state": "agreed",
                "at": "2026-12-01T10:00:00+00:00",
                "history": [
                    {"state": "made", "at": "2026-12-01T10:00:00+00:00"},
                    {"state": "agreed", "at": "2026-12-05T20:00:00+00:00", "delivery_id": "d_9"},
                ],
            }
        ],
        "boundaries": [
            {
                "id": "b_1",
                "text": "I leave the room when voices rise",
                "active": False,
                "source": "cli",
                "created_at": "2026-12-01T11:00:00+00:00",
                "retired_at": "2026-12-08T11:00:00+00:00",
                "last_asked": "2026-12-04T18:00:00+00:00",
                "answers": [
                    {
                        "delivery_id": "d_3",
                        "value": "held",
                        "note": "calm; then a walk",
                        "at": "2026-12-02T19:00:00+00:00",
                    },
                    {
                        "delivery_id": "d_4",
                        "value": "crossed",
                        "note": None,
                        "at": "2026-12-04T19:00:00+00:00",
                    },
                ],
            }
        ],
    }


NOW = datetime(2026, 12, 10, tzinfo=UTC)


def test_history_has_a_line_per_change_of_a_talk_an_ask_and_a_boundary() -> None:
    rows = history.history_rows(practices(), None, NOW, export.local_clock(BERLIN))
    assert history.history_lines(rows) == [
        "2026-12-01 10:00  talk t_1 planned for 2026-12-03 19:00, about “us”",
        "2026-12-01 11:00  ask a_1 asked: 20 minutes on Saturday",  # stored `made`
        "2026-12-01 12:00  boundary b_1 added: I leave the room when voices rise",
        "2026-12-02 10:00  talk t_1 moved from 2026-12-03 19:00 to 2026-12-05 18:30, about “us”",
        '2026-12-02 20:00  boundary b_1 held: I leave the room when voices rise · note: "calm;'
        ' then a walk"',
        "2026-12-04 20:00  boundary b_1 crossed: I leave the room when voices rise",
        "2026-12-05 20:00  talk t_1 (2026-12-05 18:30) done, about “us”",
        "2026-12-05 21:00  ask a_1 agreed: 20 minutes on Saturday",
        "2026-12-06 10:00  talk t_2 planned for 2026-12-09 19:00",
        "2026-12-07 10:00  talk t_2 (2026-12-09 19:00) cancelled",
        "2026-12-08 12:00  boundary b_1 retired: I leave the room when voices rise",
    ]


def test_history_json_rows_carry_the_same_changes_with_local_times() -> None:
    data = export.localized(practices(), BERLIN)
    rows = history.history_rows(data, None, NOW)
    kinds = [(r["record"], r["id"], r["state"]) for r in rows]
    assert kinds[:4] == [
        ("talk", "t_1", "planned"),
        ("ask", "a_1", "asked"),  # stored by an older version as `made`
        ("boundary", "b_1", "added"),
        ("talk", "t_1", "moved"),
    ]
    moved = rows[3]
    assert (moved["at"], moved["from"], moved["to"]) == (
        "2026-12-02T10:00:00+01:00",
        "2026-12-03T19:00:00+01:00",
        "2026-12-05T18:30:00+01:00",
    )
    held = rows[4]
    assert (held["record"], held["state"], held["note"], held["delivery_id"]) == (
        "boundary",
        "held",
        "calm; then a walk",
        "d_3",
    )
    assert rows[7]["delivery_id"] == "d_9"  # the reflection that moved the ask
    json.loads(export.to_json(rows))  # plain JSON throughout


def test_history_since_keeps_the_later_changes_only() -> None:
    rows = history.history_rows(practices(), datetime(2026, 12, 5).date(), NOW, str)
    assert [(r["record"], r["state"]) for r in rows] == [
        ("talk", "done"),
        ("ask", "agreed"),
        ("talk", "planned"),
        ("talk", "cancelled"),
        ("boundary", "retired"),
    ]


def test_csv_has_a_row_per_ask_and_boundary_in_plain_text() -> None:
    text = export.to_csv(export.localized(practices(), BERLIN))
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert not any(c.startswith(("[", "{")) for row in rows.values() for c in row.values())
    ask, boundary, talk = rows["a_1"], rows["b_1"], rows["t_1"]
    assert (ask["record"], ask["at"], ask["state"], ask["text"]) == (
        "ask",
        "2026-12-01T11:00:00+01:00",
        "agreed",
        "20 minutes on Saturday",
    )
    assert ask["history"] == "asked 2026-12-01T11:00:00+01:00;agreed 2026-12-05T21:00:00+01:00"
    assert (boundary["record"], boundary["at"], boundary["active"]) == (
        "boundary",
        "2026-12-01T12:00:00+01:00",
        "false",
    )
    assert boundary["retired_at"] == "2026-12-08T12:00:00+01:00"
    assert boundary["answers"] == (
        "held 2026-12-02T20:00:00+01:00: calm; then a walk;crossed 2026-12-04T20:00:00+01:00"
    )
    assert talk["history"] == (
        "planned 2026-12-01T10:00:00+01:00;moved 2026-12-02T10:00:00+01:00"
        " from 2026-12-03T19:00:00+01:00 to 2026-12-05T18:30:00+01:00;"
        "done 2026-12-05T20:00:00+01:00"
    )
    assert [r["record"] for r in csv.DictReader(io.StringIO(text))] == [
        "talk",
        "talk",
        "ask",
        "boundary",
    ]


def test_json_export_keeps_asks_and_boundaries_as_records() -> None:
    data = export.localized(practices(), BERLIN)
    shown = json.loads(export.to_json(data))
    assert shown["asks"][0]["history"][1] == {
        "state": "agreed",
        "at": "2026-12-05T21:00:00+01:00",
        "delivery_id": "d_9",
    }
    assert shown["boundaries"][0]["answers"][0]["note"] == "calm; then a walk"
    assert shown["boundaries"][0]["active"] is False


def test_the_history_command_shows_talks_asks_and_boundaries(halfway, config_file) -> None:
    path = str(config_file().path)

    def run(*args: str) -> str:
        ran = halfway(*args, "--config", path)
        assert ran.code == 0, ran.err
        return ran.out

    with freeze_time("2026-12-01T09:00:00Z"):
        talk_id = run("talk", "add", "2026-12-03 19:00", "--topic", "us").split()[2][:-1]
        ask_id = run("ask", "add", "20 minutes on Saturday").split("(")[1].split(")")[0]
        boundary_id = run("boundary", "add", "my evening walk").split()[2][:-1]
    with freeze_time("2026-12-02T09:00:00Z"):
        run("talk", "move", talk_id, "2026-12-05 18:30")
        run("ask", "update", ask_id, "agreed")
        run("boundary", "retire", boundary_id)
    with freeze_time("2026-12-05T19:00:00Z"):
        run("talk", "done", talk_id)
        lines = run("history").splitlines()
        rows = json.loads(run("history", "--json"))
        csv_rows = list(csv.DictReader(io.StringIO(run("export", "--format", "csv"))))
    assert lines == [
        f"2026-12-01 10:00  talk {talk_id} planned for 2026-12-03 19:00, about “us”",
        f"2026-12-01 10:00  ask {ask_id} asked: 20 minutes on Saturday",
        f"2026-12-01 10:00  boundary {boundary_id} added: my evening walk",
        f"2026-12-02 10:00  talk {talk_id} moved from 2026-12-03 19:00 to 2026-12-05 18:30,"
        " about “us”",
        f"2026-12-02 10:00  ask {ask_id} agreed: 20 minutes on Saturday",
        f"2026-12-02 10:00  boundary {boundary_id} retired: my evening walk",
        f"2026-12-05 20:00  talk {talk_id} (2026-12-05 18:30) done, about “us”",
    ]
    assert [(r["record"], r["state"], r["at"]) for r in rows][-1] == (
        "talk",
        "done",
        "2026-12-05T20:00:00+01:00",
    )
    assert sorted(r["record"] for r in csv_rows) == ["ask", "boundary", "talk"]
