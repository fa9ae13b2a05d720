"""The weekly pattern review shows the latest ask (and how many rest, never a list of every
ask) and the week's gestures beside its question."""

from __future__ import annotations

import re
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from halfway.core.instants import format_instant
from halfway.replies import review
from halfway.store.database import Store, View

from .conftest import soon, wait_for

BERLIN = ZoneInfo("Europe/Berlin")
SENT = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)  # Sunday 18:00 in Berlin


def view_of(**tables: list[dict[str, Any]]) -> View:
    return View({name: {str(i): r for i, r in enumerate(rows)} for name, rows in tables.items()})


def ask(ask_id: str, text: str, state: str, made: datetime) -> dict[str, Any]:
    return {"id": ask_id, "text": text, "state": state, "at": format_instant(made), "history": []}


def gesture(entry_id: str, text: str, moment: datetime, kind: str = "gesture") -> dict[str, Any]:
    return {"id": entry_id, "kind": kind, "text": text, "at": format_instant(moment)}


WEEK_RECORDS = {
    "asks": [
        ask("a_1", "Twenty minutes on Saturday about us", "made", SENT - timedelta(days=10)),
        ask("a_2", "A walk together on Sunday", "no_answer", SENT - timedelta(days=3)),
        ask("a_3", "Dinner out", "followed_up", SENT - timedelta(days=20)),
        ask("a_4", "A film night", "resting", SENT - timedelta(days=40)),
        ask("a_5", "Breakfast on Sunday", "resting", SENT - timedelta(days=30)),
    ],
    "entries": [
        gesture("e_1", "Made me tea without asking", SENT - timedelta(days=2)),
        gesture("e_2", "Laughed at my joke", SENT - timedelta(days=6, hours=23)),
        gesture("e_3", "Too old to count", SENT - timedelta(days=7, minutes=1)),
        gesture("e_4", "After the review went out", SENT + timedelta(minutes=5)),
        gesture("e_5", "A note, not a gesture", SENT - timedelta(days=1), kind="note"),
    ],
    "deliveries": [{"id": "d_g", "kind": "gesture_log"}],
    "replies": [
        {
            "id": "r_1",
            "delivery_id": "d_g",
            "value": "Sent me a photo from work",
            "received_at": format_instant(SENT - timedelta(days=4)),
        },
        {"id": "r_2", "delivery_id": "d_g", "value": "none", "received_at": format_instant(SENT)},
    ],
}


def test_a_review_is_grounded_in_the_latest_ask_and_the_seven_days_of_gestures_before_it() -> None:
    delivery = {"id": "d_r", "kind": "pattern_review", "scheduled_for": format_instant(SENT)}
    found = review.grounding(view_of(**WEEK_RECORDS), delivery, BERLIN)
    assert found is not None
    assert found["latest"] == {
        "text": "A walk together on Sunday",
        "state": "no answer",
        "since": "Thu 3 Dec",
    }
    assert found["resting"] == 2  # counted, never listed
    assert [g["text"] for g in found["gestures"]] == [
        "Laughed at my joke",
        "Sent me a photo from work",
        "Made me tea without asking",
    ]
    assert found["gestures"][0]["when"] == "Sun 29 Nov"  # local day, Berlin


def test_other_deliveries_carry_no_review() -> None:
    delivery = {"id": "d_x", "kind": "gesture_log", "scheduled_for": format_instant(SENT)}
    assert review.grounding(view_of(**WEEK_RECORDS), delivery, BERLIN) is None


def test_the_review_page_of_the_real_daemon_shows_them(config_file, http_receiver, start_daemon):
    written = config_file(
        f'[[nudges]]\nid = "week"\nkind = "pattern_review"\nat = "{soon()}"\n'
        f'[[nudges]]\nid = "eve"\nkind = "gesture_log"\nat = "{soon()}"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    assert written.data_dir is not None
    now = datetime.now(UTC)
    with Store(written.data_dir).transaction() as tx:
        tx.put("asks", ask("a_1", "Twenty minutes on Saturday", "made", now - timedelta(days=2)))
        tx.put("asks", ask("a_3", "Dinner out", "followed_up", now - timedelta(days=3)))
        # rested 5 days ago: still hot (a settled ask leaves 8 days after, layout.py)
        tx.put("asks", ask("a_4", "A film night", "resting", now - timedelta(days=5)))
        tx.put("entries", gesture("e_1", "Made me tea <b>unasked</b>", now - timedelta(days=1)))
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: len(http_receiver.posts()) == 2)
    pages = {}
    for body in http_receiver.bodies():
        link = re.search(r"http://\S+/r/\S+", body["message"]).group(0)
        with urllib.request.urlopen(link, timeout=5) as answer:
            html = answer.read().decode()
        pages["review" if "Your latest ask" in html else "other"] = html
    daemon.stop()
    assert set(pages) == {"review", "other"}
    page = pages["review"]
    assert "Twenty minutes on Saturday" in page
    assert "(asked, since" in page  # stored by an older version as `made`
    assert "1 earlier ask is resting." in page
    assert "A film night" not in page  # resting: counted, not listed
    assert "Dinner out" not in page
    assert "Made me tea &lt;b&gt;unasked&lt;/b&gt;" in page  # escaped, never HTML
    assert "Gestures you noted this week" not in pages["other"]
