"""The year in review: a constructed year read back as exact text (the CLI's, and on the
private app's page), none for a year with seven weeks written down, and the January
offer recorded once across wakes and a restart, paused and discreet as asked."""

from __future__ import annotations

import stat
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from halfway.core.instants import format_instant
from halfway.digest import year, yearly
from halfway.store import links, pauses
from halfway.store.database import Store

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick
from .test_app import talk_to

BERLIN = ZoneInfo("Europe/Berlin")
NOW = "2026-01-05T07:00:00+01:00"  # the Monday of 2026's first week, before the digest


def at(text: str) -> str:
    """An instant from a Berlin local time ('2025-03-12 19:00')."""
    return format_instant(datetime.fromisoformat(text).replace(tzinfo=BERLIN))


def entry(n: int, kind: str, text: str, when: str, by: str | None = None) -> dict[str, Any]:
    return {"id": f"e{n}", "kind": kind, "text": text, "at": at(when), **({"by": by} if by else {})}


def calm(n: int, when: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A calm minute taken: a self-regulation nudge and its answer."""
    delivery = {
        "id": f"dc{n}",
        "nudge_id": "calm",
        "kind": "self_regulation",
        "scheduled_for": at(when),
        "due_at": at(when),
        "created_at": at(when),
        "state": "sent",
        "channels": {},
    }
    answer = {"id": f"rc{n}", "delivery_id": f"dc{n}", "value": "done", "received_at": at(when)}
    return delivery, answer


def a_year() -> dict[str, list[dict[str, Any]]]:
    """2025: gestures, reaching out, three talks (one the partner began), two boundaries
    (one did not hold once), two calm minutes: 15 weeks with something written down."""
    entries = [
        entry(1, "gesture", "He made tea without asking", "2025-01-08 19:00"),
        entry(2, "initiation", "I asked about his day", "2025-02-05 19:00", "me"),
        entry(3, "gesture", "A hug at the door", "2025-03-12 19:00"),
        entry(4, "initiation", "A walk together", "2025-04-09 19:00", "me"),
        entry(5, "note", "Tired this week", "2025-05-14 19:00"),
        entry(6, "gesture", "She laughed at my joke", "2025-06-18 19:00"),
        entry(7, "gesture", "A note on the fridge", "2025-09-10 19:00"),
        entry(8, "gesture", "He asked how the interview went", "2025-11-19 19:00"),
    ]
    talks = [
        {"id": "t1", "at": at("2025-03-20 20:00"), "topic": "money", "state": "done",
         "history": [], "created_at": at("2025-03-15 10:00")},
        {"id": "t2", "at": at("2025-07-12 18:00"), "topic": "the holidays", "state": "done",
         "history": [], "created_at": at("2025-07-09 09:00"), "by": "partner"},
        {"id": "t3", "at": at("2025-10-02 20:00"), "topic": None, "state": "done",
         "history": [], "created_at": at("2025-09-28 10:00")},
        {"id": "t4", "at": at("2025-12-10 20:00"), "topic": "called off", "state": "cancelled",
         "history": [], "created_at": at("2025-12-01 10:00")},
    ]  # fmt: skip
    boundaries = [
        {"id": "b1", "text": "No phones at dinner", "answers": [
            {"delivery_id": "x", "value": "held", "note": None, "at": at("2025-02-12 21:00")},
            {"delivery_id": "x", "value": "held", "note": None, "at": at("2025-08-13 21:00")},
            {"delivery_id": "x", "value": "crossed", "note": None, "at": at("2025-08-20 21:00")},
        ]},
        {"id": "b2", "text": "Weekends are for rest", "answers": [
            {"delivery_id": "x", "value": "held", "note": None, "at": at("2025-12-03 21:00")},
        ]},
    ]  # fmt: skip
    (d1, r1), (d2, r2) = calm(1, "2025-05-21 18:00"), calm(2, "2025-05-28 18:00")
    return {
        "entries": entries,
        "talks": talks,
        "boundaries": boundaries,
        "deliveries": [d1, d2],
        "replies": [r1, r2],
        "asks": [],
    }


EXPECTED = """\
Your year, gently · 2025

THE MONTHS
Each month shows the strongest mark among its weeks.
January: small moments noticed
February: no movement noted
March: small moments noticed
April: no movement noted
May: no movement noted
June: small moments noticed
July: movement noted
August: no movement noted
September: small moments noticed
October: nothing written down
November: small moments noticed
December: no movement noted
You wrote something down in 15 weeks of the year.
Movement was noted in July.

TALKS YOU HAD
You had 3 talks:
- On 20 March, about money.
- On 12 July, about the holidays.
- On 2 October.

BOUNDARIES YOU KEPT
You held to your boundaries:
- “No phones at dinner” held twice.
- “Weekends are for rest” held once.

WHAT YOU DID FOR YOURSELF
You took a calm minute for yourself twice.
You wrote in your log 8 times.

SMALL MOMENTS NOTICED
You noticed 5 small moments. In your own words:
- 8 January: He made tea without asking
- 18 June: She laughed at my joke
- 19 November: He asked how the interview went

--
These reminders are a companion, not professional advice: not therapy, counselling or a crisis service, and not here to tell you to stay or to leave.
If you ever feel afraid or unsafe, please contact your local emergency services or a \
domestic-abuse helpline.
"""


def test_a_constructed_year_reads_as_its_exact_text() -> None:
    found = year.build(a_year(), 2025, BERLIN, datetime.fromisoformat(NOW))
    assert found is not None
    made = year.text(found)
    assert made == EXPECTED
    assert "%" not in made


def seven_weeks() -> dict[str, list[dict[str, Any]]]:
    days = ["01-08", "02-05", "03-12", "04-09", "05-14", "06-18", "09-10"]
    return {
        "entries": [
            entry(n, "gesture", f"moment {n}", f"2025-{day} 19:00") for n, day in enumerate(days)
        ]
    }


def test_no_review_for_a_year_with_seven_weeks_written_down() -> None:
    now = datetime.fromisoformat(NOW)
    assert year.build(seven_weeks(), 2025, BERLIN, now) is None
    eight = seven_weeks()
    eight["entries"].append(entry(9, "note", "one more", "2025-10-01 19:00"))
    assert year.build(eight, 2025, BERLIN, now) is not None


def put(store: Store, tables: dict[str, list[dict[str, Any]]]) -> None:
    with store.transaction() as tx:
        for table, records in tables.items():
            for record in records:
                tx.put(table, record)


def test_the_cli_prints_the_year_writes_it_privately_and_says_kindly_when_too_little(
    halfway, config_file, tmp_path
) -> None:
    written = config_file()
    put(Store(written.data_dir), a_year())
    config = ["--config", str(written.path)]
    with freeze_time(NOW):
        shown = halfway("digest", "--year", "2025", *config)
        out = tmp_path / "year.html"
        saved = halfway("digest", "--year", "2025", "--out", str(out), *config)
        again = halfway("digest", "--year", "2025", "--out", str(out), *config)
        early = halfway("digest", "--year", "2024", *config)
        later = halfway("digest", "--year", "2027", *config)
        bad = halfway("digest", "--year", "twenty", *config)
    assert (shown.code, shown.out) == (0, EXPECTED)
    assert saved.code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    page = out.read_text()
    assert "He made tea without asking" in page
    assert "<script" not in page
    assert again.code == 2
    assert out.read_text() == page
    assert (early.code, early.out) == (0, year.too_little(2024) + "\n")
    assert (later.code, later.err.strip()) == (2, "halfway digest: --year: 2027 has not begun yet")
    assert bad.code == 2
    assert "is not a year like 2026" in bad.err
    assert "Traceback" not in bad.err


def test_the_app_page_shows_the_same_year_and_the_home_page_links_it(tmp_path) -> None:
    clock = Clock("2026-01-06T19:00:00+01:00")
    daemon = make_daemon(tmp_path, "", clock)
    put(daemon.store, a_year())
    token = links.required(daemon.store.data_dir)["digest"]

    async def steps(client) -> tuple[Any, ...]:
        refused = await client.get("/year/2025")
        home = await (await client.get(f"/?t={token}")).text()
        latest = await client.get("/year", allow_redirects=False)
        page = await client.get("/year/2025")
        few = await client.get("/year/2024")
        none = await client.get("/year/2030")
        return (
            refused.status, home, latest.status, latest.headers["Location"],
            page.status, await page.text(), few.status, await few.text(), none.status,
        )  # fmt: skip

    refused, home, status, where, shown, page, few, too_little, none = talk_to(daemon, steps)
    assert refused == 403
    assert 'href="/year"' in home
    assert (status, where) == (303, "/year/2025")
    assert shown == 200
    for line in ("July: <span", "On 20 March, about money.", "He made tea without asking"):
        assert line in page
    assert "<script" not in page
    assert few == 200
    assert year.too_little(2024) in too_little
    assert none == 404


def offers(daemon) -> list[dict[str, Any]]:
    return [d for d in deliveries(daemon) if d["nudge_id"].startswith("year:")]


def test_the_january_offer_is_recorded_once_across_wakes_and_a_restart(
    tmp_path, http_receiver
) -> None:
    clock = Clock(NOW)
    daemon = make_daemon(tmp_path, "", clock, phone=http_receiver.json_url())
    put(daemon.store, a_year())
    run_tick(daemon)  # 07:00: not yet
    assert offers(daemon) == []
    clock.set("2026-01-05T08:30:00+01:00")
    run_tick(daemon)
    clock.set("2026-01-05T09:30:00+01:00")
    run_tick(daemon)
    daemon = make_daemon(tmp_path, "", clock, phone=http_receiver.json_url())  # a restart
    for moment in ("2026-01-05T10:00:00+01:00", "2026-01-12T08:30:00+01:00"):
        clock.set(moment)
        run_tick(daemon)
    (offer,) = offers(daemon)
    token = links.required(daemon.store.data_dir)["digest"]
    assert offer["nudge_id"] == "year:2025"
    assert offer["link"].endswith(f"/year/2025?t={token}")
    assert offer["state"] == "sent"
    assert "2025" in offer["body"]
    assert offer["link"] in offer["body"]


def test_no_offer_outside_january_s_first_week_when_paused_or_with_too_little(
    tmp_path, http_receiver
) -> None:
    clock = Clock("2026-01-12T07:00:00+01:00")  # the second week: too late
    daemon = make_daemon(tmp_path / "late", "", clock, phone=http_receiver.json_url())
    put(daemon.store, a_year())
    clock.set("2026-01-12T08:30:00+01:00")
    run_tick(daemon)
    assert offers(daemon) == []

    clock = Clock(NOW)
    daemon = make_daemon(tmp_path / "paused", "", clock, phone=http_receiver.json_url())
    put(daemon.store, a_year())
    pauses.pause(daemon.store, ["year"], clock(), None)
    clock.set("2026-01-05T08:30:00+01:00")
    run_tick(daemon)
    assert offers(daemon) == []

    clock = Clock(NOW)
    daemon = make_daemon(tmp_path / "little", "", clock, phone=http_receiver.json_url())
    put(daemon.store, seven_weeks())
    clock.set("2026-01-05T08:30:00+01:00")
    run_tick(daemon)
    assert offers(daemon) == []


def test_a_discreet_offer_says_nothing_of_the_practices(tmp_path, http_receiver) -> None:
    clock = Clock(NOW)
    daemon = make_daemon(tmp_path, "discreet = true\n", clock, phone=http_receiver.json_url())
    put(daemon.store, a_year())
    clock.set("2026-01-05T08:30:00+01:00")
    run_tick(daemon)
    (offer,) = offers(daemon)
    words = (offer["title"] + offer["body"].replace(offer["link"], "")).lower()
    assert offer["title"] == daemon.settings.discreet_title
    for word in ("year", "look back", "2025", "moment", "talk", "boundar", "partner"):
        assert word not in words
    assert yearly.nudge_id(2025) == offer["nudge_id"]
