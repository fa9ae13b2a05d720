"""The reply page and the frame around every page, in German and Spanish: every shape a
reply can take (choices, free text, a scale, a note), open and closed, discreet and not,
the weekly review beside its question, every error a person can meet, the missing page
and the pause form. Nothing is left untranslated (`language.watching`), no English word
shows (`tests/languages.english_words`), and `<html lang>` names the language.

The words a nudge was sent with (its title, text and choice labels) are stored with the
delivery, in the language of its day: the tests type them, and allow them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from halfway.core import kinds
from halfway.core.instants import format_instant
from halfway.digest import render
from halfway.replies import pagewords, review, service, web
from halfway.words import catalog, dates, discretion, language, templates

from .languages import english_words
from .test_review import ask, gesture, view_of

BERLIN = ZoneInfo("Europe/Berlin")
SENT = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
HELPLINE = "0800 116 016"
# What a nudge was sent with, typed here in each language (see the module's docstring).
TYPED = {
    "de": ("Ein Moment für dich", "Wie geht es dir heute?", ("Gut", "Schwer"), "Deine Worte"),
    "es": ("Un momento para ti", "¿Cómo estás hoy?", ("Bien", "Difícil"), "Tus palabras"),
}
ASK_TEXT, GESTURE_TEXT, DRAFT_TEXT = "Zwanzig Minuten am Samstag", "Tee gekocht", "Ein Spaziergang"


def shapes(lang: str) -> dict[str, kinds.Shape]:
    _title, _words, (one, two), box = TYPED[lang]
    choices = (("good", one), ("hard", two))
    return {
        "choices": kinds.Shape(choices=choices),
        "free text": kinds.Shape(free_text=True, text_label=box),
        "scale": kinds.Shape(choices=choices, scale=box + " 1–5"),
        "note": kinds.Shape(choices=choices, note=True, note_label=box),
    }


def delivery(lang: str, kind: str = "boundary") -> dict[str, Any]:
    title, words, _choices, _box = TYPED[lang]
    return {
        "id": "d_1",
        "nudge_id": "n",
        "kind": kind,
        "words_title": title,
        "words": words,
        "offer_pause": True,
        "talk_id": "t_1",
        "scheduled_for": format_instant(SENT),
    }


def frame(discreet: bool) -> discretion.Frame:
    return discretion.Frame(discreet=discreet, title="Notiz", helpline=HELPLINE)


def allowed(lang: str) -> tuple[str, ...]:
    """The words the test typed, and the safety line: words.toml's, whose translation
    is the nudges' (tests/test_languages checks it is written)."""
    title, words, choices, box = TYPED[lang]
    typed = (title, words, *choices, box, ASK_TEXT, GESTURE_TEXT, DRAFT_TEXT, "halfway")
    return (catalog.safety_line(HELPLINE), catalog.safety_line(), *typed)


def checked(lang: str, html: str) -> str:
    """`html` as a person reads it, after the checks every page in `lang` must pass."""
    assert f'<html lang="{lang}">' in html
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S)
    assert english_words(text, allowed=allowed(lang)) == []
    return text


def week_view(lang: str, open_asks: int = 1, resting: int = 2) -> Any:
    rest = [ask(f"r_{n}", "-", "resting", SENT - timedelta(days=40 + n)) for n in range(resting)]
    latest = [ask("a_1", ASK_TEXT, "no_answer", SENT - timedelta(days=3))][:open_asks]
    return view_of(
        asks=latest + rest,
        entries=[gesture("e_1", GESTURE_TEXT, SENT - timedelta(days=2))],
        deliveries=[],
        replies=[],
    )


@pytest.mark.parametrize("lang", ["de", "es"])
@pytest.mark.parametrize("discreet", [True, False])
@pytest.mark.parametrize("shape_name", ["choices", "free text", "scale", "note"])
def test_every_reply_shape_reads_in_the_language(lang, discreet, shape_name) -> None:
    closes = SENT + timedelta(days=2)
    with language.speaking(lang), language.watching() as missing:
        shape = shapes(lang)[shape_name]
        sent = delivery(lang)
        answered = {"value": "later", "note": None}
        common: web.PageContext = {
            "delivery": sent,
            "shape": shape,
            "guard": "g",
            "drafts": [{"id": "a_2", "text": DRAFT_TEXT}],
            "log_action": "x/log",
            "said_action": "x/said",
            "review": None,
        }
        fresh = web.page(
            frame(discreet),
            **common,
            reply=None,
            open=True,
            closes=pagewords.moment(closes, BERLIN),
        )
        later = web.page(
            frame(discreet),
            **common,
            reply=answered,
            reply_label=pagewords.label(shape, "later"),
            reply_is_text=False,
            saved=pagewords.label(shape, "later"),
            again=pagewords.moment(closes - timedelta(hours=3), BERLIN),
            open=True,
            closes=None,
            logged=True,
            said=True,
        )
        closed = web.page(frame(discreet), **common, reply=answered, open=False, closes=None)
    assert missing == set()
    fresh_text, later_text = checked(lang, fresh), checked(lang, later)
    checked(lang, closed)
    with language.speaking(lang):
        words = {w: language._(w) for w in ("Later", "Pause this for a week", "Leave quickly")}
        when = dates.weekday_day(closes.astimezone(BERLIN))
    for english, said in words.items():
        assert said != english
        assert said in fresh_text
    assert when in fresh_text  # when it closes, as the language writes a date
    assert f"{words['Later']}" in later_text  # the answer "later", in the language


