"""Every page halfway serves wears the same frame: a neutral `<title>` when discreet (a
browser's tabs and history show nothing), the safety line with the user's own helpline
in its footer, and a quick exit to `quick_exit_url` in reach. The reply page in real
headless Chromium at phone size; the digest page and an error page over plain HTTP,
all from the real daemon.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from typing import Any

import pytest

from halfway.words import catalog, discretion

from .browser import screenshot
from .conftest import ConfigFile, soon, wait_for

HELPLINE = "Helpline for women, day and night: 0800 116 016"
EXIT = "https://weather.example.org/today"


class Page(HTMLParser):
    """A page's title, its links (href → text) and its footer's text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.title = ""
        self.links: dict[str, str] = {}
        self.footer = ""
        self._in: list[str] = []
        self._href: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in.append(tag)
        if tag == "a":
            self._href = dict(attrs).get("href")
            if self._href:
                self.links[self._href] = ""

    def handle_endtag(self, tag: str) -> None:
        while self._in and self._in.pop() != tag:
            pass
        if tag == "a":
            self._href = None

    def handle_data(self, data: str) -> None:
        if "title" in self._in:
            self.title += data
        if "footer" in self._in:
            self.footer += data
        if self._href:
            self.links[self._href] += data


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def top_of(element: Any) -> float:
    """Where `element` is on the screen, from the top of the viewport."""
    box = element.bounding_box()
    assert box is not None
    return float(box["y"])


def assert_framed(html: str, title: str = "Reminder") -> None:
    page = Page(html)
    assert page.title.strip() == title
    footer = " ".join(page.footer.split())
    assert discretion.NOT_ADVICE in footer
    assert catalog.safety_line(HELPLINE) in footer
    assert HELPLINE in footer
    assert page.links.get(EXIT) == discretion.QUICK_EXIT


@pytest.fixture
def served(halfway, config_file, http_receiver, start_daemon):
    """A daemon on sample weeks, with a helpline and a quick exit, that just sent a nudge."""
    written: ConfigFile = config_file(
        f'quick_exit_url = "{EXIT}"\n'
        f'[[nudges]]\nid = "my-boundary"\nkind = "boundary"\nat = "{soon(3)}"\n'
        f'[care]\nhelpline = "{HELPLINE}"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    ran = halfway("demo-data", "--weeks", "2", "--config", str(written.path))
    assert ran.code == 0, ran.err
    daemon = start_daemon("--real-channels", "--config", str(written.path))  # sample data
    wait_for(lambda: http_receiver.posts(), timeout=30)
    [message] = http_receiver.bodies()
    link = re.search(r"http://\S+/r/\S+", message["message"]).group(0)
    yield written, link
    daemon.stop()


def test_the_reply_page_has_a_neutral_title_the_safety_footer_and_a_quick_exit(
    served, phone_page
) -> None:
    _written, link = served
    status, html = get(link)
    assert status == 200
    assert_framed(html)
    phone_page.route(  # the closed network reaches no weather site: stand in for it
        f"{EXIT}*", lambda route: route.fulfill(body="<title>Weather</title>sunny")
    )
    phone_page.goto(link)
    assert phone_page.title() == "Reminder"
    leave = phone_page.get_by_role("link", name=discretion.QUICK_EXIT)
    assert leave.is_visible()
    assert top_of(leave) < 60  # at the top of the screen, not at the end of the page
    assert phone_page.get_by_text(HELPLINE, exact=False).is_visible()
    screenshot(phone_page, "reply-page-discreet-frame")
    heading = phone_page.get_by_role("heading").first
    before = top_of(heading)
    phone_page.get_by_text(HELPLINE, exact=False).scroll_into_view_if_needed()
    assert top_of(heading) < before  # scrolled down to the footer …
    assert top_of(leave) < 60  # … and the way out is still at the top of the screen
    leave.tap()
    phone_page.wait_for_url(f"{EXIT}*")
    assert phone_page.title() == "Weather"


def test_the_digest_page_and_an_error_page_wear_the_same_frame(served, halfway) -> None:
    written, link = served
    ran = halfway("digest", "--link", "--config", str(written.path))
    assert ran.code == 0, ran.err
    status, html = get(ran.out.strip())
    assert status == 200
    assert_framed(html)
    assert "halfway" not in Page(html).title.lower()
    status, html = get(link.split("/r/")[0] + "/r/forged.token")
    assert status == 403
    assert_framed(html)
    status, html = get(ran.out.strip().replace("/?t=", "/digest/2099-W01?t="))
    assert status == 404  # a week not yet begun: one line, in the same frame
    assert_framed(html)


def test_not_discreet_the_pages_keep_their_own_titles_and_the_same_footer(
    halfway, config_file, http_receiver, start_daemon
) -> None:
    written = config_file(
        f'discreet = false\nquick_exit_url = "{EXIT}"\n'
        f'[[nudges]]\nid = "evening"\nkind = "gesture_log"\nat = "{soon()}"\n'
        f'[care]\nhelpline = "{HELPLINE}"\n',
        server=True,
        send_timeout="5s",
        channels={"push": http_receiver.json_url()},
    )
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: http_receiver.posts())
    [message] = http_receiver.bodies()
    link = re.search(r"http://\S+/r/\S+", message["message"]).group(0)
    status, html = get(link)
    assert status == 200
    assert_framed(html, title=f"halfway · {message['title']}")
    assert daemon.stop() == 0
