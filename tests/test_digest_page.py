"""The private digest page, served by the real daemon, in real headless Chromium."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request

import pytest

from .browser import ARTIFACTS, screenshot
from .conftest import wait_for
from .test_digest_mail import last_week_history, seed


@pytest.fixture
def served(config_file, start_daemon, halfway):
    history, week = last_week_history()
    written = config_file(server=True)
    seed(written.data_dir, history)
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: daemon.health(written.listen))
    ran = halfway("digest", "--link", "--config", str(written.path))
    assert ran.code == 0, ran.err
    yield ran.out.strip(), written, week
    daemon.stop()


def status_of(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_latest_week_at_phone_width_with_links_to_earlier_weeks(served, phone_page) -> None:
    link, written, _week = served
    assert link.startswith(f"http://{written.listen}/?t=")
    response = phone_page.goto(link)
    assert response is not None
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert phone_page.get_by_role("heading", name="Your week, gently").is_visible()
    assert phone_page.get_by_text("tea brought to my desk").is_visible()
    assert phone_page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    shot = screenshot(phone_page, "digest-page-phone")
    shutil.copyfile(shot, ARTIFACTS / "digest-page-phone-latest.png")
    earlier = phone_page.get_by_role("navigation", name="Earlier weeks").get_by_role("link")
    assert earlier.count() == 12
    assert earlier.first.inner_text().startswith("week of ")  # a date, never "2026-W47"
    earlier.first.click()  # the week before, through its own signed link
    assert "/digest/" in phone_page.url
    assert phone_page.get_by_role("heading", name="Your week, gently").is_visible()


def test_a_week_at_desktop_width(served, browser) -> None:
    link, _written, week = served
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        response = page.goto(link.replace("/?t=", f"/digest/{week}?t="))
        assert response is not None
        assert response.status == 200
        assert page.get_by_role("heading", name="The last 8 weeks").is_visible()
        assert page.locator("tr.strip-week").count() == 8
        assert page.get_by_text("Movement noted in 1 of the last 8 weeks.").is_visible()
        screenshot(page, "digest-page-desktop")
    finally:
        context.close()


def test_without_the_token_or_with_a_forged_one_it_is_403_and_shows_nothing(served) -> None:
    link, written, week = served
    base = f"http://{written.listen}"
    token = link.partition("?t=")[2]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for url in (
        f"{base}/",
        f"{base}/digest/{week}",
        f"{base}/digest/{week}?t=",
        f"{base}/?t={forged}",
        f"{base}/digest/{week}?t={forged}",
    ):
        assert status_of(url) == (403, ""), url


def test_a_week_that_cannot_be_is_404_even_with_the_token(served) -> None:
    link, written, _week = served
    token = link.partition("?t=")[2]
    status, body = status_of(f"http://{written.listen}/digest/2026-W99?t={token}")
    assert status == 404
    assert "2026 has no week 99" in body
    for week in ("0001-W01", "0001-W14"):  # these overflowed: 500
        status, body = status_of(f"http://{written.listen}/digest/{week}?t={token}")
        assert status == 404, week
        assert f"{week}: halfway has no weeks before 1970" in body
