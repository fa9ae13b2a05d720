"""The digest e-mail's text part is the `halfway digest` text (digest.txt), carried
beside the HTML, never converted from it: through the real daemon to a real SMTP
server on loopback."""

from __future__ import annotations

import email
import re
from email.policy import default

import pytest

from halfway.channels import sending

from .conftest import wait_for
from .test_digest_mail import EVERY_MINUTE, last_week_history, parts, seed


@pytest.fixture
def mailed_in_full(config_file, smtp_receiver, start_daemon):
    history, week = last_week_history()
    history.log("hurt", "2026-01-01 10:00", "an old worry")  # outside the week: not shown
    written = config_file(
        "discreet = false\n" + EVERY_MINUTE,
        server=True,
        send_timeout="5s",
        channels={"mail": smtp_receiver.url()},
    )
    seed(written.data_dir, history)
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: smtp_receiver.messages, timeout=30)
    message = email.message_from_bytes(smtp_receiver.messages[0].content, policy=default)
    yield message, week
    daemon.stop()


def test_the_text_part_is_the_digest_text_one_line_per_week(mailed_in_full) -> None:
    message, _week = mailed_in_full
    assert message["Subject"].startswith("Your week, gently · ")
    text = parts(message)["text/plain"].replace("\r\n", "\n")
    assert "\n\n\n" not in text  # no run of blank lines
    assert text.startswith("Your week, gently · ")
    strip = text.split("THE LAST 8 WEEKS\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert len(strip) == 9, strip
    assert all(
        re.fullmatch(r"week of \d{1,2} \w{3}: [a-z ]+( \(this week\))?", w) for w in strip[:8]
    )
    assert strip[-1] == "Movement noted in 1 of the last 8 weeks."
    assert "WHAT YOU DID\n- " in text
    assert "- They reached out once." in text
    assert "an old worry" not in text
    assert "Your private page: http://" in text
    assert not re.search(r"[%▲▼]", text)


def test_other_mails_still_get_their_text_part_from_apprise() -> None:
    """Only the HTML given with its own text takes it; the override lets all else be."""
    sending._own_text("<p>mine</p>", "my own text")
    try:
        from apprise.plugins.email import base

        assert base.convert_between("html", "text", "<p>mine</p>") == "my own text"
        converted = base.convert_between(
            base.NotifyFormat.HTML, base.NotifyFormat.TEXT, "<p>other</p>"
        )
        assert converted.strip() == "other"
    finally:
        sending._OWN_TEXT.clear()
