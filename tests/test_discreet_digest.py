"""The weekly digest when discreet: built from sample data (`halfway demo-data`), sent
through a real SMTP server and a real ntfy-like HTTP server on loopback. Neither part of
the e-mail nor the push holds any entry's text or any figure, only a plain line and the
signed link; `[digest] full_in_email = true` puts the whole digest in the e-mail.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest

from halfway.channels import mailbody
from halfway.words import discretion

from .conftest import ConfigFile, HttpReceiver, SmtpReceiver

MAIL_FOOTER = ["Sent", "from", "your", "own", "server."]
CODE = re.compile(r"[a-z]+(_[a-z0-9]+)*")  # a stored choice code, not a person's words


class Visible(HTMLParser):
    """The text a mail client shows (and a preview reads) from an HTML part."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible(html: str) -> str:
    reader = Visible()
    reader.feed(html)
    return " ".join(reader.parts)


def text_parts(raw: bytes) -> tuple[EmailMessage, str, str]:
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    found = {
        part.get_content_type(): part.get_content()
        for part in mail.walk()
        if part.get_content_maintype() == "text"
    }
    assert set(found) == {"text/plain", "text/html"}
    return mail, found["text/plain"], found["text/html"]


def written_texts(halfway, written: ConfigFile) -> set[str]:
    """Every text the person wrote or was asked about, from the export: entries, notes,
    own-words answers, asks, talks' topics, boundaries."""
    data = json.loads(halfway("export", "--config", str(written.path)).out)
    texts = [e.get("text") for e in data["entries"]]
    texts += [r.get("note") for r in data["replies"]]
    texts += [r["value"] for r in data["replies"] if not CODE.fullmatch(r["value"])]
    texts += [a.get("text") for a in data["asks"]]
    texts += [t.get("topic") for t in data["talks"]]
    texts += [b.get("text") for b in data["boundaries"]]
    return {t.strip() for t in texts if t and len(t.strip()) >= 4}


@pytest.fixture
def sample(halfway, config_file, smtp_receiver, http_receiver):
    """Sample weeks in a fresh data folder, and a config whose digest goes to mail and ntfy."""

    def write(top: str = "", digest: str = "") -> ConfigFile:
        """The config (rewritten in place: the same folder and port), with `top` at the
        top level and `digest` in [digest]."""
        return config_file(
            f'{top}[digest]\nchannels = ["mail", "phone"]\n{digest}',
            server=True,
            send_timeout="5s",
            channels={
                "mail": smtp_receiver.url(),
                "phone": f"ntfy://127.0.0.1:{http_receiver.port}/halfway-k2v9x7q4",
            },
        )

    written = write()
    ran = halfway("demo-data", "--weeks", "3", "--config", str(written.path))
    assert ran.code == 0, ran.err
    texts = written_texts(halfway, written)
    assert len(texts) >= 5  # the sample weeks hold words to hide
    return write, texts


def send(halfway, written: ConfigFile) -> None:
    # The sample data's own run already sent this week's digest (to nowhere): --force
    # … and the sample data's sends print unless told to use the real channels
    ran = halfway("digest", "--send", "--force", "--real-channels", "--config", str(written.path))
    assert ran.code == 0, ran.err + ran.out


def test_a_discreet_digest_mail_and_push_hold_only_a_plain_line_and_the_link(
    halfway, sample, smtp_receiver: SmtpReceiver, http_receiver: HttpReceiver
) -> None:
    write, texts = sample
    written = write()
    send(halfway, written)
    [message] = smtp_receiver.messages
    mail, plain, html = text_parts(message.content)
    assert mail["Subject"] == "Reminder"
    [link] = set(re.findall(r"https?://\S+", plain))
    assert f"{written.listen}/digest/" in link
    # the line, the button and its address, the mail's own footer: nothing else
    only = [*discretion.DIGEST.split(), *mailbody.MAIL_BUTTON.split(), link, *MAIL_FOOTER]
    assert plain.split() == only
    assert visible(html).split() == ["Reminder", *only]
    shown = visible(html)
    assert link in html
    for part in (plain, shown):
        without_link = part.replace(link, "")
        assert not re.search(r"\d", without_link), without_link  # no figure at all
        assert "halfway" not in without_link.lower()
        for text in texts:
            assert text not in part, text
    [pushed] = http_receiver.bodies()
    assert pushed["title"] == "Reminder"
    assert pushed["message"] == f"{discretion.DIGEST}\n{link}"
    assert [a["label"] for a in pushed["actions"]] == [discretion.OPEN]


def test_full_in_email_puts_the_whole_digest_in_the_mail_still_under_the_discreet_title(
    halfway, sample, smtp_receiver: SmtpReceiver, http_receiver: HttpReceiver
) -> None:
    write, texts = sample
    written = write()
    send(halfway, written)  # the default first: only the line and the link
    send(halfway, write(digest="full_in_email = true\n"))
    plain_only, full_mail = smtp_receiver.messages
    _, plain, html = text_parts(plain_only.content)
    assert not [t for t in texts if t in plain + html]
    mail, plain, html = text_parts(full_mail.content)
    assert mail["Subject"] == "Reminder"  # the title stays discreet
    shown_texts = [t for t in texts if t in html]
    assert shown_texts  # the week's own words are in this mail
    assert re.search(r"\d", visible(html))
    # the push stays a line and the link: full_in_email is about the e-mail only
    assert all(p["message"].startswith(discretion.DIGEST) for p in http_receiver.bodies())


def test_a_digest_push_that_is_not_discreet_says_what_was_noticed_and_keeps_no_score(
    halfway, sample, http_receiver: HttpReceiver
) -> None:
    write, _texts = sample
    send(halfway, write("discreet = false\n"))
    [pushed] = http_receiver.bodies()
    message: str = pushed["message"]
    assert "Your look back is ready." in message
    for tally in ("%", "they did", "them", "reached out", "▲", "▼", "balance"):
        assert tally not in message.lower(), tally
    first = message.splitlines()[0]
    assert first.startswith(
        (
            "You noticed",
            "Nothing was written down",
            "Your look back",
            "You noted some movement",
            "You wrote your week down",
        )
    )
