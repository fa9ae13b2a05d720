"""The asks and boundaries pages in real headless Chromium against `halfway run`: at 375
px (the narrowest common phone) and on a desktop, with no horizontal scroll and no
serious accessibility problem (axe-core); add an ask, mark it said, rest it; add a
boundary and set it aside."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .browser import ACTION_TIMEOUT_MS
from .test_app_browser import check

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

NARROW = 375


@pytest.fixture
def narrow_page(browser: Browser) -> Iterator[Page]:
    """A fresh phone-like page, 375 CSS pixels wide."""
    context = browser.new_context(
        viewport={"width": NARROW, "height": 740},
        screen={"width": NARROW, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def base(link: str) -> str:
    return link.split("/?", 1)[0]


def test_add_an_ask_mark_it_said_and_rest_it_at_375_px(private_app, narrow_page) -> None:
    link, _written = private_app
    page = narrow_page
    page.goto(link)  # the private link opens the session
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Asks").click()
    assert page.url.endswith("/asks")
    assert page.get_by_text("No asks yet.").is_visible()
    check(page, "app-asks-phone")

    page.get_by_label("What you ask for").fill("20 minutes on Saturday about us")
    page.get_by_role("button", name="Keep it as a draft").click()
    assert page.get_by_role("status").inner_text().startswith("Kept as a draft")
    card = page.get_by_role("region", name="20 minutes on Saturday about us")
    assert "A draft, just for you" in card.inner_text()
    assert card.get_by_role("button", name="They said no").count() == 0  # not said yet
    check(page, "app-asks-draft-phone")

    card.get_by_role("button", name="I have said it").click()
    assert page.get_by_role("status").inner_text() == "Marked as said."
    card = page.get_by_role("region", name="20 minutes on Saturday about us")
    assert "Said, waiting for an answer" in card.inner_text()
    assert card.get_by_role("button", name="They agreed").is_visible()
    check(page, "app-asks-said-phone")

    card.get_by_role("button", name="Rest it").click()
    assert page.get_by_role("status").inner_text().startswith("It rests now.")
    assert page.get_by_text("No open asks.").is_visible()
    assert page.get_by_text("1 resting.").is_visible()
    check(page, "app-asks-rested-phone")

    page.get_by_role("link", name="See the resting and followed-up asks").click()
    card = page.get_by_role("region", name="20 minutes on Saturday about us")
    assert "Resting" in card.inner_text()
    assert card.get_by_role("button", name="Take it up again").is_visible()
    check(page, "app-asks-all-phone")


def test_a_refused_ask_is_said_on_the_page(private_app, narrow_page) -> None:
    link, _written = private_app
    page = narrow_page
    page.goto(link)
    page.goto(base(link) + "/asks")
    page.get_by_label("What you ask for").fill("   ")
    page.get_by_role("button", name="I have said it").click()
    assert "needs a few words" in page.get_by_role("alert").inner_text()
    check(page, "app-asks-problem-phone")


def test_add_a_boundary_and_set_it_aside_at_375_px(private_app, narrow_page) -> None:
    link, _written = private_app
    page = narrow_page
    page.goto(link)
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Boundaries").click()
    assert page.url.endswith("/boundaries")
    assert page.get_by_text("No boundaries yet.").is_visible()
    check(page, "app-boundaries-phone")

    page.get_by_label("In your own words").fill("I take my evening walk")
    page.get_by_role("button", name="Add it").click()
    assert page.get_by_role("status").inner_text().startswith("Added.")
    card = page.get_by_role("region", name="I take my evening walk")
    assert "Not checked in on yet." in card.inner_text()
    check(page, "app-boundaries-added-phone")

    card.get_by_role("button", name="Set it aside").click()
    assert page.get_by_role("status").inner_text().startswith("Set aside.")
    assert page.get_by_text("None just now.").is_visible()
    page.get_by_text("Set aside", exact=True).click()  # unfold
    assert page.get_by_text("I take my evening walk", exact=True).is_visible()
    check(page, "app-boundaries-retired-phone")


def test_asks_and_boundaries_at_desktop_width(private_app, browser) -> None:
    link, _written = private_app
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(link)
        page.goto(base(link) + "/asks")
        assert page.get_by_role("heading", name="Asks", exact=True).is_visible()
        page.get_by_label("What you ask for").fill("a walk together on Sunday")
        page.get_by_role("button", name="I have said it").click()
        assert page.get_by_role("status").inner_text() == "Noted your ask."
        check(page, "app-asks-desktop")
        page.goto(base(link) + "/boundaries")
        assert page.get_by_role("heading", name="Boundaries", exact=True).is_visible()
        page.get_by_label("In your own words").fill("I see my friends on Thursdays")
        page.get_by_role("button", name="Add it").click()
        check(page, "app-boundaries-desktop")
    finally:
        context.close()
