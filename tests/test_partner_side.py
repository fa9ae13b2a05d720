"""When the partner starts to take part (issue 19, item 3): the offer on the app's home
after movement in 3 of the last 4 weeks following a still stretch, once and not before;
`[partner] record = false` takes the partner's choices out of the next nudges and the
partner's side out of the digest; `halfway erase --partner-side` removes only that,
checked by id against an export taken before."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from halfway.care import engage
from halfway.core import kinds
from halfway.core.instants import format_instant
from halfway.digest import figures, render
from halfway.store import links
from halfway.store.database import Store

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick
from .test_app import csrf_of, talk_to

BERLIN = ZoneInfo("Europe/Berlin")
NOW = "2026-11-25T19:00:00+01:00"  # a Wednesday: the last whole week began Mon 16 Nov
STILL = [date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19)]
MOVED = [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 16)]  # 9 Nov is still
OFFER = "Something is moving"


def history() -> dict[str, list[dict[str, Any]]]:
    """Three still weeks, then movement in 3 of the last 4 (by the weekly review), a
    partner's gesture and reaching out, my own reaching out and a note of mine."""
    tables: dict[str, list[dict[str, Any]]] = {"deliveries": [], "replies": [], "entries": []}
    for monday in [*STILL, date(2026, 11, 9), *MOVED]:
        sunday = format_instant(datetime.combine(monday + timedelta(days=6), time(18), BERLIN))
        n = len(tables["deliveries"])
        tables["deliveries"].append(
            {
                "id": f"d_{n}",
                "kind": "pattern_review",
                "nudge_id": "weekly",
                "scheduled_for": sunday,
            }
        )
        value = "agreed_time" if monday in MOVED else "none"
        tables["replies"].append(
            {"id": f"r_{n}", "delivery_id": f"d_{n}", "value": value, "note": None, "scale": 3}
            | {"via": "web", "received_at": sunday, "history": []}
        )
    at = format_instant(datetime.combine(date(2026, 11, 17), time(12), BERLIN))
    tables["entries"] += [
        {"id": "e_1", "kind": "gesture", "text": "tea", "at": at, "by": "partner"},
        {"id": "e_2", "kind": "initiation", "text": "called", "at": at, "by": "partner"},
        {"id": "e_3", "kind": "initiation", "text": "asked", "at": at, "by": "me"},
        {"id": "e_4", "kind": "note", "text": "mine", "at": at},
    ]
    return tables


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# the offer -------------------------------------------------------------------------------


def test_the_offer_comes_after_movement_in_3_of_4_weeks_after_a_still_stretch_not_before() -> None:
    tables = history()
    assert engage.offer_due(tables, BERLIN, at(NOW), {}) == "2026-10-05"
    week_before = at(NOW) - timedelta(weeks=1)  # movement in only 2 of the last 4
    assert engage.offer_due(tables, BERLIN, week_before, {}) is None
    answered = {engage.META: {"run": "2026-10-05", "answer": "not_now"}}
    assert engage.offer_due(tables, BERLIN, at(NOW), answered) is None  # once
    assert engage.offer_due(tables, BERLIN, at(NOW), {}, recording=False) is None


@pytest.fixture
def moving(tmp_path):
    clock = Clock(NOW)
    daemon = make_daemon(tmp_path, "", clock)
    with daemon.store.transaction() as tx:
        for name, rows in history().items():
            for row in rows:
                tx.put(name, row)
    return daemon, links.required(daemon.store.data_dir)["digest"], clock


