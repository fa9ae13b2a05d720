"""Every nudge in German and in Spanish (issue 20): every kind, every variant, with and
without its fields, discreet and not, as a reminder and with the pause offer; its reply
shape and what a refused reply says; its e-mail, its push buttons and the calendar's
titles. Each word is looked up in the language's catalog (none missing) and not one
English word reaches the person. The default discreet title is shown in their language,
a title of their own as they wrote it."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest

from halfway.channels import mailbody
from halfway.config import loader
from halfway.core import kinds
from halfway.core.kinds import PRACTICES
from halfway.engine import outbox
from halfway.feeds import ical
from halfway.store.database import Store
from halfway.words import catalog, discretion, language

from .conftest import config_text
from .languages import english_words
from .voice import visible

LANGS = ("de", "es")
FIELDS = {
    "boundary": "no work calls after 22:00",
    "topic": "weekend time",
    "helped": "a walk first",
}
LINK = "http://127.0.0.1:8470/r/d_1.token"
HELPLINE = "0800 111 0 111"
SEEDS = [f"d_{n:03}" for n in range(40)]  # enough that every variant is picked
CODES = sorted({code for p in PRACTICES.values() for code, _ in p.choices} | {kinds.LATER})
# What the test typed, or what is no word (a stored code a command takes as it is).
TYPED = (*FIELDS.values(), LINK, HELPLINE, *CODES)


def shape_texts(kind: str, record_partner: bool) -> list[str]:
    """What a kind's reply shape shows: its labels, and why a reply is refused."""
    shape = kinds.shape(kind, record_partner=record_partner)
    found = [shape.text_label, shape.note_label, shape.scale or ""]
    found += [label for _, label in shape.choices]
    found += [shape.label(value) for value in (kinds.LATER, kinds.PAUSE_WEEK)]
    found += [shape.problem(""), shape.problem("x" * (kinds.MAX_TEXT + 1))]
    found += [shape.problem("nope"), shape.problem(kinds.LATER, scale="9")]
    found.append(kinds.Shape(takes_reply=False).problem("x"))
    return [text or "" for text in found]


def message_texts(title: str, words: str) -> list[str]:
    """Every message a nudge leaves as: discreet or not, first, again, with the offer."""
    found = []
    for discreet in (True, False):
        for reminder, offer in ((False, False), (True, False), (False, True)):
            found += kinds.message(title, words, LINK, discreet, reminder, offer)
        found += kinds.message(title, words, None, discreet)
    return found


def nudge_texts() -> list[str]:
    """Everything a person reads of every kind, in the language of the moment."""
    found: list[str] = []
    for kind, practice in PRACTICES.items():
        for record_partner in (True, False):
            found += shape_texts(kind, record_partner)
            for fields in ({}, FIELDS):
                for seed in SEEDS:
                    title, words = kinds.render(
                        kind, seed=seed, fields=fields, record_partner=record_partner
                    )
                    found += [title, words]
        for variant in practice.variants:  # each one, with and without its fields
            for fields in ({}, FIELDS):
                title, words = kinds.render(kind, variant, fields=fields, helpline=HELPLINE)
                found += [title, words, *message_texts(title, words)]
    return found


def sent_texts() -> list[str]:
    """A nudge's e-mail (its visible words) and its push buttons, discreet and not."""
    found = []
    for kind in PRACTICES:
        title, words = kinds.render(kind, seed="d_1", fields=FIELDS)
        for discreet in (True, False):
            sent_title, body = kinds.message(title, words, LINK, discreet, offer_pause=True)
            html = mailbody.mail_html(sent_title, body, LINK)
            assert f'<html lang="{language.current()}">' in html
            found.append(visible(html)[0])
            for offer in (True, False):
                delivery = {
                    "link": LINK,
                    "reply": kinds.stored_shape(kinds.shape(kind)),
                    "discreet": discreet,
                    "offer_pause": offer,
                }
                push = outbox.push_of(delivery)
                assert push is not None
                found += [action["label"] for action in push.ntfy_actions()]
    return found


