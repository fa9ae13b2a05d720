"""A reply by its link, and a changed reply's earlier versions in `history` and both
exports, through the real CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from freezegun import freeze_time

from halfway.core import tokens

from .engine import first_start

NUDGE = (
    'discreet = false\n[[nudges]]\nid = "evening"\nkind = "custom"\n'
    'text = "Did you get a moment together?"\nchoices = ["yes", "no"]\ncron = "0 20 * * *"\n'
)


@pytest.fixture
def sent(config_file, http_receiver, halfway) -> tuple[Path, str, str]:
    """A nudge sent at 18:30 Berlin time (17:30 UTC); its config, delivery id and reply link."""
    written = config_file(NUDGE, channels={"push": http_receiver.json_url()})
    first_start(written.data_dir)
    with freeze_time("2026-11-25T17:30:00Z"):
        ran = halfway("send", "evening", "--config", str(written.path))
    assert ran.code == 0, ran.err
    link = re.search(r"https?://\S+/r/\S+", http_receiver.bodies()[0]["message"]).group(0)
    delivery_id = link.rsplit("/", 1)[1].split(".")[0]
    return written.path, delivery_id, link


def export(halfway, path: Path, fmt: str = "json") -> str:
    ran = halfway("export", "--format", fmt, "--config", str(path))
    assert ran.code == 0, ran.err
    return ran.out


def test_reply_takes_the_token_as_the_link_ends_it(sent, halfway) -> None:
    path, delivery_id, link = sent
    token = link.rsplit("/", 1)[1]
    assert token.startswith(delivery_id + ".")
    with freeze_time("2026-11-25T17:40:00Z"):
        ran = halfway("reply", token, "yes", "--config", str(path))
    assert (ran.code, ran.out.strip()) == (0, "noted: Yes"), ran.err
    [reply] = json.loads(export(halfway, path))["replies"]
    assert (reply["delivery_id"], reply["value"], reply["via"]) == (delivery_id, "yes", "cli")


def test_reply_takes_the_whole_link_and_an_unknown_one_is_exit_2(sent, halfway) -> None:
    path, delivery_id, link = sent
    assert link.startswith("http://")
    with freeze_time("2026-11-25T17:40:00Z"):
        ran = halfway("reply", link + "?saved=1", "later", "--config", str(path))
        later = "noted: Later; it comes back Wed 2026-11-25 19:40 CET"  # snoozed 1 h
        assert (ran.code, ran.out.strip()) == (0, later), ran.err
        secure = "https://" + link.removeprefix("http://")  # behind a proxy, say
        ran = halfway("reply", f"  {secure}#top  ", "no", "--config", str(path))
        assert ran.code == 0, ran.err
        assert [r["value"] for r in json.loads(export(halfway, path))["replies"]] == ["no"]

        unknown = link.replace(delivery_id, "d_000000000000")
        missing = halfway("reply", unknown, "yes", "--config", str(path))
        bare = halfway("reply", "d_000000000000", "yes", "--config", str(path))
        assert (missing.code, missing.err) == (bare.code, bare.err) == (2, missing.err)
        assert "no delivery 'd_000000000000'" in missing.err
        assert missing.err.count("\n") == 1
        assert link.rsplit(".", 1)[1] not in missing.err  # the signature is never echoed

        for wrong in (f"{link}x" * 200, "https://example.net/nothing/here", "d_1./", "d_1.a b"):
            ran = halfway("reply", wrong, "yes", "--config", str(path))
            assert ran.code == 2, (wrong, ran.err)
            assert ran.err.count("\n") == 1, ran.err


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ("d_1a2b", "d_1a2b"),  # the bare id, as today
        ("d_1a2b.Zx-_9", "d_1a2b"),
        ("https://example.net/halfway/r/d_1a2b.Zx-_9?saved=1#x", "d_1a2b"),  # under a path
        ("http://127.0.0.1:8470/r/d_1a2b.Zx-_9/log", "d_1a2b"),  # the page's own form
        ("https://example.net/r/d_1a2b", None),  # a link without its signature
        ("https://example.net/r/", None),
        ("d_1a2b.", None),
        ("d_1a2b.Zx9" + "9" * 64, None),  # longer than any signature
        ("https://example.net/r/d_1a2b.Zx9" + "/" * 2048, None),  # longer than any link
        ("", None),
    ],
)
def test_delivery_named_reads_an_id_a_token_or_a_link(given: str, named: str | None) -> None:
    assert tokens.delivery_named(given) == named


def test_history_shows_a_changed_answer_by_its_label_with_the_earlier_ones(sent, halfway) -> None:
    path, delivery_id, _link = sent
    for at, value, note in (
        ("2026-11-25T17:40:00Z", "later", "after dinner"),
        ("2026-11-25T17:51:00Z", "no", None),
        ("2026-11-25T18:02:00Z", "yes", "a walk"),
    ):
        with freeze_time(at):
            args = ("--note", note) if note else ()
            assert halfway("reply", delivery_id, value, *args, "--config", str(path)).code == 0
    lines = halfway("history", "--config", str(path)).out.splitlines()
    assert lines[-1] == (
        f"2026-11-25 19:02  reply to {delivery_id} (evening): Yes (changed; earlier:"
        ' Later at 18:40 with note "after dinner", No at 18:51) · note: "a walk"'
    )
    [row] = [r for r in json.loads(halfway("history", "--json", "--config", str(path)).out)
             if r["record"] == "reply"]  # fmt: skip
    assert (row["value"], row["label"]) == ("yes", "Yes")
    assert [(v["label"], v["received_at"]) for v in row["history"]] == [
        ("Later", "2026-11-25T18:40:00+01:00"),
        ("No", "2026-11-25T18:51:00+01:00"),
    ]


def test_an_earlier_answer_of_another_day_shows_its_date_and_a_lost_delivery_its_code() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from halfway.records import export, history

    reply = {
        "id": "r_1",
        "delivery_id": "d_1",
        "value": "held",
        "note": None,
        "via": "web",
        "received_at": "2026-11-26T08:00:00+00:00",
        "history": [
            {
                "value": "later",
                "note": None,
                "via": "push",
                "received_at": "2026-11-25T22:30:00+00:00",
            }
        ],
    }
    delivery = {
        "id": "d_1",
        "nudge_id": "b",
        "kind": "boundary",
        "state": "sent",
        "scheduled_for": "2026-11-25T19:00:00+00:00",
        "channels": {},
        "reply": {"choices": [["held", "Held"], ["crossed", "Did not hold this time"]]},
    }
    now = datetime(2026, 11, 27, tzinfo=UTC)
    local = export.local_clock(ZoneInfo("Europe/Berlin"))
    for deliveries, answer, earlier in (([delivery], "Held", "Later"), ([], "held", "later")):
        data = {"deliveries": deliveries, "replies": [reply], "entries": []}
        lines = history.history_lines(history.history_rows(data, None, now, local))
        assert lines[-1].endswith(
            f"reply to d_1{' (b)' if deliveries else ''}: {answer}"
            f" (changed; earlier: {earlier} at 2026-11-25 23:30)"
        ), lines


def test_csv_holds_a_replys_earlier_versions_as_the_json_does(sent, halfway) -> None:
    path, delivery_id, _link = sent
    for at, value, note in (
        ("2026-11-25T17:40:00Z", "later", "=HYPERLINK(1)"),
        ("2026-11-25T17:51:00Z", "no", None),
        ("2026-11-25T18:02:00Z", "yes", "a walk"),
    ):
        with freeze_time(at):
            args = ("--note", note) if note else ()
            assert halfway("reply", delivery_id, value, *args, "--config", str(path)).code == 0
    [reply] = json.loads(export(halfway, path))["replies"]
    rows = list(csv.DictReader(io.StringIO(export(halfway, path, "csv"))))
    replies = [r for r in rows if r["record"] in ("reply", "reply_version")]
    assert [r["record"] for r in replies] == ["reply", "reply_version", "reply_version"]
    current, *earlier = replies
    assert (current["id"], current["reply_id"], current["value"]) == (reply["id"],) * 2 + ("yes",)
    assert len(reply["history"]) == 2
    for row, version in zip(earlier, reply["history"], strict=True):
        assert (row["id"], row["reply_id"]) == ("", reply["id"])
        assert (row["delivery_id"], row["nudge_id"]) == (delivery_id, "evening")
        assert row["at"] == version["received_at"]
        assert (row["value"], row["via"], row["scale"]) == (
            version["value"],
            version["via"],
            str(version["scale"] or ""),
        )
        assert row["note"].removeprefix("'") == (version["note"] or "")
    assert earlier[0]["note"] == "'=HYPERLINK(1)"  # formula-neutral, as every cell