@pytest.mark.parametrize("lang", ["de", "es"])
@pytest.mark.parametrize(("open_asks", "resting"), [(1, 2), (1, 1), (0, 2), (0, 1)])
def test_the_weekly_review_reads_in_the_language(lang, open_asks, resting) -> None:
    sent = delivery(lang, kind=review.KIND)
    with language.speaking(lang), language.watching() as missing:
        grounding = review.grounding(week_view(lang, open_asks, resting), sent, BERLIN)
        html = web.page(
            frame(False),
            delivery=sent,
            shape=shapes(lang)["scale"],
            reply=None,
            guard="g",
            open=True,
            closes=None,
            review=grounding,
            drafts=[],
        )
        since = dates.weekday_day((SENT - timedelta(days=3)).astimezone(BERLIN))
    assert missing == set()
    text = " ".join(checked(lang, html).split())
    assert GESTURE_TEXT in text
    if open_asks:
        assert ASK_TEXT in text
        assert since in text  # "(keine Antwort, seit Do., 3. Dez.)"
    resting_line = re.search(rf"\b{resting} [^.]*\.", text)  # "2 frühere Bitten ruhen gerade."
    assert resting_line is not None
    assert english_words(resting_line.group(0)) == []


MESSAGES = [
    service.ReplyError(403, service.FORGED),
    service.ReplyError(410, service.CLOSED),
    service.ReplyError(422, service.UNREADABLE),
    service.ReplyError(422, service.LONG_NOTE, n=service.MAX_NOTE),
    service.ReplyError(403, pagewords.UNCHECKED),
    service.ReplyError(413, pagewords.TOO_LONG),
    service.ReplyError(429, pagewords.TOO_MANY),
    service.ReplyError(422, pagewords.NOT_NOTED, why="Tee"),
]


@pytest.mark.parametrize("lang", ["de", "es"])
@pytest.mark.parametrize("error", MESSAGES, ids=lambda e: e.message[:30])
def test_every_error_a_person_can_meet_reads_in_the_language(lang, error) -> None:
    with language.speaking(lang), language.watching() as missing:
        html = web.page(frame(True), error=error.words())
        assert error.words() != error.message  # the page's words; the log keeps English
    assert missing == set()
    checked(lang, html)


@pytest.mark.parametrize("lang", ["de", "es"])
@pytest.mark.parametrize("message", [pagewords.TROUBLE, pagewords.NOT_SAVED])
def test_the_calm_error_page_reads_in_the_language(lang, message) -> None:
    with language.speaking(lang), language.watching() as missing:
        html = web.page(discretion.Frame(), error=language._(message))
    assert missing == set()
    assert message not in html
    checked(lang, html)


@pytest.mark.parametrize("lang", ["de", "es"])
def test_the_missing_page_wears_the_frame_in_the_language(lang) -> None:
    with language.speaking(lang), language.watching() as missing:
        html = render.missing_html("Diese Seite gibt es nicht.", frame(True))
    assert missing == set()
    text = checked(lang, html)
    with language.speaking(lang):
        assert language._(discretion.QUICK_EXIT) in text
        assert language._(discretion.NOT_ADVICE) in " ".join(text.split())


PAUSES = {
    "offered": {"paused": False, "done": None},
    "paused until": {"paused": True, "until": "MOMENT", "done": "paused"},
    "paused open": {"paused": True, "until": None, "done": None},
    "resumed": {"paused": False, "done": "resumed"},
}


@pytest.mark.parametrize("lang", ["de", "es"])
@pytest.mark.parametrize("state", list(PAUSES))
def test_the_pause_form_reads_in_the_language(lang, state) -> None:
    with language.speaking(lang), language.watching() as missing:
        until = pagewords.moment(SENT, BERLIN)
        pause = {**PAUSES[state], "guard": "g", "pause_action": "/p", "resume_action": "/r"}
        if pause.get("until"):
            pause["until"] = until
        html = templates.template("pause_form.html").render(pause=pause)
    assert missing == set()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert english_words(text, allowed=("halfway",)) == []
    if state == "paused until":
        assert until in text  # "Mi., 2. Dez. um 21:15": the moment, in the language


def test_english_stays_as_it_was() -> None:
    shape = shapes("de")["choices"]
    assert pagewords.label(shape, "later") == "Later"
    assert pagewords.moment(SENT, BERLIN) == "Sun 2026-12-06 18:00 CET"
    html = web.page(frame(False), error=service.ReplyError(403, service.FORGED).words())
    assert '<html lang="en">' in html
    assert "This link is not one halfway made, or it has been mistyped." in html
    assert discretion.NOT_ADVICE in html
    assert "Leave quickly" in html
    with language.speaking("de"):
        assert pagewords.moment(SENT, BERLIN) == "So., 6. Dez. um 18:00"
    with language.speaking("es"):
        assert pagewords.moment(SENT, BERLIN) == "dom, 6 dic a las 18:00"
