"""A talk's card in headless Chromium against `halfway run`, at phone width and on a
desktop: no horizontal scroll, nothing serious for axe-core; the sentence of intent is
kept, and "I need more time" moves the talk."""

from __future__ import annotations

import pytest

from .conftest import wait_for
from .test_app_browser import EVENING, check


@pytest.fixture
def served(config_file, start_daemon, halfway):
    written = config_file(EVENING, server=True)
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: daemon.health(written.listen))
    path = str(written.path)
    ran = halfway("talk", "add", "sat 19:00", "--topic", "the weekend", "--config", path)
    assert ran.code == 0, ran.err
    talk_id = ran.out.split()[2].rstrip(":")
    link = halfway("digest", "--link", "--config", path).out.strip()
    yield link, link.split("/?", 1)[0] + f"/talks/{talk_id}/card"
    daemon.stop()


def test_the_card_at_phone_width_keeps_the_intent_and_moves_the_talk(served, phone_page) -> None:
    link, card = served
    page = phone_page
    page.goto(link)
    page.get_by_role("link", name="Its card: your ask, your words, what helped").click()
    assert page.url == card
    assert page.get_by_role("heading", name="Your talk card").is_visible()
    assert page.get_by_text("Nothing noted yet.").is_visible()
    check(page, "app-card-phone")

    page.get_by_label("What I hope for from this talk").fill("To listen first.")
    page.get_by_role("button", name="Keep it").click()
    assert page.get_by_role("status").inner_text() == "Kept with this talk."
    assert page.get_by_label("What I hope for from this talk").input_value() == "To listen first."

    page.get_by_role("button", name="30 minutes later").click()
    assert page.get_by_role("status").inner_text().startswith("Moved.")
    assert "19:30" in page.locator("main > p").nth(1).inner_text()
    check(page, "app-card-moved-phone")

    page.get_by_label("Another time").fill("someday")
    page.get_by_role("button", name="Move it").click()
    assert "someday" in page.get_by_role("alert").inner_text()
    check(page, "app-card-problem-phone")


def test_the_card_at_desktop_width(served, browser) -> None:
    link, card = served
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(link)
        page.goto(card)
        assert page.get_by_role("heading", name="I need more time").is_visible()
        check(page, "app-card-desktop")
    finally:
        context.close()
