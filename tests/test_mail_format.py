"""What an e-mail looks like when it arrives: a real HTML part with a reply button, and a
text part that keeps the message's lines. Sent through the outbox to a real SMTP server
on loopback, and read back with the standard library's e-mail parser."""

from __future__ import annotations

import email.policy
import re
from email import message_from_bytes
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

from halfway.channels import sending
from halfway.words import discretion

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick

# A nudge in the user's own words: two paragraphs, lines, and characters HTML would take
# for markup. TOML's ''' keeps them exactly as written.
WORDS = [
    'Was there one small kindness today? <script>alert("hi")</script>',
    "Even a tiny one counts & so do you.",
    "",
    "Write it down <b>before</b> it slips away.",
]
NUDGE = (
    "[[nudges]]\n"
    'id = "evening"\n'
    'kind = "gesture_log"\n'
    'cron = "0 20 * * *"\n'
    "text = '''\n" + "\n".join(WORDS) + "'''\n"
)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML part."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parts(raw: bytes) -> tuple[EmailMessage, str, str]:
    mail = message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    plain, html = mail.get_body(("plain",)), mail.get_body(("html",))
    assert plain is not None
    assert html is not None
    return mail, plain.get_content(), html.get_content()


def sent_mail(tmp_path: Any, smtp_receiver: Any, discreet: bool) -> tuple[str, bytes]:
    """One nudge through the outbox to the SMTP server: its reply link and the raw mail."""
    clock = Clock("2026-11-25T19:00:00+01:00")
    body = f"discreet = {str(discreet).lower()}\n" + NUDGE
    daemon = make_daemon(tmp_path, body, clock, mail=smtp_receiver.url())
    clock.set("2026-11-25T20:00:00+01:00")
    run_tick(daemon)
    [delivery] = deliveries(daemon)
    assert delivery["channels"]["mail"]["state"] == "sent"
    [message] = smtp_receiver.messages
    return str(delivery["link"]), message.content


def assert_a_real_html_part(html: str, link: str) -> Tags:
    """Markup, a button to the reply page, nothing that runs, nothing fetched from outside."""
    tags = Tags()
    tags.feed(html)
    names = [name for name, _ in tags.tags]
    assert {"html", "body", "p", "a"} <= set(names)
    assert "script" not in names
    assert not {"img", "link", "style", "iframe", "object", "embed", "form"} & set(names)
    hrefs = [attrs.get("href") for name, attrs in tags.tags if name == "a"]
    assert link in hrefs  # a real link to the reply page
    button = next(attrs for name, attrs in tags.tags if name == "a" and attrs["href"] == link)
    assert "display:inline-block" in (button.get("style") or "")
    for _, attrs in tags.tags:
        for key, value in attrs.items():
            if key != "href" and value:
                assert "http" not in value, (key, value)  # no src=, no url(…) in a style
    assert set(hrefs) == {link}
    # Nothing outside the link itself points anywhere.
    assert {u.replace("&amp;", "&") for u in re.findall(r"https?://[^\s\"'<>]+", html)} == {link}
    return tags


def test_an_email_has_a_real_html_part_and_a_text_part_that_keeps_its_lines(
    tmp_path, smtp_receiver
) -> None:
    link, raw = sent_mail(tmp_path, smtp_receiver, discreet=False)
    mail, plain, html = parts(raw)
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"] == "A small moment today?"

    # The text part: every line as written, the blank line between the paragraphs, the link.
    lines = plain.splitlines()
    start = lines.index(WORDS[0])
    assert lines[start : start + len(WORDS)] == WORDS
    assert link in lines

    # The HTML part: markup, the words escaped (shown, never run), and the button.
    tags = assert_a_real_html_part(html, link)
    assert "&lt;script&gt;" in html
    assert "<b>" not in html
    shown = "".join(tags.text)
    assert 'alert("hi")' in shown
    assert "Even a tiny one counts & so do you." in shown
    # Line breaks are markup in HTML: the two lines of the first paragraph stay two.
    assert re.search(r"&lt;/script&gt;\s*<br>\s*Even a tiny", html)


def test_a_discreet_email_keeps_its_words_behind_the_button(tmp_path, smtp_receiver) -> None:
    link, raw = sent_mail(tmp_path, smtp_receiver, discreet=True)
    mail, plain, html = parts(raw)
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Subject"] == "Reminder"
    assert_a_real_html_part(html, link)
    for text in (plain, html):
        assert "kindness" not in text.lower()
        assert "halfway" not in text.lower()  # nor the app's name, in any part
    assert plain.splitlines()[0] == discretion.NUDGE
    assert link in plain.splitlines()


def test_a_message_without_a_link_is_html_with_no_link_at_all(smtp_receiver) -> None:
    # The "a channel needs a look" alert, for one: words only.
    words = "halfway has not been able to reach your 'push' channel.\nIt keeps trying."
    results = sending.send({"mail": [smtp_receiver.url()]}, "A look", words, 10)
    assert results["mail"].ok
    _, plain, html = parts(smtp_receiver.messages[0].content)
    assert plain.splitlines()[:2] == words.splitlines()
    tags = Tags()
    tags.feed(html)
    assert "a" not in [name for name, _ in tags.tags]
    assert "http" not in html
