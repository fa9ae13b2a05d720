"""The digest in German and Spanish (issue 20): every form of a week's digest (the
e-mail, its text part, the private page, the push), the year in review, the January
offer, the summary for a counsellor (text, page and PDF read back) and the calendar's
titles, rendered from constructed histories in each language: no msgid looked up
without its translation, and not one English word but those the test typed itself."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from halfway.care import triggers
from halfway.digest import figures, render, summary, summarypdf, summaryrender, year, yearly
from halfway.feeds import ical
from halfway.store.database import Store
from halfway.words import catalog, discretion, language

from .digest_history import History
from .languages import english_words
from .test_calendar import plan_talks, settings_of
from .test_summary import autumn
from .test_year_review import a_year

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)  # a Wednesday in 2026-W50
LINK = "https://halfway.example.net/digest/2026-W48?t=abc"
LANGUAGES = ["de", "es"]
# What the test typed itself: the person's own words, shown as they wrote them.
TYPED = (
    "Twenty minutes on Saturday?",
    "A walk on Sunday?",
    "Dinner out?",
    "No phones at dinner",
    "he left me the last of the coffee",
    "a hug at the door",
    "shouted about money",
    "our Sundays",
    "Twenty minutes on Saturday?",
    "I go to bed by eleven",
    "I want us to feel close",
    "walking helped",
    "felt tired",
    "a hard week",
    "a sharp word at dinner",
    "late call again",
    "He made tea without asking",
    "She laughed at my joke",
    "He asked how the interview went",
    "the holidays",
    "money",
    "made me tea",
    "Weekends are for rest",
)
# The safety line and the default discreet title are words.toml's and the nudges' (their
# translations are written with the nudges'): until then they may read English. The
# footer's own words (not advice, the quick exit) are the frame's, and translated.
FRAME = (
    catalog.safety_line(None),
    discretion.TITLE,
)


def full_week() -> History:
    """2026-W48 with every line the digest can say, and the weeks around it: W46 no
    movement, W47 only the person's own side, W49 check-ins and nothing written down."""
    h = History()
    h.answer("self_regulation", "2026-11-24 08:00", "done")
    h.answer("self_regulation", "2026-11-25 08:00", "done")
    review = h.answer("pattern_review", "2026-11-29 18:00", "agreed_time")
    review["scale"] = "3"
    h.answer("talk_reflection", "2026-11-26 21:00", "acknowledged")
    h.answer("talk_reflection", "2026-11-27 21:00", "acknowledged")
    h.answer("gesture_log", "2026-11-24 20:00", "he left me the last of the coffee")
    h.log("gesture", "2026-11-25 08:00", "a hug at the door", by="partner")
    h.log("initiation", "2026-11-24 19:00", by="me")
    h.log("initiation", "2026-11-26 19:00", by="me")
    h.log("initiation", "2026-11-27 19:00", by="me")
    h.log("initiation", "2026-11-28 19:00", by="partner")
    h.log("hurt", "2026-11-26 22:00", "shouted about money", by="partner")
    h.ask("A walk on Sunday?", "2026-10-01 17:00", ("resting", "2026-10-10 10:00"))
    h.ask("Dinner out?", "2026-10-02 17:00", ("resting", "2026-10-11 10:00"))
    h.ask("Twenty minutes on Saturday?", "2026-11-24 17:00", ("agreed", "2026-11-26 19:00"))
    h.boundary(
        "No phones at dinner",
        ("held", "2026-11-24 21:00"),
        ("strained", "2026-11-26 21:00"),
        ("crossed", "2026-11-28 21:00"),
    )
    h.tables["talks"].append(
        {"id": "t_p", "by": "partner", "state": "planned", "topic": None,
         "at": h.at("2026-12-05 19:00"), "created_at": h.at("2026-11-27 09:00"), "history": []}
    )  # fmt: skip
    h.answer("pattern_review", "2026-11-15 18:00", "none")  # W46: no movement noted
    h.answer("self_regulation", "2026-11-17 08:00", "done")  # W47: only the own side
    h.nudge("gesture_log", "2026-12-01 20:00")  # W49: check-ins came by, nothing written
    h.nudge("gesture_log", "2026-12-03 20:00")
    return h


