"""The private app in real headless Chromium against `halfway run`: at phone width and
on a desktop, with no horizontal scroll and no serious accessibility problem (axe-core)
on any page; the talks page plans, moves and calls off a talk."""

from __future__ import annotations

from .browser import accessibility_problems, screenshot

EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'


def fits(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def check(page, name: str) -> None:
    """What every page of the app must be: no horizontal scroll, nothing serious for axe."""
    assert fits(page), name
    assert accessibility_problems(page) == [], name
    screenshot(page, name)


def test_plan_move_and_call_off_a_talk_at_phone_width(private_app, phone_page) -> None:
    link, _written = private_app
    page = phone_page
    response = page.goto(link)
    assert response is not None
    assert response.status == 200
    assert page.get_by_role("heading", name="Coming up").is_visible()
    check(page, "app-home-phone")

    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Talks").click()
    assert page.url.endswith("/talks")  # the session, not the link, opens it now
    check(page, "app-talks-phone")
    page.get_by_label("When").fill("sat 19:00")
    page.get_by_label("What about").fill("the weekend")
    page.get_by_role("button", name="See its nudges").click()
    assert "A calm minute:" in page.locator("section.card").first.inner_text()
    check(page, "app-talk-preview-phone")
    page.get_by_role("button", name="Plan it").click()
    assert page.get_by_role("status").inner_text().startswith("Planned.")
    talk = page.get_by_role("region", name="about “the weekend”")
    assert talk.count() == 0 or talk.is_visible()  # the card is named by its head line
    card = page.locator("section.card", has_text="the weekend").last
    card.get_by_text("Move it").first.click()
    card.get_by_label("New time").fill("sun 18:00")
    card.get_by_role("button", name="Move it").click()
    assert page.get_by_role("status").inner_text().startswith("Moved.")
    assert page.locator("section.card", has_text="Sun").count() >= 1
    check(page, "app-talks-moved-phone")
    page.locator("section.card", has_text="the weekend").last.get_by_role(
        "button", name="Call it off"
    ).click()
    assert page.get_by_role("status").inner_text().startswith("Called off.")
    assert page.get_by_text("No talk is planned.").is_visible()
    assert page.get_by_text("Done and called off (1)").is_visible()


def test_a_when_it_cannot_read_is_said_on_the_page(private_app, phone_page) -> None:
    link, _written = private_app
    phone_page.goto(link)
    phone_page.goto(link.split("/?", 1)[0] + "/talks")
    phone_page.get_by_label("When").fill("someday")
    phone_page.get_by_role("button", name="See its nudges").click()
    assert "someday" in phone_page.get_by_role("alert").inner_text()
    check(phone_page, "app-talks-problem-phone")


def test_the_pages_at_desktop_width(private_app, browser) -> None:
    link, _written = private_app
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(link)
        check(page, "app-home-desktop")
        page.goto(link.split("/?", 1)[0] + "/talks")
        assert page.get_by_role("heading", name="Talks", exact=True).is_visible()
        check(page, "app-talks-desktop")
        page.goto(link)  # an earlier week's digest, through the home page's own link
        page.get_by_role("navigation", name="Earlier weeks").get_by_role("link").first.click()
        assert "/digest/" in page.url
        check(page, "app-digest-week-desktop")
    finally:
        context.close()
