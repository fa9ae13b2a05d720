"""The year in review's page in real headless Chromium against `halfway run`: reached
from the home page's link, at phone width and on a desktop, with no horizontal scroll
and no serious accessibility problem (axe-core)."""

from __future__ import annotations

import pytest

from halfway.store.database import Store

from .conftest import wait_for
from .test_app_browser import EVENING, check
from .test_year_review import a_year, put


@pytest.fixture
def served(config_file, start_daemon, halfway):
    written = config_file(EVENING, server=True)
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: daemon.health(written.listen))
    put(Store(written.data_dir), a_year())  # the records of 2025, beside the running daemon
    ran = halfway("digest", "--link", "--config", str(written.path))
    assert ran.code == 0, ran.err
    yield ran.out.strip()
    daemon.stop()


def test_the_year_s_page_at_phone_width_and_on_a_desktop(served, phone_page, browser) -> None:
    link = served
    phone_page.goto(link)
    phone_page.get_by_role("link", name="A look back over your year").click()
    assert "/year/" in phone_page.url
    phone_page.goto(link.split("/?", 1)[0] + "/year/2025")
    assert phone_page.get_by_role("heading", name="Talks you had").is_visible()
    assert phone_page.get_by_text("He made tea without asking").is_visible()
    check(phone_page, "app-year-phone")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(link)
        page.goto(link.split("/?", 1)[0] + "/year/2025")
        assert page.get_by_role("heading", name="Small moments noticed").is_visible()
        check(page, "app-year-desktop")
    finally:
        context.close()
