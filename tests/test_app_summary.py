"""The summary for a counsellor from the private app: the page's file is the one
`halfway summary --out FILE.html` writes; a form without its guard, or with days that
cannot be, writes nothing and gives nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from freezegun import freeze_time

from halfway.ledger import book

from .browser import screenshot
from .test_app import EVENING, csrf_of, talk_to
from .test_app import served as served  # the fixture
from .test_app_browser import check

FIRST, LAST = "2026-11-02", "2026-11-22"


def log_a_few(daemon, clock) -> None:
    clock.advance(days=-14)
    book.add_entry(daemon.store, "gesture", "tea brought to my desk", "partner", clock())
    book.add_entry(daemon.store, "note", "a private thought, only mine", None, clock())
    book.add_entry(daemon.store, "hurt", "the dinner I sat through alone", None, clock())
    clock.advance(days=14)


def asked(daemon, token, form: dict[str, str], guard: bool = True):
    async def steps(client):
        page = await (await client.get(f"/summary?t={token}")).text()
        data = form | ({"csrf": csrf_of(page)} if guard else {})
        answer = await client.post("/summary", data=data, allow_redirects=False)
        return answer.status, dict(answer.headers), await answer.text()

    return talk_to(daemon, steps)


def test_the_page_s_file_is_the_one_the_cli_writes(served, halfway, config_file, tmp_path) -> None:
    daemon, token, clock = served
    log_a_few(daemon, clock)
    status, headers, body = asked(daemon, token, {"first": FIRST, "last": LAST})
    assert status == 200
    assert headers["Content-Disposition"] == f'attachment; filename="summary-{FIRST}-{LAST}.html"'
    assert headers["Cache-Control"] == "no-store"
    assert f"Looking back: {FIRST[8:].lstrip('0')} Nov" in body  # the cover line: the period
    assert "a private thought" not in body  # notes only when ticked
    assert "the dinner I sat through alone" not in body  # what hurt only when ticked

    written = config_file(EVENING)
    config = written.path.read_text().replace(str(written.data_dir), str(daemon.store.data_dir))
    written.path.write_text(config)
    out = tmp_path / "from-the-cli.html"
    with freeze_time(clock()):
        ran = halfway(
            "summary",
            "--from",
            FIRST,
            "--to",
            LAST,
            "--out",
            str(out),
            "--config",
            str(written.path),
        )
    assert ran.code == 0, ran.err
    assert body == out.read_text()


def test_notes_and_hurt_only_when_ticked(served) -> None:
    daemon, token, clock = served
    log_a_few(daemon, clock)
    form = {"first": FIRST, "last": LAST, "notes": "yes", "hurt": "yes"}
    status, _headers, body = asked(daemon, token, form)
    assert status == 200
    assert "a private thought, only mine" in body
    assert "the dinner I sat through alone" in body


@pytest.mark.parametrize(
    ("first", "last", "said"),
    [
        ("2026-11-22", "2026-11-02", "--to 2026-11-02 is before --from 2026-11-22"),
        ("2027-01-04", "2027-01-10", "--from 2027-01-04 has not come yet"),
        ("yesterday", LAST, "Please give both days as dates, like 2026-09-01."),
    ],
)
def test_days_that_cannot_be_are_said_and_give_nothing(served, first, last, said) -> None:
    daemon, token, _clock = served
    status, headers, body = asked(daemon, token, {"first": first, "last": last})
    assert status == 422
    assert "Content-Disposition" not in headers
    assert said in body


def test_without_the_session_s_guard_nothing_is_made(served) -> None:
    daemon, token, _clock = served
    status, headers, body = asked(daemon, token, {"first": FIRST, "last": LAST}, guard=False)
    assert status == 403
    assert "Content-Disposition" not in headers
    assert "Looking back" not in body


def test_the_summary_page_in_chromium(private_app, phone_page, browser) -> None:
    link, _written = private_app
    phone_page.goto(link)
    phone_page.get_by_role("link", name="A summary to bring along").click()
    assert phone_page.url.endswith("/summary")
    assert phone_page.get_by_label("From").input_value()  # the last twelve weeks, ready
    check(phone_page, "app-summary-phone")
    with phone_page.expect_download() as download:
        phone_page.get_by_role("button", name="Make the summary").click()
    saved = Path(download.value.path())
    assert "Looking back" in saved.read_text()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(link)
        page.goto(link.split("/?", 1)[0] + "/summary")
        check(page, "app-summary-desktop")
    finally:
        context.close()
    screenshot(phone_page, "app-summary-after-phone")
