"""The log page and the calm minute in real headless Chromium against `halfway run`, at
375 px and on a desktop, each page `check`ed (no horizontal scroll, nothing serious for
axe-core): a moment logged shows in today's list; the breathing circle moves only once
opened, and stands still as words under reduced motion; the story check's moment is kept."""

from __future__ import annotations

from .test_app_browser import check

NARROW = {"width": 375, "height": 812}


def at(link: str, path: str) -> str:
    return link.split("/?", 1)[0] + path


def test_log_a_moment_at_375_px(private_app, phone_page) -> None:
    link, _written = private_app
    page = phone_page
    page.set_viewport_size(NARROW)
    page.goto(link)  # the link opens the session
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Log a moment").click()
    assert page.url.endswith("/log")
    assert page.get_by_text("Nothing written down today.").is_visible()
    check(page, "app-log-phone")

    page.get_by_label("What happened, in a few words").fill("asked how my day had been")
    page.get_by_role("radio", name="Reaching out").check()
    page.get_by_role("radio", name="My partner").check()
    page.get_by_role("button", name="Add to my log").click()
    assert page.get_by_role("status").inner_text().startswith("Noted in your log.")
    page.get_by_label("What happened, in a few words").fill("a sharp word at dinner " * 8)
    page.get_by_role("radio", name="Something that hurt or worried me").check()
    page.get_by_role("button", name="Add to my log").click()
    today = page.locator("ul.plain").last.inner_text()
    assert "asked how my day had been" in today
    assert today.index("a sharp word") < today.index("asked how")  # the latest first
    assert page.get_by_role("radio", name="A gesture or a kind moment").is_checked()
    check(page, "app-log-noted-phone")


def test_a_calm_minute_and_its_story_check_at_375_px(private_app, phone_page) -> None:
    link, _written = private_app
    page = phone_page
    page.set_viewport_size(NARROW)
    page.goto(link)
    page.get_by_role("link", name="A calm minute").first.click()  # home's quick action
    assert page.url.endswith("/calm")
    circle = page.locator(".circle")
    assert not circle.is_visible()  # nothing moves until asked
    assert not page.get_by_text("In, two, three, four.").is_visible()
    check(page, "app-calm-phone")

    page.get_by_text("Breathe with the circle").click()
    assert circle.is_visible()
    assert circle.evaluate("c => getComputedStyle(c).animationName") == "breathe"
    assert circle.evaluate("c => getComputedStyle(c).animationDuration") == "10s"
    check(page, "app-calm-breathing-phone")
    page.get_by_text("Stop the circle").click()
    assert not circle.is_visible()

    moment = "they saved me the last piece of cake"
    page.get_by_label("The moment, in a few words").fill(moment)
    page.get_by_role("button", name="Keep it in my log").click()
    assert page.get_by_role("status").inner_text().startswith("Kept in your log.")
    check(page, "app-calm-kept-phone")
    page.goto(at(link, "/log"))
    assert moment in page.locator("ul.plain").last.inner_text()


def test_with_reduced_motion_the_breathing_is_still_words(private_app, browser) -> None:
    link, _written = private_app
    context = browser.new_context(viewport=NARROW, reduced_motion="reduce")
    page = context.new_page()
    try:
        page.goto(link)
        page.goto(at(link, "/calm"))
        assert page.get_by_text("In, two, three, four.").is_visible()
        assert not page.get_by_text("Breathe with the circle").is_visible()
        check(page, "app-calm-still-phone")
    finally:
        context.close()


def test_both_pages_at_desktop_width(private_app, browser) -> None:
    link, _written = private_app
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(link)
        page.goto(at(link, "/log"))
        assert page.get_by_role("heading", name="Log a moment").is_visible()
        check(page, "app-log-desktop")
        page.goto(at(link, "/calm"))
        assert page.get_by_role("heading", name="A calm minute").is_visible()
        page.get_by_text("Breathe with the circle").click()
        check(page, "app-calm-desktop")
    finally:
        context.close()
