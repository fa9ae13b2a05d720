"""The engage offer on the app's home in real headless Chromium against `halfway run`: at
phone width and on a desktop, no horizontal scroll and nothing serious for axe; "Not
now" hides it for good."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from halfway.core import weeks
from halfway.core.instants import format_instant
from halfway.store.database import Store

from .conftest import wait_for
from .test_app_browser import check

BERLIN = ZoneInfo("Europe/Berlin")


def seed(folder) -> None:
    """Still weeks, then movement in 3 of the last 4 whole weeks before today."""
    last = weeks.last_whole_week(datetime.now(UTC), BERLIN)
    moved = {last - timedelta(weeks=n) for n in (0, 2, 3)}
    with Store(folder).transaction() as tx:
        for n in range(7):
            monday = last - timedelta(weeks=n)
            sunday = format_instant(datetime.combine(monday + timedelta(days=6), time(18), BERLIN))
            tx.put(
                "deliveries",
                {"id": f"d_{n}", "kind": "pattern_review", "nudge_id": "weekly"}
                | {"scheduled_for": sunday, "due_at": sunday, "created_at": sunday}
                | {"state": "sent", "channels": {}},
            )
            tx.put(
                "replies",
                {"id": f"r_{n}", "delivery_id": f"d_{n}", "note": None, "via": "web"}
                | {"value": "agreed_time" if monday in moved else "none"}
                | {"received_at": sunday, "history": []},
            )


@pytest.fixture
def served(config_file, start_daemon, halfway):
    written = config_file(server=True)
    seed(written.data_dir)
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: daemon.health(written.listen))
    ran = halfway("digest", "--link", "--config", str(written.path))
    assert ran.code == 0, ran.err
    yield ran.out.strip()
    daemon.stop()


def test_the_offer_at_phone_and_desktop_width_and_not_now(served, phone_page, browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = context.new_page()
    try:
        desk.goto(served)
        assert desk.get_by_role("heading", name="Something is moving").is_visible()
        check(desk, "app-engage-desktop")
    finally:
        context.close()
    phone_page.goto(served)
    assert phone_page.get_by_role("heading", name="Something is moving").is_visible()
    check(phone_page, "app-engage-phone")
    phone_page.get_by_role("button", name="Not now").click()
    assert phone_page.get_by_role("heading", name="Coming up").is_visible()
    assert phone_page.get_by_role("heading", name="Something is moving").count() == 0