def visible(made: str) -> str:
    """What a person reads of `made`: HTML's text without its tags, unescaped."""
    shown = re.sub(r"<style>.*?</style>", " ", made, flags=re.DOTALL)  # read by no one
    return html.unescape(re.sub(r"<[^>]*>", " ", shown))


def assert_spoken(made: str, *typed: str) -> None:
    found = english_words(visible(made), allowed=(*FRAME, *TYPED, *typed))
    assert not found, (found, made)


def digest_forms(d: figures.Digest) -> list[str]:
    frame = discretion.Frame(discreet=False, helpline=None)
    earlier = [("2026-W47", "/digest/2026-W47?t=x"), ("2026-W46", "/digest/2026-W46?t=x")]
    title, body = render.push(d, LINK)
    return [
        render.text(d, LINK, frame),
        render.mail_html(d, LINK, frame),
        render.page_html(d, earlier, "/?t=x", frame),
        f"{title}\n{body}".replace(LINK, ""),
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_form_of_the_digest_speaks_the_language(lang) -> None:
    tables = full_week().tables
    with language.speaking(lang), language.watching() as missing:
        built = [
            figures.build(tables, "2026-W48", BERLIN, NOW, list(triggers.TRIGGERS)),
            figures.build(tables, "2026-W46", BERLIN, NOW),
            figures.build(tables, "2026-W47", BERLIN, NOW),
            figures.build(tables, "2026-W49", BERLIN, NOW),
            figures.build(tables, "2026-W48", BERLIN, NOW, partner=False),
        ]
        forms = [form for d in built for form in digest_forms(d)]
    assert not missing, sorted(missing)
    for made in forms:
        assert_spoken(made)
    full = forms[0]
    assert len(built[0].care_notes) == len(triggers.TRIGGERS)  # every care note was said
    assert "1 · 2" not in full  # the energy strip is there, as figures only
    assert "Twenty minutes on Saturday?" in full
    assert f'<html lang="{lang}">' in forms[1]


def test_the_digest_in_german_and_spanish_word_for_word() -> None:
    tables = full_week().tables
    d = figures.build(tables, "2026-W48", BERLIN, NOW)
    with language.speaking("de"):
        german = render.text(d)
        assert render.push(d, LINK)[0] == "Deine Woche, in Ruhe · 23.–29. Nov. 2026"
        assert render.week_label(date(2026, 11, 23)) == "Woche ab 23. Nov."
    with language.speaking("es"):
        spanish = render.text(d)
        assert render.push(d, LINK)[0] == "Tu semana, con calma · 23–29 nov 2026"
    for line in (
        "WAS DU GETAN HAST",
        "- Du hast dir zweimal eine ruhige Minute genommen.",
        "- Du hast eine klare Bitte in Worte gefasst.",
        "- Du hast bei deinen Grenzen nachgespürt: „No phones at dinner“ gehalten, dann "
        "angespannt, dann diesmal nicht gehalten.",
        "- Du hast 3-mal Kontakt gesucht.",
        "- Dein Gegenüber hat zu einer Bitte Ja gesagt.",
        "- Mi., 25. Nov.: a hug at the door",
        "Woche ab 23. Nov.: Bewegung notiert (diese Woche)",
        "2 frühere Bitten ruhen. Du musst sie nicht in jede Woche mitnehmen.",
    ):
        assert line in german, (line, german)
    for line in (
        "LO QUE HICISTE",
        "- Te tomaste un minuto de calma dos veces.",
        "- Buscaste el contacto 3 veces.",
        "- Anotaste movimiento: se acordó un momento; tu pareja reconoció tus sentimientos "
        "(dos veces).",
        "- Mié, 25 nov: a hug at the door",
        "semana del 23 nov: movimiento anotado (esta semana)",
        "Tu última petición: «Twenty minutes on Saturday?», hecha el 24 nov: un sí.",
    ):
        assert line in spanish, (line, spanish)


def test_english_stays_as_it_was_after_another_language() -> None:
    d = figures.build(full_week().tables, "2026-W48", BERLIN, NOW)
    before = render.text(d, LINK)
    with language.speaking("de"):
        render.text(d, LINK)
    assert render.text(d, LINK) == before
    assert before.startswith("Your week, gently · 23 – 29 Nov 2026\n")
    assert "- You took a calm minute for yourself twice." in before


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_year_and_its_january_offer_speak_the_language(lang, tmp_path) -> None:
    now = datetime.fromisoformat("2026-01-05T07:00:00+01:00")
    settings = settings_of(tmp_path, discreet=False)  # (loading a config sets its language)
    with language.speaking(lang), language.watching() as missing:
        found = year.build(a_year(), 2025, BERLIN, now)
        assert found is not None
        made = [year.text(found), year.file_html(found, discretion.Frame(discreet=False))]
        made.append(year.too_little(2025))
        offer = yearly.YearNudges(settings, Store(settings.data_dir), lambda: now)
        record = offer.record(2025, now, now)
        made += [str(record["title"]), str(record["body"]), str(record["words"])]
    assert not missing, sorted(missing)
    for text in made:
        assert_spoken(text)
    months = {"de": ("Januar", "im Juli."), "es": ("Enero", "en julio.")}[lang]
    assert f"\n{months[0]}: " in made[0]
    assert months[1] in made[0]
    assert "8 " in made[2]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_summary_speaks_the_language_in_text_page_and_pdf(lang, monkeypatch) -> None:
    from .test_summary import pdf_text

    history = autumn()
    history.log("note", "2026-10-08 22:00", "Grüße ÄÖÜ äöüß ñÑ áéíóú ¿sí? ¡ya!")
    first, last = date(2026, 9, 30), date(2026, 10, 25)
    with language.speaking(lang), language.watching() as missing:
        found = summary.build(history.tables, first, last, BERLIN, NOW, notes=True, hurt=True)
        text = summaryrender.text(found)
        page = summaryrender.html(found)
        system = summarypdf.pdf(found) if summarypdf._font_folder() else None
        monkeypatch.setattr(summarypdf, "FONT_FOLDERS", ())
        builtin = pdf_text(summarypdf.pdf(found))  # Helvetica: Latin-1 only
    assert not missing, sorted(missing)
    typed = "Grüße ÄÖÜ äöüß ñÑ áéíóú ¿sí? ¡ya!"
    for made in (text, page, builtin):
        assert_spoken(made, typed)
    assert f'<html lang="{lang}">' in page
    assert typed in builtin  # every letter of German and Spanish drawn, none as '?'
    cover = {"de": "Rückblick: 30. Sept. - 25. Okt. 2026", "es": "Mirando atrás: 30 sept - 25 oct"}
    assert cover[lang] in builtin
    heading = {"de": "Meine Grenzen", "es": "Mis límites"}[lang]
    assert heading in builtin
    said = {
        "de": "„Twenty minutes on Saturday?“: ausgesprochen am 13. Okt.\n",
        "es": "hecha el 13 oct.\n",
    }
    assert said[lang] in text  # one full stop after a date that ends in one
    if system is not None:
        drawn = pdf_text(system)
        assert typed in drawn
        assert_spoken(drawn, typed)


@pytest.mark.parametrize(("lang", "talk", "review"), [
    ("de", "Zeit freigehalten", "Ein paar Minuten für dich"),
    ("es", "Tiempo reservado", "Unos minutos para ti"),
])  # fmt: skip
def test_the_calendars_titles_speak_the_language_and_stay_neutral(
    lang, talk, review, tmp_path
) -> None:
    settings = settings_of(tmp_path, discreet=False)
    store = Store(settings.data_dir)
    plan_talks(store)
    with language.speaking(lang), language.watching() as missing:
        feed = ical.feed(settings, store.view(), datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert not missing, sorted(missing)
    parsed = icalendar.Calendar.from_ical(feed)
    titles = [str(e["summary"]) for e in parsed.walk() if e.name == "VEVENT"]
    assert titles.count(talk) == 1
    assert titles.count(review) == 8
    assert set(titles) == {talk, review}
    discreet = settings_of(tmp_path / "discreet", discreet=True)
    with language.speaking(lang):
        hidden = ical.feed(discreet, Store(discreet.data_dir).view(), NOW)
    assert talk.encode() not in hidden
    assert review.encode() not in hidden


def test_the_pdf_fallback_font_draws_every_letter_of_german_and_spanish() -> None:
    letters = "ä ö ü Ä Ö Ü ß ñ Ñ á é í ó ú ¿ ¡ « »"
    assert letters.encode("latin-1").decode("latin-1") == letters  # Helvetica holds them
    assert "„Ja“ – gut…".translate(summarypdf.PLAIN) == '"Ja" - gut...'