def test_the_home_shows_the_offer_once_and_not_now_hides_it_for_good(moving) -> None:
    daemon, token, clock = moving

    async def steps(client) -> tuple[str, int, int, str, str]:
        first = await (await client.get(f"/?t={token}")).text()
        refused = await client.post(
            "/engage", data={"answer": "not_now", "run": "2026-10-05", "csrf": "forged"}
        )
        unknown = await client.post(
            "/engage",
            data={"answer": "stop_it", "run": "2026-10-05", "csrf": csrf_of(first)},
            allow_redirects=False,
        )
        assert daemon.store.view().meta.get(engage.META) is None  # refused: nothing written
        answered = await client.post(
            "/engage",
            data={"answer": "not_now", "run": "2026-10-05", "csrf": csrf_of(first)},
            allow_redirects=False,
        )
        assert answered.status == 303
        assert answered.headers["Location"] == "/"
        again = await (await client.get("/")).text()
        clock.advance(weeks=1)
        later = await (await client.get("/")).text()
        return first, refused.status, unknown.status, again, later

    first, refused, unknown, again, later = talk_to(daemon, steps)
    assert OFFER in first
    assert "record = false" in first
    assert "counselling" in first
    assert (refused, unknown) == (403, 422)
    assert OFFER not in again
    assert OFFER not in later
    assert daemon.store.view().meta[engage.META]["answer"] == "not_now"


def test_no_offer_before_the_third_week_of_movement(tmp_path) -> None:
    clock = Clock("2026-11-18T19:00:00+01:00")  # last whole week: 9 Nov, still
    daemon = make_daemon(tmp_path, "", clock)
    with daemon.store.transaction() as tx:
        for name, rows in history().items():
            for row in rows:
                tx.put(name, row)
    token = links.required(daemon.store.data_dir)["digest"]

    async def steps(client) -> str:
        return await (await client.get(f"/?t={token}")).text()

    assert OFFER not in talk_to(daemon, steps)


# record = false --------------------------------------------------------------------------

REVIEW = '[[nudges]]\nid = "weekly"\nkind = "pattern_review"\ncron = "0 18 * * *"\n'


@pytest.mark.parametrize("record", [True, False])
def test_record_false_takes_the_partner_s_choices_out_of_the_next_nudges(tmp_path, record) -> None:
    clock = Clock("2026-11-25T17:59:00+01:00")
    body = ("" if record else "[partner]\nrecord = false\n") + REVIEW
    daemon = make_daemon(tmp_path, body, clock)
    clock.advance(minutes=2)
    run_tick(daemon)
    shape = deliveries(daemon)[-1]["reply"]
    words = deliveries(daemon)[-1]["words"]
    codes = {code for code, _ in shape["choices"]}
    if record:
        assert codes == {"agreed_time", "acknowledged", "small_change", "none"}
        return
    assert words == kinds.OWN_SIDE["pattern_review"]  # nothing of the partner's movement
    assert "partner" not in words
    assert "moved" not in words
    assert codes == set()
    assert shape["free_text"]
    assert shape["scale"]
    assert shape["text_label"] == kinds.OWN_WORDS
    reflection = kinds.shape("talk_reflection", record_partner=False)
    assert not {c for c, _ in reflection.choices} & kinds.PARTNER_CHOICES
    assert reflection.text_label == "What helped, or what to try next time"
    assert kinds.shape("boundary", record_partner=False) == kinds.shape("boundary")


def test_record_false_shows_only_the_person_s_own_side_in_the_digest() -> None:
    tables = history()
    both = figures.build(tables, "2026-W47", BERLIN, at(NOW))
    own = figures.build(tables, "2026-W47", BERLIN, at(NOW), partner=False)
    assert both.moved_weeks == 3
    assert both.gestures
    assert both.partner_initiations == 1
    assert (own.moved_weeks, own.moved, own.gestures, own.partner_initiations) == (0, 0, (), 0)
    assert own.my_initiations == 1
    assert own.energy == 3
    assert [w.mark for w in own.strip] == ["nothing"] + [figures.OWN_MARK] * 7
    text = render.text(own)
    assert "WHAT MOVED" not in text
    assert "SMALL MOMENTS" not in text
    assert "tea" not in text
    assert "movement" not in text.lower()
    assert "something written down" in text
    assert "WHAT YOU DID" in text
    assert "WHAT MOVED" in render.text(both)
    page = render.page_html(own, [], "", None, None, None)
    assert "What moved" not in page
    assert "movement noted" not in page


