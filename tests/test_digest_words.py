"""The digest in words: one strip of weeks and one line under it, no score against the
partner in any form (text, HTML page, mail, push), from constructed histories and
from the sample data under several seeds."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from halfway.cli import demodata
from halfway.config import loader
from halfway.digest import figures, render
from halfway.store.database import Store
from halfway.words import discretion

from .digest_history import History

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)  # a Wednesday in 2026-W50
BERLIN = ZoneInfo("Europe/Berlin")
SCORE = re.compile(r"[%▲▼]")
LINK = "https://halfway.example.net/digest/2026-W48?t=abc"


def four_kinds_of_week() -> History:
    """W45 only gestures, W46 an agreed ask, W47 only hurt by the partner, W48 empty."""
    h = History()
    h.answer("gesture_log", "2026-11-03 20:00", "he left me the last of the coffee")
    h.log("gesture", "2026-11-05 08:00", "a hug at the door", by="partner")
    h.ask("A walk on Sunday?", "2026-11-09 17:00", ("agreed", "2026-11-11 19:00"))
    h.log("hurt", "2026-11-17 22:00", "shouted about money", by="partner")
    h.log("hurt", "2026-11-19 22:00", "went through my phone", by="partner")
    return h


def strip_lines(text: str) -> list[str]:
    body = text.split("THE LAST 8 WEEKS\n", 1)[1]
    return body.split("\n\n", 1)[0].splitlines()


def test_the_text_strip_is_one_short_line_per_week_and_one_line_under_it() -> None:
    d = figures.build(four_kinds_of_week().tables, "2026-W48", BERLIN, NOW)
    assert strip_lines(render.text(d)) == [
        "week of 5 Oct: nothing written down",
        "week of 12 Oct: nothing written down",
        "week of 19 Oct: nothing written down",
        "week of 26 Oct: nothing written down",
        "week of 2 Nov: small moments noticed",
        "week of 9 Nov: movement noted",
        "week of 16 Nov: no movement noted",
        "week of 23 Nov: nothing written down (this week)",
        "Movement noted in 1 of the last 8 weeks.",
    ]


def test_weeks_are_named_by_their_date_never_by_their_code() -> None:
    d = figures.build(four_kinds_of_week().tables, "2026-W48", BERLIN, NOW)
    earlier = [("2026-W47", "/digest/2026-W47?t=x"), ("2026-W46", "/digest/2026-W46?t=x")]
    page = render.page_html(d, earlier, "/?t=x")
    for shown in (render.text(d, LINK), page, render.mail_html(d, LINK)):
        visible = re.sub(r"<[^>]*>", " ", shown).replace(LINK, "")
        assert not re.search(r"\d{4}-W\d\d", visible), visible
    assert ">week of 16 Nov</a>" in page
    assert ">week of 9 Nov</a>" in page


def test_hurt_is_shown_gently_beside_the_moments_not_counted_with_them() -> None:
    d = figures.build(four_kinds_of_week().tables, "2026-W47", BERLIN, NOW)
    text = render.text(d)
    assert "WHAT HURT OR WORRIED YOU" in text
    assert "- You put into words what hurt or worried you." in text  # never "a restful week"
    assert "- Tue 17 Nov: shouted about money" in text
    assert "a kind moment does not cancel it out" in text
    assert "None written down this week." in text  # no small moments: hurt is not one
    assert "- No movement on what you asked was noted this week." in text
    assert "Nothing was written down on their side" not in text  # something was
    assert "Movement noted in 1 of the last 8 weeks." in text
    assert "shouted about money" in render.page_html(d, [], "")


def test_the_persons_own_side_says_what_they_did_with_no_tally_of_failure() -> None:
    h = History()
    h.boundary(
        "my evenings are mine",
        ("held", "2026-11-24 09:00"),
        ("crossed", "2026-11-26 09:00"),
    )
    h.answer("gesture_log", "2026-11-24 20:00", "later")  # skipped: never counted
    h.nudge("boundary", "2026-11-25 09:00", state="skipped")
    text = render.text(figures.build(h.tables, "2026-W48", BERLIN, NOW))
    assert (
        "You checked in with your boundaries: “my evenings are mine” held, "
        "then did not hold this time." in text
    )
    for gone in ("crossed 1", "answered", " of ", "missed", "skipped"):
        assert gone not in text.split("THE LAST 8 WEEKS")[0], gone


def test_a_quiet_week_and_a_week_of_only_check_ins_are_said_kindly() -> None:
    h = History()
    h.nudge("gesture_log", "2026-11-24 20:00")
    h.nudge("gesture_log", "2026-11-25 20:00")
    d = figures.build(h.tables, "2026-W48", BERLIN, NOW)
    text = render.text(d)
    assert "2 check-ins came by; none of them needed anything from you." in text
    h.log("initiation", "2026-11-24 19:00")
    text = render.text(figures.build(h.tables, "2026-W48", BERLIN, NOW))
    assert "What gets written down is rarely all that happened." in text
    assert "too, and that is allowed" not in text


def test_the_mail_text_has_no_run_of_blank_lines_and_the_asks_rest() -> None:
    h = four_kinds_of_week()
    h.ask("Dinner out?", "2026-09-01 17:00", ("resting", "2026-09-25 10:00"))
    h.ask("Call my mum?", "2026-09-10 17:00", ("resting", "2026-10-01 10:00"))
    h.ask("Twenty minutes on Saturday?", "2026-11-25 17:00")
    text = render.text(figures.build(h.tables, "2026-W48", BERLIN, NOW), LINK)
    assert "\n\n\n" not in text
    assert (
        "Your latest ask: “Twenty minutes on Saturday?”, said 25 Nov: waiting for an answer."
        in text
    )
    assert "2 earlier asks are resting." in text
    assert "Dinner out?" not in text


def test_the_push_says_what_was_noticed_never_a_tally() -> None:
    h = History()
    h.log("initiation", "2026-11-24 19:00")
    h.log("initiation", "2026-11-25 19:00", by="partner")
    h.log("gesture", "2026-11-26 08:00", "a note on the fridge", by="partner")
    title, body = render.push(figures.build(h.tables, "2026-W48", BERLIN, NOW), LINK)
    assert title == "Your week, gently · 23 – 29 Nov 2026"
    assert body == f"You noticed a small moment. Your look back is ready.\n\n{LINK}"


def every_form(d: figures.Digest) -> list[str]:
    return [
        render.text(d, LINK),
        render.mail_html(d, LINK),
        render.page_html(d, [("2026-W47", "/digest/2026-W47?t=x")], "/?t=x"),
        *render.push(d, LINK),
        discretion.digest_body(LINK),
    ]


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_no_percent_and_no_arrows_in_any_digest_of_the_sample_data(
    tmp_path: Path, seed: int
) -> None:
    data = {
        "timezone": "Europe/Berlin",
        "data_dir": str(tmp_path / "data"),
        "discreet": False,
        "channels": {"phone": "json://127.0.0.1:9/none"},
    }
    settings = loader.build(data, "test")
    end = datetime(2026, 11, 25, 12, tzinfo=UTC)
    demodata.fill(settings, 10, seed, end)
    every = Store(settings.data_dir).everything()
    sent = [d for d in every["deliveries"] if d["nudge_id"].startswith("digest:")]
    assert len(sent) >= 9
    for delivery in sent:
        # a sent digest sheds its e-mail at compaction (layout.SENT_ONLY); every_form
        # below renders it afresh
        for field in ("title", "body", "html", "text"):
            assert not SCORE.search(delivery.get(field) or ""), (delivery["week"], field)
    shown = 0
    for delivery in sent:
        d = figures.build(every, delivery["week"], BERLIN, end)
        for form in every_form(d):
            assert not SCORE.search(form), delivery["week"]
            assert "from their side" not in form
            assert "Balance" not in form
        shown += d.moved_weeks
    assert shown  # the sample data has movement in it somewhere
