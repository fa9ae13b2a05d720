"""Every word a person can read is held to halfway's voice (tests/voice.py): no blame or
diagnosis of the partner, no push to stay or leave, no score against the partner, no
guilt for what was skipped, and titles and push bodies short enough for a lock screen.

Each source of words is its own test id, so a failure names where the words came from:
words.toml kind by kind; every message a nudge sends (push, ntfy, e-mail, discreet and
not) through `halfway send` to real servers on loopback; the reply page of every kind
through the real aiohttp app (open, answered, closed, refused); the digest as text, file,
page, e-mail and push, made from `halfway demo-data` over a few seeds and lengths; the
CLI's words on that sample data; and every string literal in halfway's code. The words,
messages and sent nudges are read in German and Spanish too, and one seed's digest;
every German and Spanish word in the catalogs is held to the rules as well.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from halfway.core import kinds
from halfway.words import language

from . import voice_sample  # noqa: F401 - registers the sample data's sources
from .voice import Text, code_problems, problems, report, tallies
from .voice_sources import RENDERED, SOURCES, SRC, TEMPLATES, source


def _every_language(*lines: str) -> tuple[str, ...]:
    found: list[str] = []
    for lang in language.LANGUAGES:
        with language.speaking(lang):
            found += [language._(line) for line in lines]
    return tuple(found)


EXTRA_LINES = _every_language(kinds.REMINDER_LINE, kinds.PAUSE_OFFER)  # a push's standard lines


def catalog_texts(lang: str) -> list[Text]:
    """Every word written for `lang` in its catalog, whatever reads it."""
    with (SRC / "locale" / lang / "LC_MESSAGES" / "halfway.po").open("rb") as file:
        catalog = read_po(file, locale=lang)
    found = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [Text(f"catalog {lang}: {message.id!r}", text) for text in strings if text]
    return found or [Text(f"catalog {lang}", "")]


for _lang in language.LANGUAGES[1:]:
    source(f"catalog:{_lang}")(lambda lang=_lang: catalog_texts(lang))
SHOWN = 40  # a failure lists this many problems, then how many more


@pytest.mark.parametrize("name", list(SOURCES))
def test_every_word_keeps_halfway_s_voice(name: str) -> None:
    items = SOURCES[name]()
    assert items, f"{name}: found no words at all (the source is broken)"
    # the code's literals and the catalogs' words are held to the rules about the partner
    # (a usage line may say what it needs, a log line that a check-in was missed)
    by_rule = name.startswith(("code:", "catalog:"))
    found = code_problems(items) if by_rule else report(items, EXTRA_LINES)
    shown = found[:SHOWN] + ([f"… and {len(found) - SHOWN} more"] if len(found) > SHOWN else [])
    assert not found, f"{len(found)} problem(s) in {name}:\n" + "\n".join(shown)


def test_every_template_is_read_by_a_source() -> None:
    """A template added later is a new source of words: it must be rendered here too."""
    for name, read in SOURCES.items():
        if not name.startswith("code:"):
            read()
    included: set[str] = set()
    todo = set(RENDERED)
    while todo:  # what a rendered template includes, and what that includes in turn
        text = (TEMPLATES / todo.pop()).read_text(encoding="utf-8")
        found = set(re.findall(r"""{%-?\s*(?:include|extends|import)\s+["']([^"']+)""", text))
        todo |= found - included - RENDERED
        included |= found
    every = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*") if p.is_file()}
    assert every, "no templates found"
    assert every - RENDERED - included == set()


# --- the checks themselves ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "role", "rule"),
    [
        ("He is such a NARCISSIST.", "text", "blames"),
        ("Classic gaslighting.", "text", "blames"),
        ("That was manipulative", "text", "blames"),
        ("It’s your fault", "text", "blames"),
        ("They never listen", "text", "blames"),
        ("Their abusive words", "text", "blames"),
        ("You should leave him.", "text", "pushes"),
        ("You must talk tonight.", "text", "demands"),
        ("Time to break up?", "text", "pushes"),
        ("Balance: 56 % from their side", "digest", "keeps score"),
        ("my reaching out ▲ up", "digest", "keeps score"),
        ("You answered 9 of 11 check-ins.", "digest", "keeps score"),
        ("5 Oct   them  2 · you  3", "digest", "keeps score"),
        ("You reached out 3 times, they did twice.", "push", "keeps score"),
        ("Nothing on their side; a quiet week on your side too.", "digest", "keeps score"),
        ("their side · your reaching out", "digest", "keeps score"),
        ("You took a calm minute twice, and they reached out once.", "text", "keeps score"),
        ("Your partner began a talk twice; you reached out 4 times.", "text", "keeps score"),
        ("You missed two check-ins.", "text", "guilt"),
        ("You forgot to answer.", "text", "guilt"),
        ("You didn't answer yesterday.", "text", "guilt"),
        ("2 check-ins missed while halfway was not running", "digest", "guilt"),
        ("t" * 49, "title", "a title"),
        ("t" * 61, "heading", "a heading"),
        ("w" * 241 + "\nReply: http://x/r/1", "push", "a push body"),
        # German
        ("Dein Gegenüber ist ein Narzisst.", "text", "blames"),
        ("Das ist doch toxisch.", "text", "blames"),
        ("Er hört nie zu.", "text", "blames"),
        ("Es ist seine Schuld.", "text", "blames"),
        ("Sie ist so egoistisch.", "text", "blames"),
        ("Du solltest ihn verlassen.", "text", "pushes"),
        ("Trenn dich endlich.", "text", "pushes"),
        ("Du musst heute mit ihr reden.", "text", "demands"),
        ("Du hast zwei Antworten vergessen.", "text", "guilt"),
        ("Zwei Check-ins verpasst", "digest", "guilt"),
        ("Bilanz: 56 % von ihrer Seite", "digest", "keeps score"),
        ("Punkte diese Woche: du 3, sie 2", "digest", "keeps score"),
        ("Du hast dich dreimal gemeldet, dein Gegenüber zweimal.", "push", "keeps score"),
        ("g" * 49, "title", "a title"),
        # Spanish
        ("Tu pareja es narcisista.", "text", "blames"),
        ("Es una relación tóxica.", "text", "blames"),
        ("Nunca te escucha.", "text", "blames"),
        ("Es su culpa.", "text", "blames"),
        ("Qué egoísta.", "text", "blames"),
        ("Deberías dejarlo.", "text", "pushes"),
        ("Tienes que hablar hoy.", "text", "demands"),
        ("Olvidaste responder ayer.", "text", "guilt"),
        ("No anotaste nada esta semana.", "text", "guilt"),
        ("2 omitidos esta semana", "digest", "guilt"),
        ("Marcador: tú 3, tu pareja 2", "digest", "keeps score"),
        ("Tú lo intentaste tres veces, tu pareja dos veces.", "push", "keeps score"),
    ],
)
def test_the_checks_find_what_they_are_for(text: str, role: str, rule: str) -> None:
    assert [p for p in problems(Text("t", text, role)) if p.startswith(rule)], text


@pytest.mark.parametrize(
    "text",
    [
        "If you ever feel afraid or unsafe, please contact your local emergency services "
        "or a domestic-abuse helpline.",
        "Movement noted in 3 of the last 8 weeks.",
        "In 3 of the last 8 weeks, you noted movement from your partner.",
        "You noted 2 small moments from them this week.",
        "If you are afraid, it is not your fault. It's not your fault either way.",
        "This is not a score; what you wrote down is rarely all that happened.",
        "Tue 24 Nov: they asked about my day",
        "You took a calm minute twice. They reached out once.",
        "Skipping is always fine. None today is an honest answer.",
        "halfway is a companion, not professional advice; it never tells you to stay or to leave.",
        "Your week, gently · 23 – 29 Nov 2026",
        "Wenn du Angst hast oder dich nicht sicher fühlst, ruf bitte den Notruf oder ein "
        "Hilfetelefon gegen häusliche Gewalt an.",
        "Es ist nicht deine Schuld. Du musst heute nichts entscheiden.",
        "In 3 der letzten 8 Wochen hast du Bewegung notiert.",
        "Sa., 5. Dez.: eine kleine Geste von deinem Gegenüber",
        "Si sientes miedo o no te sientes a salvo, llama a emergencias o a una línea de "
        "ayuda contra la violencia doméstica.",
        "No es culpa tuya. No tienes que decidir nada hoy.",
        "Has anotado movimiento en 3 de las últimas 8 semanas.",
        "sáb, 5 dic: un pequeño gesto de tu pareja",
        "Esta semana no anotaste movimiento.",
    ],
)
def test_the_checks_let_kind_words_through(text: str) -> None:
    assert problems(Text("t", text, "digest")) == []
    assert tallies(text) == []


def test_no_count_is_said_as_noun_s_in_parentheses() -> None:
    """'1 nudge', '3 nudges' (halfway.plural), never 'nudge(s)', in anything shown."""
    import ast
    from pathlib import Path

    from halfway.words.plural import plural, were

    assert [plural(n, "pause") for n in (0, 1, 2)] == ["0 pauses", "1 pause", "2 pauses"]
    assert plural(1, "more bad request") == "1 more bad request"
    assert (were(1), were(4)) == ("was", "were")
    found = []
    for path in sorted((Path(__file__).parent.parent / "src" / "halfway").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.replace("http(s)", "")
                if re.search(r"[a-z]\(s\)", text):
                    found.append(f"{path.name}:{node.lineno}: {text.strip()[:60]!r}")
    assert found == []