# erase --partner-side --------------------------------------------------------------------


def exported(halfway, config) -> dict[str, dict[str, dict[str, Any]]]:
    out = config.parent / f"export-{len(list(config.parent.glob('export-*')))}.json"
    ran = halfway("export", "--format", "json", "--output", str(out), "--config", str(config))
    assert ran.code == 0, ran.err
    data = json.loads(out.read_text())
    return {
        name: {r["id"]: r for r in rows}
        for name, rows in data.items()
        if isinstance(rows, list) and all(isinstance(r, dict) and "id" in r for r in rows)
    }


def theirs(before: dict[str, dict[str, dict[str, Any]]]) -> tuple[set[str], set[str]]:
    """(ids to go, ids to change), by the rule in the README, read off the export."""
    kind = {i: d.get("kind") for i, d in before["deliveries"].items()}
    movement = {"agreed_time", "acknowledged", "small_change", "avoided", "refused", "none"}
    gone, changed = set(), set()
    for i, e in before["entries"].items():
        if e.get("by") == "partner" or (e["kind"] == "gesture" and e.get("by") != "me"):
            gone.add(i)
    for i, r in before["replies"].items():
        k = kind.get(r["delivery_id"])
        versions = [r, *r.get("history", [])]
        if k == "gesture_log" and r["value"] not in ("later", "pause_week"):
            gone.add(i)
        elif k in ("pattern_review", "talk_reflection") and any(
            v.get("value") in movement for v in versions
        ):
            own = any(
                (v.get("value") and v["value"] not in movement) or v.get("note") or v.get("scale")
                for v in versions
            )
            (changed if own else gone).add(i)
    changed |= {i for i, t in before["talks"].items() if t.get("by") == "partner"}
    return gone, changed


def test_erase_partner_side_removes_only_the_partner_s_side(config_file, halfway) -> None:
    written = config_file(server=True)
    assert halfway("demo-data", "--weeks", "6", "--config", str(written.path)).code == 0
    Store(written.data_dir).compact(at(NOW) + timedelta(days=400))  # archives hold them too
    before = exported(halfway, written.path)
    gone, changed = theirs(before)
    assert gone
    assert changed

    refused = halfway("erase", "--partner-side", "--config", str(written.path))  # no terminal
    assert refused.code == 2
    assert exported(halfway, written.path) == before

    ran = halfway("erase", "--partner-side", "--yes", "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert f"removed {len(gone)} records" in ran.out
    after = exported(halfway, written.path)
    for name, rows in before.items():
        assert set(after[name]) == set(rows) - gone, name
        for i, row in after[name].items():
            if i not in changed:
                assert row == rows[i], (name, i)
    for i in changed & set(after["talks"]):
        assert "by" not in after["talks"][i]
        assert {k: v for k, v in before["talks"][i].items() if k != "by"} == after["talks"][i]
    for i in changed & set(after["replies"]):
        r = after["replies"][i]
        assert r["value"] == engage.LEFT_OUT or r["value"] not in kinds.PARTNER_CHOICES
        assert r.get("note") == before["replies"][i].get("note")
        assert r.get("scale") == before["replies"][i].get("scale")
    again = halfway("erase", "--partner-side", "--yes", "--config", str(written.path))
    assert "nothing of your partner's side" in again.out
    assert (written.data_dir / "halfway.json").exists()  # nothing else was erased


def test_check_says_when_the_partner_s_side_is_not_recorded(config_file, halfway) -> None:
    recorded = halfway("check", "--config", str(config_file().path))
    assert recorded.code == 0, recorded.err
    assert "partner side" not in recorded.out
    off = halfway("check", "--config", str(config_file("[partner]\nrecord = false\n").path))
    assert off.code == 0, off.err
    assert "partner side: not recorded ([partner] record = false)" in off.out
    wrong = halfway("check", "--config", str(config_file("[partner]\nrecord = 3\n").path))
    assert wrong.code == 2
    assert "partner.record" in wrong.err