def calendar_texts(tmp_path: Path, lang: str) -> list[str]:
    """The calendar feed's titles and name, discreet and not, with a talk planned."""
    found = []
    for discreet in (True, False):
        body = f'language = "{lang}"\ndiscreet = {str(discreet).lower()}\n'
        body += '[[nudges]]\nid = "week"\nkind = "pattern_review"\ncron = "0 18 * * sun"\n'
        data = tomllib.loads(config_text(body, data_dir=tmp_path / f"data-{discreet}"))
        settings = loader.build(data, "test config")
        store = Store(settings.data_dir)
        with store.transaction() as tx:
            tx.put("talks", {"id": "t_1", "at": "2026-12-05T18:00:00Z", "state": "planned"})
        feed = icalendar.Calendar.from_ical(
            ical.feed(settings, store.view(), datetime(2026, 11, 30, 9, tzinfo=UTC))
        )
        found += [str(e["summary"]) for e in feed.walk() if e.name == "VEVENT"]
        found.append(str(feed["x-wr-calname"]))
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_every_nudge_speaks_the_language_with_nothing_missing_and_no_english(
    lang: str, tmp_path: Path
) -> None:
    with language.speaking(lang), language.watching() as missing:
        shown = [*nudge_texts(), *sent_texts(), *(language._(line) for line in LOCK_SCREEN)]
        shown += calendar_texts(tmp_path, lang)  # (the config says the language too)
    assert missing == set()
    assert english_words("\n".join(shown), allowed=TYPED) == []
    with language.speaking(lang):  # the calendar's words were in the language, not only there
        assert {
            discretion.shown_title(discretion.TITLE),
            language._(discretion.CALENDAR_TALK),
        } <= set(shown)


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_of_the_words_file_has_its_own_words_in_the_language(lang: str) -> None:
    """words.toml's texts are read from the catalog directly (not through `_`): each one
    must differ from the English, so none is left untranslated."""
    english = catalog.shipped()
    with language.speaking(lang):
        spoken = catalog.spoken()
    assert spoken.safety != english.safety
    for kind, practice in english.kinds.items():
        theirs = spoken.kinds[kind]
        pairs = [(practice.title, theirs.title), (practice.scale, theirs.scale)]
        pairs += [(practice.text_label, theirs.text_label)]
        pairs += [(practice.note_label, theirs.note_label)]
        pairs += list(zip(practice.variants, theirs.variants, strict=True))
        pairs += [(a[1], b[1]) for a, b in zip(practice.choices, theirs.choices, strict=True)]
        assert [a for a, b in pairs if a is not None and a == b] == [], kind
        assert [code for code, _ in theirs.choices] == [code for code, _ in practice.choices]
    for name, spec in english.placeholders.items():
        assert spoken.placeholders[name].filled != spec.filled, name


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "Reminder"), ("de", "Erinnerung"), ("es", "Recordatorio")]
)
def test_the_default_discreet_title_is_shown_in_the_language_and_an_own_title_as_written(
    lang: str, title: str
) -> None:
    with language.speaking(lang):
        assert kinds.message("t", "w", LINK, discreet=True)[0] == title
        assert kinds.message("t", "w", LINK, True, discreet_title=discretion.TITLE)[0] == title
        assert kinds.message("t", "w", LINK, True, discreet_title="Notes")[0] == "Notes"
        assert discretion.Frame(title=discretion.TITLE).page_title("own") == title
        assert discretion.Frame(title="Notes").page_title("own") == "Notes"


@pytest.mark.parametrize("lang", LANGS)
def test_every_discreet_line_stays_neutral_and_the_person_s_own_in_the_language(lang: str) -> None:
    telling = {  # whole words, as a glance at a lock screen reads them
        "de": r"\b(?:halfway|partner\w*|gegenüber|grenzen?|gespräch\w*|gesten?|beziehung\w*)\b",
        "es": r"\b(?:halfway|pareja|límites?|conversación|gestos?|petición|relación)\b",
    }[lang]
    own = {"de": r"(?:dir selbst|deine eigene|du dir)", "es": r"(?:tu propio|te pusiste)"}[lang]
    with language.speaking(lang):
        lock_screen = [language._(line) for line in LOCK_SCREEN]
        for line in lock_screen:
            assert not re.search(telling, line.lower()), line
        for line in (discretion.NUDGE, discretion.AGAIN, discretion.EASE, discretion.DIGEST):
            said = language._(line)
            assert said != line
            assert re.search(own, said.lower()), said  # the person's own reminder
            assert len(said) <= 90, said  # one line on a lock screen


LOCK_SCREEN = (
    discretion.TITLE,
    discretion.NUDGE,
    discretion.AGAIN,
    discretion.EASE,
    discretion.DIGEST,
    discretion.CHANNEL_DOWN,
    discretion.TEST,
    discretion.OPEN,
    discretion.LATER,
    discretion.CALENDAR_TALK,
    discretion.CALENDAR_REVIEW,
)
