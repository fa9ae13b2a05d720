"""`halfway demo-data` and the demo in German and Spanish: the sample story (gestures,
initiations, asks, topics, notes, boundaries, what hurt) is written in the configured
language, so a digest made from it is in that language throughout; the same seed tells
the same story in every language; what demo-data and the demo say is in the language."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from halfway.cli import demodata
from halfway.config import loader
from halfway.demo import answers, story
from halfway.words import language

from .languages import english_words

PHONE = {"phone": "ntfy://ntfy.example.net/halfway-7f3a"}
END = datetime(2026, 11, 25, 12, tzinfo=UTC)
# The values a tap sends (machine words, never shown as they are).
VALUES = story.CHOICES | {"none"}
# The longer English words of the story, beyond tests/languages.py's common ones (the
# short ones, 'me', 'a', are Spanish or German words too).
STORY_WORDS = {
    word.strip(",.;").lower()
    for text in story.GESTURES + story.MINE + story.ASKS + story.HURT + story.NOTES
    for word in text.split()
    if len(word) > 3
} - {"sofa"}  # German too


def made(folder: Path, lang: str, weeks: int = 6) -> dict[str, list[Any]]:
    """`weeks` weeks of the story (seed 7) made with `language = lang`, as the records read."""
    from halfway.store.database import Store

    with language.speaking("en"), language.watching() as missing:
        settings = loader.build(
            {"timezone": "Europe/Berlin", "data_dir": str(folder), "channels": PHONE}
            | {"language": lang},
            "test",
        )
        demodata.fill(settings, weeks, demodata.DEFAULT_SEED, END)
    every = Store(folder).everything()
    story_missing = {m for m in missing if m in _story_msgids()}
    assert not story_missing, story_missing
    return every


def _story_msgids() -> set[str]:
    texts = story.GESTURES + story.MINE + story.THEIRS + story.ASKS + story.BOUNDARIES
    texts += story.HURT + story.STRAINED + story.CROSSED + story.NOTES + story.TOPICS
    return {*texts, story.DRAFT}


def texts(every: dict[str, list[Any]]) -> list[str]:
    """What the person wrote (or the story wrote for them) in the records."""
    found = [e["text"] for e in every["entries"]]
    found += [a["text"] for a in every["asks"]]
    found += [t["topic"] for t in every["talks"] if t.get("topic")]
    found += [b["text"] for b in every["boundaries"]]
    found += [a["note"] for b in every["boundaries"] for a in b["answers"] if a.get("note")]
    found += [r["note"] for r in every["replies"] if r.get("note")]
    found += [r["value"] for r in every["replies"] if r["value"] not in VALUES]
    return [t for t in found if not t.isdigit()]  # a scale's answer: '3'


@pytest.mark.parametrize("lang", ["de", "es"])
def test_the_story_is_written_in_the_configured_language(tmp_path, lang) -> None:
    written = texts(made(tmp_path / lang, lang))
    assert len(written) > 30
    english = _story_msgids()
    for text in written:
        assert text not in english, text
        assert english_words(text) == [], text
        assert not STORY_WORDS & {w.strip(",.;").lower() for w in text.split()}, text


def test_the_same_seed_tells_the_same_story_in_every_language(tmp_path) -> None:
    def shape(every: dict[str, list[Any]]) -> list[tuple[Any, ...]]:
        return sorted(
            [("e", e["at"], e["kind"], e.get("by")) for e in every["entries"]]
            + [("a", a["at"], a["state"]) for a in every["asks"]]
            + [("t", t["at"], t["state"]) for t in every["talks"]]
            + [("d", d["kind"], d["scheduled_for"], d["state"]) for d in every["deliveries"]]
        )

    english = made(tmp_path / "en", "en", weeks=3)
    german = made(tmp_path / "de", "de", weeks=3)
    assert shape(english) == shape(german)
    assert texts(english) != texts(german)
    assert "made tea without asking" in texts(english) or "asked about my day" in texts(english)


@pytest.mark.parametrize("lang", ["de", "es"])
def test_what_demo_data_says_is_in_the_language(tmp_path, lang) -> None:
    counts = dict.fromkeys(demodata.TABLES, 3)
    with language.speaking(lang), language.watching() as missing:
        summary = demodata.summary(counts, 12, tmp_path, lambda c: f"halfway {c}")
        one = demodata.summary(counts, 1, tmp_path, lambda c: f"halfway {c}")
        refused = demodata.weeks_arg.__doc__ or ""
        try:
            demodata.weeks_arg("200")
        except Exception as error:  # argparse's ArgumentTypeError
            refused = str(error)
    assert not missing, missing
    allowed = (str(tmp_path), "digest --out digest.html", "--real-channels", "data_dir")
    for text in (summary, one, refused):
        assert english_words(text, allowed=allowed) == [], text
    assert ("12 Wochen" if lang == "de" else "12 semanas") in summary
    assert ("1 Woche " if lang == "de" else "1 semana ") in one
    assert "200" in refused


@pytest.mark.parametrize("lang", ["de", "es"])
def test_the_demo_answers_and_explains_in_the_language(lang) -> None:
    records = [
        {"state": "skipped", "reason": "backoff"},
        {"state": "skipped", "reason": "ask_waiting"},
        {"state": "skipped"},
        {"state": "missed"},
        {"state": "sent", "reason": "snooze"},
        {"state": "sent", "reminder_of": "x"},
        {"state": "sent", "offer_pause": True},
        {"state": "sent", "late": True},
        {"state": "sent"},
    ]
    with language.speaking(lang), language.watching() as missing:
        lines = [answers.explain(r) for r in records]  # type: ignore[arg-type]
        gestures = [language._(g) for g in answers.ANSWERS["gesture_log"] if g != "none"]
        note = language._(answers.NOTE)
    assert not missing, missing
    assert len(set(lines)) == len(lines)
    for text in [*lines, *gestures, note]:
        assert english_words(text, allowed=("halfway",)) == [], text


def test_every_word_of_the_demo_config_is_in_the_catalogs() -> None:
    import tomllib
    from importlib import resources

    from halfway.cli.invocation import DEMO_TEXTS

    demo = tomllib.loads(resources.files("halfway").joinpath("demo.toml").read_text("utf-8"))
    texts = {n["text"] for n in demo["nudges"] if "text" in n}
    assert texts
    assert texts <= set(DEMO_TEXTS)


@pytest.mark.parametrize("lang", ["de", "es"])
def test_the_demo_speaks_the_language_of_the_locale(tmp_path, monkeypatch, capsys, lang) -> None:
    import argparse

    from halfway.cli.invocation import DEMO_TEXTS, demo_banner, demo_settings

    monkeypatch.setenv("LANGUAGE", lang)  # the demo has no config: the locale says
    with language.speaking("en"), language.watching() as missing:
        settings = demo_settings(argparse.Namespace(data_dir=str(tmp_path / "demo")))
        demo_banner(settings)
    assert not missing, missing
    texts = [n.text for n in settings.nudges if n.text]
    assert texts
    assert not set(texts) & set(DEMO_TEXTS)
    said = capsys.readouterr().out + "\n".join(texts)
    allowed = (str(tmp_path), "ntfy://ntfy.sh/", "halfway init", "halfway check", "halfway run")
    assert english_words(said, allowed=allowed) == [], said
