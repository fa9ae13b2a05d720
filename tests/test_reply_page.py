"""The reply page in a real headless browser, at phone size, against the real daemon."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from .browser import screenshot
from .conftest import soon, wait_for


@pytest.fixture
def sent_link(config_file, http_receiver, start_daemon):
    """Start a daemon whose nudges were just sent; return a function giving each nudge's link."""
    path = config_file(
        f'[[nudges]]\nid = "my-boundary"\nkind = "boundary"\nat = "{soon()}"\n'
        f'[[nudges]]\nid = "week"\nkind = "pattern_review"\nat = "{soon()}"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    ).path
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: len(http_receiver.posts()) == 2)
    links = [re.search(r"http://\S+/r/\S+", b["message"]).group(0) for b in http_receiver.bodies()]
    yield path, links
    daemon.stop()


def link_of(halfway, path, links, nudge_id: str) -> str:
    deliveries = json.loads(halfway("export", "--config", str(path)).out)["deliveries"]
    delivery_id = next(d["id"] for d in deliveries if d["nudge_id"] == nudge_id)
    return next(link for link in links if f"/r/{delivery_id}." in link)


def replies(halfway, path) -> list[dict]:
    return json.loads(halfway("export", "--config", str(path)).out)["replies"]


def test_tap_a_choice_see_it_noted_then_change_it(phone_page, sent_link, halfway) -> None:
    path, links = sent_link
    link = link_of(halfway, path, links, "my-boundary")
    response = phone_page.goto(link)
    assert response is not None
    assert response.status == 200
    deliveries = json.loads(halfway("export", "--config", str(path)).out)["deliveries"]
    words = next(d["words"] for d in deliveries if d["nudge_id"] == "my-boundary")
    assert phone_page.get_by_text(words).is_visible()  # the variant this delivery was given
    screenshot(phone_page, "reply-page-boundary")
    assert replies(halfway, path) == []  # opening the page recorded nothing

    phone_page.get_by_role("button", name="Held").tap()
    phone_page.wait_for_url(re.compile(r"\?saved=1$"))
    assert phone_page.get_by_role("status").inner_text().strip() == "Thank you. Noted: Held."
    screenshot(phone_page, "reply-page-noted")
    [reply] = replies(halfway, path)
    assert (reply["value"], reply["via"]) == ("held", "web")

    phone_page.fill("#note", "a hard evening, but I kept it")
    phone_page.get_by_role("button", name="Felt strained").tap()
    expect(phone_page.get_by_role("status")).to_contain_text("Noted: Felt strained")
    [reply] = replies(halfway, path)
    assert (reply["value"], reply["note"]) == ("strained", "a hard evening, but I kept it")
    assert [v["value"] for v in reply["history"]] == ["held"]


def test_the_weekly_review_takes_a_choice_a_scale_and_a_note(
    phone_page, sent_link, halfway
) -> None:
    path, links = sent_link
    phone_page.goto(link_of(halfway, path, links, "week"))
    phone_page.get_by_label("4").check()
    phone_page.fill("#note", "I reached out a lot")
    phone_page.get_by_role("button", name="Acknowledged my feelings").tap()
    phone_page.wait_for_url(re.compile(r"\?saved=1$"))
    screenshot(phone_page, "reply-page-weekly")
    reply = next(r for r in replies(halfway, path))
    assert (reply["value"], reply["scale"], reply["note"]) == (
        "acknowledged",
        4,
        "I reached out a lot",
    )


def test_a_forged_link_shows_the_403_page(phone_page, sent_link, halfway) -> None:
    _path, links = sent_link
    forged = links[0][:-4] + ("AAAA" if not links[0].endswith("AAAA") else "BBBB")
    response = phone_page.goto(forged)
    assert response is not None
    assert response.status == 403
    assert phone_page.get_by_role("alert").inner_text().strip() == (
        "This link is not one halfway made, or it has been mistyped."
    )
    assert phone_page.get_by_role("button").count() == 0
    screenshot(phone_page, "reply-page-forged")


def test_the_page_fits_a_phone_without_sideways_scrolling(phone_page, sent_link, halfway) -> None:
    path, links = sent_link
    phone_page.goto(link_of(halfway, path, links, "week"))
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    button = phone_page.get_by_role("button", name="No movement").bounding_box()
    assert button is not None
    assert button["height"] >= 44


def test_the_page_speaks_german_when_the_config_does(
    phone_page, config_file, http_receiver, start_daemon, halfway
) -> None:
    path = config_file(
        f'language = "de"\n[[nudges]]\nid = "my-boundary"\nkind = "boundary"\nat = "{soon()}"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    ).path
    daemon = start_daemon("--config", str(path))
    try:
        wait_for(lambda: len(http_receiver.posts()) == 1)
        [link] = re.findall(r"http://\S+/r/\S+", http_receiver.bodies()[0]["message"])
        phone_page.goto(link)
        assert phone_page.locator("html").get_attribute("lang") == "de"
        expect(phone_page.locator("#quick-exit")).to_have_text("Schnell verlassen")
        expect(phone_page.get_by_text("Eine Geste oder einen Moment eintragen")).to_be_visible()
        screenshot(phone_page, "reply-page-german")
        phone_page.get_by_role("button", name="Später", exact=True).tap()
        phone_page.wait_for_url(re.compile(r"\?saved=1$"))
        expect(phone_page.get_by_role("status")).to_contain_text("Danke. Notiert: Später.")
        assert [r["value"] for r in replies(halfway, path)] == ["later"]
    finally:
        daemon.stop()
