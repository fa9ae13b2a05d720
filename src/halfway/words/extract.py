"""Babel's extractor for words.toml (named in babel.cfg): every text a person reads
there (titles, variants, choice labels, the labels over a box, the scale question,
the placeholders' words, the safety line) goes into the gettext catalog as a msgid,
so each language's catalog holds its own words for them (words/catalog.py `spoken`).
Used only by `pybabel extract` (scripts/catalogs); imports nothing of halfway's.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import BinaryIO

Found = tuple[int, str, str, list[str]]  # line, function, msgid, comments for translators
TEXTS = ("title", "scale", "text_label", "note_label")


def extract_words(
    fileobj: BinaryIO, keywords: object, comment_tags: object, options: object
) -> Iterator[Found]:
    """(line, "_", text, comments) for every text in words.toml, in the file's order."""
    source = fileobj.read().decode("utf-8")
    raw = tomllib.loads(source)
    lines = source.splitlines()

    def line_of(text: str) -> int:
        probe = text.splitlines()[0][:40] if text.strip() else text
        return next((n for n, line in enumerate(lines, 1) if probe and probe in line), 0)

    def found(text: object, note: str) -> Iterator[Found]:
        if isinstance(text, str) and text.strip():
            yield line_of(text), "_", text.strip() if note != "placeholder" else text, [note]

    yield from found(raw.get("safety"), "the safety line, closing every page and digest")
    for spec in raw.get("placeholders", {}).values():
        for key in ("filled", "empty"):  # kept as written: "\n\nLast time you noted: …"
            yield from found(spec.get(key), "placeholder")
    for kind, table in raw.get("kinds", {}).items():
        for key in TEXTS:
            yield from found(table.get(key), f"{kind}: {key}")
        for variant in table.get("variants", []):
            yield from found(variant, f"{kind}: one of its texts (a nudge picks one)")
        for code, label in table.get("choices", {}).items():
            yield from found(label, f"{kind}: the button for the reply '{code}'")
