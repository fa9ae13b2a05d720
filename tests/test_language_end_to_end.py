"""Issue 20's promise, end to end: a German or Spanish speaker sees not one English word
from the first nudge to the Monday digest. The real daemon sends a nudge to a real HTTP
receiver, the reply page is read and answered over HTTP, and the digest of a sample story
(`demo-data`, written in the language) is made by the CLI."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request

import pytest

from .conftest import wait_for
from .languages import english_words

NUDGE = """
[[nudges]]
id = "kleine-geste"
kind = "gesture_log"
every = "1s"
channels = ["push"]
"""


def visible(page: str) -> str:
    """A page's words as a person sees them: no scripts, no styles, no tags."""
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


LINK = re.compile(r"https?://[^\s\"<>]+/r/[A-Za-z0-9_.\-]+")


@pytest.mark.parametrize("lang", ["de", "es"])
@pytest.mark.parametrize("discreet", [False, True])
def test_from_the_first_nudge_to_the_reply_not_one_english_word(
    lang, discreet, config_file, http_receiver, start_daemon
) -> None:
    written = config_file(
        f'language = "{lang}"\ndiscreet = {str(discreet).lower()}\n' + NUDGE,
        server=True,
        channels={"push": http_receiver.json_url()},
    )
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: len(http_receiver.requests) >= 1)
    pushed = http_receiver.bodies()[0]
    link = LINK.search(pushed["message"])
    assert link, pushed
    assert english_words(pushed["title"]) == []
    assert english_words(pushed["message"], allowed=(link.group(0),)) == []

    with urllib.request.urlopen(link.group(0), timeout=10) as answer:
        page = answer.read().decode()
    assert f'<html lang="{lang}"' in page
    shown = visible(page)
    assert english_words(shown, allowed=(link.group(0),)) == [], shown

    guard = re.search(r'name="guard" value="([^"]+)"', page)
    assert guard, page  # the page's form carries its guard: a post without one is refused
    fields = {"value": "Tee am Schreibtisch", "guard": guard.group(1)}
    form = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(link.group(0), data=form, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        thanks = answer.read().decode()
    shown = visible(thanks)
    assert english_words(shown, allowed=("Tee am Schreibtisch",)) == [], shown
    assert daemon.stop() == 0


@pytest.mark.parametrize("lang", ["de", "es"])
def test_the_monday_digest_of_a_sample_story_is_written_in_the_language(
    lang, config_file, halfway, tmp_path
) -> None:
    written = config_file(f'language = "{lang}"\ndiscreet = false\n')
    made = halfway("demo-data", "--config", str(written.path))
    assert made.code == 0, made.err
    text = halfway("digest", "--config", str(written.path))
    assert text.code == 0, text.err
    assert english_words(text.out) == [], text.out
    out = tmp_path / "digest.html"
    html = halfway("digest", "--out", str(out), "--config", str(written.path))
    assert html.code == 0, html.err
    page = out.read_text()
    assert f'<html lang="{lang}"' in page
    shown = visible(page)
    assert english_words(shown) == [], shown
