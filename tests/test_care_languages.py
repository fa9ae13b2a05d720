"""Every care note in German and Spanish, as a person reads it: each trigger's note in
every one of its variants (and, where it carries one, the safety line with the user's
helpline), its push message when not discreet, and its reply page with its choices.
Nothing is left untranslated and no English word shows.

The notes' words are words.toml's (read through `catalog.spoken`), the page's and the
message's words the catalogs'; both must be written for these to pass.
"""

from __future__ import annotations

import re

import pytest

from halfway.care import triggers
from halfway.core import kinds
from halfway.replies import web
from halfway.words import catalog, discretion, language

from .languages import english_words

HELPLINE = "0800 116 016"
LINK = "https://example.org/r/abc"
NOTES = sorted({triggers.KIND_OF[t] for t in triggers.TRIGGERS})


def seeds_for_each_variant(kind: str) -> list[str]:
    """A seed that picks each of `kind`'s variants (render picks by seed)."""
    wanted = len(catalog.spoken().kinds[kind].variants)
    found: dict[str, str] = {}
    for n in range(500):
        _title, words = kinds.render(kind, None, seed=f"d_{n}", helpline=HELPLINE)
        found.setdefault(words, f"d_{n}")
        if len(found) == wanted:
            break
    assert len(found) == wanted
    return list(found.values())


def readable(html: str) -> str:
    return " ".join(re.sub(r"<style>.*?</style>|<[^>]+>", " ", html, flags=re.S).split())


@pytest.mark.parametrize("lang", ["de", "es"])
@pytest.mark.parametrize("kind", NOTES)
def test_every_care_note_reads_in_the_language(lang, kind) -> None:
    with language.speaking(lang), language.watching() as missing:
        practice = catalog.spoken().kinds[kind]
        shape = kinds.shape(kind)
        texts = []
        for seed in seeds_for_each_variant(kind):
            title, words = kinds.render(kind, None, seed=seed, helpline=HELPLINE)
            push_title, body = kinds.message(title, words, LINK, discreet=False)
            delivery = {"id": seed, "kind": kind, "words_title": title, "words": words}
            page = web.page(
                discretion.Frame(discreet=False, helpline=HELPLINE),
                delivery=delivery,
                shape=shape,
                reply=None,
                guard="g",
                open=True,
                closes=None,
                drafts=[],
            )
            texts += [push_title, body, readable(page)]
            if practice.safety:
                assert words.endswith(catalog.safety_line(HELPLINE))
    assert missing == set()
    for text in texts:
        assert english_words(text, allowed=("halfway", LINK)) == [], text
    english = catalog.shipped().kinds[kind]
    assert practice.title != english.title
    assert all(said != was for said, was in zip(practice.variants, english.variants, strict=True))
    assert [label for _code, label in shape.choices] == [label for _c, label in practice.choices]
