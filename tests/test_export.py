"""Export and history over a snapshot: local times exactly right, across every clock change."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from halfway.records import export, history


def general(text: str, zone: ZoneInfo) -> str:
    """The plain, slow conversion every shortcut must agree with."""
    return datetime.fromisoformat(text).astimezone(zone).isoformat()


def instants_around(change: str, hours: int = 26) -> list[str]:
    """Stored UTC texts every 7 minutes around `change`, some with microseconds."""
    middle = datetime.fromisoformat(change)
    texts = []
    for step in range(-hours * 60 // 7, hours * 60 // 7):
        moment = middle + timedelta(minutes=7 * step, seconds=step % 60)
        texts.append(moment.isoformat())
        texts.append((moment + timedelta(microseconds=1 + step % 999_999)).isoformat())
    return texts


@pytest.mark.parametrize(
    ("zone", "change"),
    [
        ("Europe/Berlin", "2026-03-29T01:00:00+00:00"),  # 02:00 CET -> 03:00 CEST
        ("Europe/Berlin", "2026-10-25T01:00:00+00:00"),  # 03:00 CEST -> 02:00 CET
        ("America/New_York", "2026-03-08T07:00:00+00:00"),  # 02:00 EST -> 03:00 EDT
        ("America/New_York", "2026-11-01T06:00:00+00:00"),  # 02:00 EDT -> 01:00 EST
        ("America/St_Johns", "2026-03-08T05:30:00+00:00"),  # half-hour offset, mid-hour change
        ("Australia/Lord_Howe", "2026-04-04T15:00:00+00:00"),  # a half-hour change
        ("Asia/Kolkata", "2026-06-01T00:00:00+00:00"),  # +05:30, no change
    ],
)
def test_local_times_match_the_general_conversion_across_a_clock_change(
    zone: str, change: str
) -> None:
    local = export.LocalTime(ZoneInfo(zone)).of
    for text in instants_around(change):
        assert local(text) == general(text, ZoneInfo(zone)), text


@pytest.mark.parametrize(
    ("zone", "stored", "shown"),
    [
        ("Europe/Berlin", "2026-03-29T00:59:59+00:00", "2026-03-29T01:59:59+01:00"),
        ("Europe/Berlin", "2026-03-29T01:00:00+00:00", "2026-03-29T03:00:00+02:00"),
        ("Europe/Berlin", "2026-10-25T00:30:00.250000+00:00", "2026-10-25T02:30:00.250000+02:00"),
        ("Europe/Berlin", "2026-10-25T01:30:00+00:00", "2026-10-25T02:30:00+01:00"),
        ("Europe/Berlin", "2026-12-31T23:15:00+00:00", "2027-01-01T00:15:00+01:00"),
        ("America/New_York", "2026-03-08T06:59:00+00:00", "2026-03-08T01:59:00-05:00"),
        ("America/New_York", "2026-03-08T07:00:00+00:00", "2026-03-08T03:00:00-04:00"),
        ("America/New_York", "2026-11-01T05:30:00+00:00", "2026-11-01T01:30:00-04:00"),
        ("America/New_York", "2026-11-01T06:30:00+00:00", "2026-11-01T01:30:00-05:00"),
        ("America/New_York", "2026-01-01T02:00:00+00:00", "2025-12-31T21:00:00-05:00"),
        ("Asia/Kolkata", "2026-11-25T18:45:10+00:00", "2026-11-26T00:15:10+05:30"),
    ],
)
def test_known_instants_are_shown_in_local_time(zone: str, stored: str, shown: str) -> None:
    assert export.LocalTime(ZoneInfo(zone)).of(stored) == shown


@pytest.mark.parametrize(
    "stored",
    [
        "2026-11-25T20:00:00+01:00",  # an old file's local offset
        "2026-11-25T14:00:00-05:00",
        "2026-07-01T12:00:00+05:45",
        "2026-11-25T19:00:00Z",
        "2026-11-25T19:00:00.000000+00:00",  # written without its microseconds
        "2026-11-25T19:00:00.123+00:00",
        "2026-11-25 19:00:00+00:00",
        "1850-06-01T12:00:00+00:00",  # local mean time: an offset with seconds
    ],
)
def test_any_other_form_of_instant_takes_the_general_path(stored: str) -> None:
    for zone in ("Europe/Berlin", "America/New_York"):
        local = export.LocalTime(ZoneInfo(zone)).of
        local("2026-11-25T19:30:00+00:00")  # the same hour, already learned
        assert local(stored) == general(stored, ZoneInfo(zone))


def test_text_that_is_no_instant_is_refused_as_before() -> None:
    with pytest.raises(ValueError, match="out of range"):
        export.LocalTime(ZoneInfo("Europe/Berlin")).of("2026-02-30T10:00:00+00:00")


def snapshot() -> dict[str, object]:
    return {
        "schema_version": 1,
        "deliveries": [
            {
                "id": "d_1",
                "nudge_id": "evening",
                "kind": "boundary",
                "state": "sent",
                "scheduled_for": "2026-10-25T00:30:00+00:00",
                "expires_at": "2026-11-01T00:30:00+00:00",
                "reply": {"choices": [["held", "Held"], ["crossed", "Crossed"]]},
                "channels": {"phone": {"state": "sent", "sent_at": "2026-10-25T00:30:02.5+00:00"}},
            }
        ],
        "replies": [],
        "entries": [
            {"id": "e_1", "kind": "note", "text": "after", "at": "2026-10-25T01:10:00+00:00"},
            {"id": "e_2", "kind": "note", "text": "before", "at": "2026-10-24T21:00:00+00:00"},
        ],
        "talks": [],
    }


def test_localized_converts_every_time_field_and_leaves_its_input_alone() -> None:
    data = snapshot()
    before = copy.deepcopy(data)
    shown = export.localized(data, ZoneInfo("Europe/Berlin"))
    assert data == before
    delivery = shown["deliveries"][0]
    assert delivery["scheduled_for"] == "2026-10-25T02:30:00+02:00"
    assert delivery["channels"]["phone"]["sent_at"] == "2026-10-25T02:30:02.500000+02:00"
    assert delivery["expires_at"] == "2026-11-01T00:30:00+00:00"  # not a field shown locally
    assert delivery["reply"] == before["deliveries"][0]["reply"]
    assert [e["at"] for e in shown["entries"]] == [
        "2026-10-25T02:10:00+01:00",
        "2026-10-24T23:00:00+02:00",
    ]


def test_history_is_in_the_order_things_happened_across_the_clock_change() -> None:
    data = export.localized(snapshot(), ZoneInfo("Europe/Berlin"))
    now = datetime(2026, 10, 25, 2, tzinfo=UTC)
    rows = history.history_rows(data, None, now)
    # 02:30+02:00 came before 02:10+01:00, though it reads later.
    assert [r.get("text", r["id"]) for r in rows] == ["before", "d_1", "after"]
    assert rows[1]["waiting"] is True
    since = history.history_rows(data, date(2026, 10, 25), now)
    assert [r.get("text", r["id"]) for r in since] == ["d_1", "after"]
    assert history.describe(rows[1]).startswith("evening (boundary): sent [phone sent]")


def gaps_and_replies() -> dict[str, object]:
    """A sent fire answered with a note, a skipped run with its reason, and a missed fire
    from before halfway said why (no `reason`): stored UTC, as the store keeps them."""
    data = snapshot()
    data["deliveries"] = [
        {
            **data["deliveries"][0],  # type: ignore[index]
            "channels": {
                "phone": {"state": "sent", "attempts": 1, "sent_at": None, "error": None},
                "mail": {"state": "failed", "attempts": 2, "sent_at": None, "error": "refused"},
            },
        },
        {
            "id": "d_2",
            "nudge_id": "often",
            "kind": "custom",
            "state": "skipped",
            "scheduled_for": "2026-10-25T09:00:15+00:00",
            "last_scheduled": "2026-10-25T09:00:45+00:00",
            "count": 3,
            "reason": "backoff",
            "why": "eased off after 3 unanswered",
            "unanswered": 3,
            "channels": {"phone": {"state": "skipped", "attempts": 0, "error": None}},
        },
        {
            "id": "d_3",
            "nudge_id": "evening",
            "kind": "boundary",
            "state": "missed",
            "scheduled_for": "2026-10-25T10:00:00+00:00",
            "channels": {"phone": {"state": "missed", "attempts": 0, "error": None}},
        },
    ]
    data["replies"] = [
        {
            "id": "r_1",
            "delivery_id": "d_1",
            "value": "held",
            "note": "we talked it through",
            "via": "web",
            "received_at": "2026-10-25T00:40:00+00:00",
            "history": [],
        }
    ]
    return data


def test_csv_has_one_row_per_record_and_plain_text_in_every_cell() -> None:
    text = export.to_csv(export.localized(gaps_and_replies(), ZoneInfo("Europe/Berlin")))
    lines = text.splitlines()
    assert lines[0] == ",".join(export.CSV_COLUMNS)
    assert lines[0].startswith("record,id,at,kind,nudge_id,state,channels,delivery_id,value,")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text))}
    assert not any("{" in cell for row in rows.values() for cell in row.values())
    assert (rows["d_1"]["channels"], rows["d_1"]["channel_errors"]) == (
        "phone:sent;mail:failed",
        "mail: refused",
    )
    assert rows["d_1"]["at"] == "2026-10-25T02:30:00+02:00"
    skipped = rows["d_2"]
    assert (skipped["reason"], skipped["why"], skipped["count"]) == (
        "backoff",
        "eased off after 3 unanswered",
        "3",
    )
    assert (rows["d_3"]["state"], rows["d_3"]["reason"]) == ("missed", "")  # an old record
    reply = rows["r_1"]
    assert (reply["record"], reply["nudge_id"], reply["value"], reply["note"]) == (
        "reply",
        "evening",
        "held",
        "we talked it through",
    )
    assert lines[-1] == "entry,e_2,2026-10-24T23:00:00+02:00,note,,,,,,,,before,,,,,,,,,,,,,,,,"


def test_json_export_keeps_channels_as_an_object_and_adds_the_reason() -> None:
    data = export.localized(gaps_and_replies(), ZoneInfo("Europe/Berlin"))
    shown = json.loads(export.to_json(data))
    sent, skipped, missed = shown["deliveries"]
    assert sent["channels"]["mail"] == {
        "state": "failed",
        "attempts": 2,
        "sent_at": None,
        "error": "refused",
    }
    assert (skipped["reason"], skipped["why"], skipped["unanswered"]) == (
        "backoff",
        "eased off after 3 unanswered",
        3,
    )
    assert "reason" not in missed
    assert shown["replies"][0] == gaps_and_replies()["replies"][0] | {  # type: ignore[index]
        "received_at": "2026-10-25T02:40:00+02:00"
    }


def test_history_shows_reply_notes_their_nudge_and_why_a_fire_was_not_sent() -> None:
    data = gaps_and_replies()
    now = datetime(2026, 10, 25, 12, tzinfo=UTC)
    rows = history.history_rows(data, None, now, export.local_clock(ZoneInfo("Europe/Berlin")))
    assert history.history_lines(rows) == [
        "2026-10-24 23:00:00  note: before",
        "2026-10-25 02:30:00  evening (boundary): sent [phone sent, mail failed]",
        '2026-10-25 02:40:00  reply to d_1 (evening): Held · note: "we talked it through"',
        "2026-10-25 02:10:00  note: after",
        "2026-10-25 10:00:15  often (custom): skipped, 3 fires to 2026-10-25 10:00:45"
        " (eased off after 3 unanswered)",
        "2026-10-25 11:00:00  evening (boundary): missed",
    ]


def test_history_shows_times_to_the_minute_when_no_fire_needs_seconds() -> None:
    data = snapshot()
    now = datetime(2026, 10, 25, 12, tzinfo=UTC)
    rows = history.history_rows(data, None, now, export.local_clock(ZoneInfo("Europe/Berlin")))
    assert [line[:17] for line in history.history_lines(rows)] == [
        "2026-10-24 23:00 ",
        "2026-10-25 02:30 ",
        "2026-10-25 02:10 ",
    ]
