"""The weekly digest e-mail: through the real daemon to a real SMTP server on loopback,
read back as MIME, and its HTML drawn by real headless Chromium at 375 px."""

from __future__ import annotations

import email
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default

import pytest

from halfway.care import triggers
from halfway.core.instants import format_instant
from halfway.digest import figures
from halfway.store.database import Store
from halfway.words import catalog, discretion

from .browser import screenshot
from .conftest import wait_for
from .digest_history import History

BERLIN = "Europe/Berlin"
# The whole week in the mail: discreet (the default) mails only a line and the link
# unless `full_in_email` says so (see tests/test_discreet_digest.py).
EVERY_MINUTE = '[digest]\ncron = "* * * * *"\nchannels = ["mail"]\nfull_in_email = true\n'


def last_week_history() -> tuple[History, str]:
    """A week with movement, gestures and an open ask: the last whole week in Berlin."""
    from zoneinfo import ZoneInfo

    monday = triggers.last_whole_week(datetime.now(UTC), ZoneInfo(BERLIN))
    day = [str(monday + timedelta(days=n)) for n in range(7)]
    h = History(BERLIN)
    h.answer("gesture_log", f"{day[1]} 20:00", "tea brought to my desk")
    h.answer("talk_reflection", f"{day[5]} 21:00", "acknowledged")
    h.answer("pattern_review", f"{day[6]} 18:00", "small_change")
    h.log("initiation", f"{day[2]} 19:00", by="partner")
    h.log("initiation", f"{day[3]} 19:00")
    h.log("gesture", f"{day[4]} 08:00", "<b>a note</b> & a smile", by="partner")
    h.ask("Twenty minutes on Saturday?", f"{day[0]} 17:00")
    return h, figures.week_name(monday)


def seed(data_dir, history: History) -> None:
    """A data folder begun over a week ago, holding `history` (the digest is then due)."""
    store = Store(data_dir)
    with store.transaction() as tx:
        tx.set_meta({"created_at": format_instant(datetime.now(UTC) - timedelta(days=9))})
        for table, records in history.tables.items():
            for record in records:
                tx.put(table, record)


def parts(message: EmailMessage) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if part.get_content_maintype() == "text"
    }


@pytest.fixture
def mailed(config_file, smtp_receiver, start_daemon):
    history, week = last_week_history()
    written = config_file(
        EVERY_MINUTE, server=True, send_timeout="5s", channels={"mail": smtp_receiver.url()}
    )
    seed(written.data_dir, history)
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: smtp_receiver.messages, timeout=30)
    raw = smtp_receiver.messages[0].content
    message = email.message_from_bytes(raw, policy=default)
    yield message, written, week, daemon
    daemon.stop()


def test_the_digest_arrives_as_text_and_html_with_chart_and_footer(mailed) -> None:
    message, written, week, _daemon = mailed
    assert message["Subject"] == "Reminder"  # discreet by default: the discreet_title
    found = parts(message)
    assert set(found) == {"text/plain", "text/html"}
    html, text = found["text/html"], found["text/plain"]
    # the strip: 8 weeks, one mark each, and one line under it; no score
    assert html.count('<tr class="strip-week">') == 8
    assert "Movement noted in 1 of the last 8 weeks." in html
    assert "Movement noted in 1 of the last 8 weeks." in text
    assert not re.search(r"[%▲▼]", html + text)
    # the week's words, escaped, and the figures in the text part too
    assert "&lt;b&gt;a note&lt;/b&gt; &amp; a smile" in html
    assert "tea brought to my desk" in text
    assert "Twenty minutes on Saturday?" in text
    # the footer
    for line in (discretion.NOT_ADVICE, catalog.safety_line()):
        assert line in html
        assert line in text
    # nothing from outside: no script, no image, no stylesheet, and the only URL is ours
    assert not re.search(r"<(script|img|link|iframe|object)\b|src=|url\(", html, re.I)
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    base = f"http://{written.listen}/digest/{week}?t="
    assert urls
    assert all(u.startswith(base) for u in urls), urls


def test_the_link_in_the_mail_opens_the_private_page(mailed) -> None:
    message, _written, _week, _daemon = mailed
    link = re.search(r"http://\S+/digest/\S+\?t=[\w=-]+", parts(message)["text/html"]).group(0)
    with urllib.request.urlopen(link, timeout=10) as answer:
        page = answer.read().decode()
        assert answer.status == 200
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert "tea brought to my desk" in page
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(link[:-3] + "AAA", timeout=10)
    assert refused.value.code == 403


def test_the_week_is_sent_once_across_minutes_and_a_restart(
    mailed, smtp_receiver, start_daemon, halfway
) -> None:
    _message, written, week, daemon = mailed
    daemon.quiet(written.listen, 2)  # a pass in the next minute, if it comes in 2 s
    daemon.stop()
    again = start_daemon("--config", str(written.path))
    wait_for(lambda: again.health(written.listen))  # ready: its catch-up pass is done
    again.quiet(written.listen, 3)
    again.stop()
    assert len(smtp_receiver.messages) == 1
    store = Store(written.data_dir)
    sent = [d for d in store.everything()["deliveries"] if d["nudge_id"] == f"digest:{week}"]
    assert [(d["state"], d["channels"]["mail"]["state"]) for d in sent] == [("sent", "sent")]


def test_the_html_fits_a_375_px_phone_without_sideways_scrolling(mailed, browser) -> None:
    message, _written, _week, _daemon = mailed
    context = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2)
    page = context.new_page()
    try:
        page.route("**/*", lambda route: route.abort())  # nothing may be fetched
        page.set_content(parts(message)["text/html"])
        fits = page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
        assert fits
        assert page.get_by_role("heading", name="The last 8 weeks").is_visible()
        screenshot(page, "digest-mail-375")
    finally:
        context.close()
