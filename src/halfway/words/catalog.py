"""halfway's words: each kind's title, text variants and choices, read from words.toml.

The words live in `words.toml` beside this module and are read once, when first
needed. A user's config may reword any kind (`check_overrides`, `merge`,
`with_overrides`), for every language or for one (`[words.de.gesture_log]`); the
choice codes never change. `fill` puts a field (a boundary, a talk's topic) into
words without ever reading them as a template.

words.toml is written in English, the source language; `spoken()` is the same words
in the configured language, each looked up in its gettext catalog (words/language.py;
`words/extract.py` puts words.toml's texts in the catalog).
Pure: reads only its own package data and imports no halfway module but `language`.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import cast

from halfway.words.language import N_, _, current, translations

LATER = "later"  # any reply can be "later": ask again after the nudge's snooze time
PAUSE_WEEK = "pause_week"  # any reply can pause its nudge for a week
CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")  # a stable choice code: snake_case
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_FIELD = 80  # a field's words (a boundary, a topic) are cut to this many characters

# Bounds on a user's own words; the shipped words are held to tighter ones (tests/test_words.py).
MAX_TITLE = 100
MAX_VARIANT = 1000
MAX_LABEL = 60
TEXT_LABEL = N_("Your words")  # over the box for a reply in the person's own words
NOTE_LABEL = N_("A note, if you like")  # over a note field, unless a kind has its own words


class WordsError(ValueError):
    """Words that cannot be used; `problems` holds one line per problem, each naming its key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Practice:
    """A kind's words and reply shape."""

    title: str
    variants: tuple[str, ...]
    choices: tuple[tuple[str, str], ...] = ()
    free_text: bool = False  # the value may be the user's own words
    scale: str | None = None  # a 1–5 question, asked beside the value
    note: bool = False  # a note field beside the value
    text_label: str = TEXT_LABEL
    safety: bool = False  # the safety line closes every text
    note_label: str = NOTE_LABEL  # the words over the note field

    @property
    def text(self) -> str:
        """The first variant: the words when no delivery picks one."""
        return self.variants[0]

    @property
    def fields(self) -> frozenset[str]:
        """The placeholders its words may name: those its variants name."""
        return frozenset(name for text in self.variants for name in PLACEHOLDER.findall(text))


@dataclass(frozen=True)
class Placeholder:
    filled: str  # with "{value}" where the field's words go
    empty: str  # when the field is not given


@dataclass(frozen=True)
class WordsFile:
    """Everything words.toml holds."""

    kinds: dict[str, Practice]
    placeholders: dict[str, Placeholder]
    safety: str


# --- reading and checking words ------------------------------------------------------------


def text_problem(value: object, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return _("must be a text that is not empty")
    if len(value.strip()) > limit:
        return _("must be at most {limit} characters").format(limit=limit)
    return None


def variants_problems(
    value: object, where: str, known: frozenset[str], kind: str, limit: int
) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        return [_("{where}: must be a list of 1 or more texts").format(where=where)]
    problems = []
    for i, text in enumerate(value):
        problem = text_problem(text, limit)
        if problem:
            problems.append(f"{where}[{i}]: {problem}")
        for name in PLACEHOLDER.findall(text):
            if name not in known:
                its = ", ".join(f"{{{k}}}" for k in sorted(known)) or "none"
                problems.append(
                    _("{where}: unknown placeholder {name} ({kind} knows: {its})").format(
                        where=f"{where}[{i}]", name=f"{{{name}}}", kind=kind, its=its
                    )
                )
    return problems


def labels_problems(value: object, where: str, codes: list[str], kind: str) -> list[str]:
    if not isinstance(value, Mapping) or not value:
        return [_('{where}: must be a table of code = "label"').format(where=where)]
    problems = []
    for code, label in value.items():
        if code not in codes:
            problems.append(
                _("{where}: not a choice of {kind} (its codes: {codes})").format(
                    where=f"{where}.{code}", kind=kind, codes=", ".join(codes)
                )
            )
        elif problem := text_problem(label, MAX_LABEL):
            problems.append(f"{where}.{code}: {problem}")
    return problems


def _tables(raw: Mapping[str, object], key: str) -> dict[str, object]:
    """The tables under `key`, by name (words.toml is halfway's own: a table there)."""
    return dict(cast("Mapping[str, object]", raw.get(key, {})))


def _parse(raw: Mapping[str, object]) -> WordsFile:
    """The shipped words, checked; WordsError (naming words.toml) for a broken file."""
    problems: list[str] = []
    where = "words.toml"
    safety = raw.get("safety")
    if problem := text_problem(safety, MAX_VARIANT):
        problems.append(f"{where}: safety: {problem}")
    placeholders: dict[str, Placeholder] = {}
    for name, spec in _tables(raw, "placeholders").items():
        filled, empty = (
            (spec.get("filled"), spec.get("empty")) if isinstance(spec, dict) else (0, 0)
        )
        if not isinstance(filled, str) or "{value}" not in filled or not isinstance(empty, str):
            problems.append(
                f"{where}: placeholders.{name}: needs filled (with {{value}}) and empty"
            )
            continue
        placeholders[name] = Placeholder(filled, empty)
    kinds: dict[str, Practice] = {}
    for kind, table in _tables(raw, "kinds").items():
        at = f"{where}: kinds.{kind}"
        if not isinstance(table, dict):
            problems.append(f"{at}: must be a table")
            continue
        unknown = set(table) - {f.name for f in Practice.__dataclass_fields__.values()}
        problems += [f"{at}.{key}: unknown key" for key in sorted(unknown)]
        if problem := text_problem(table.get("title"), MAX_TITLE):
            problems.append(f"{at}.title: {problem}")
        found = variants_problems(
            table.get("variants"), f"{at}.variants", frozenset(placeholders), kind, MAX_VARIANT
        )
        for key in ("scale", "text_label", "note_label"):
            if key in table and (problem := text_problem(table[key], MAX_TITLE)):
                found.append(f"{at}.{key}: {problem}")
        choices = dict(table.get("choices", {}))
        for code, label in choices.items():
            if not CODE.fullmatch(code) or code in (LATER, PAUSE_WEEK):
                found.append(f"{at}.choices.{code}: not a usable code (snake_case, not reserved)")
            elif problem := text_problem(label, MAX_LABEL):
                found.append(f"{at}.choices.{code}: {problem}")
        problems += found
        if found or not isinstance(table.get("title"), str):
            continue
        kinds[kind] = Practice(
            title=table["title"].strip(),
            variants=tuple(text.strip() for text in table["variants"]),
            choices=tuple(choices.items()),
            free_text=bool(table.get("free_text", False)),
            scale=table.get("scale"),
            note=bool(table.get("note", False)),
            text_label=table.get("text_label", TEXT_LABEL),
            safety=bool(table.get("safety", False)),
            note_label=table.get("note_label", NOTE_LABEL),
        )
    if problems:
        raise WordsError(problems)
    return WordsFile(kinds, placeholders, str(safety).strip())


@cache
def shipped() -> WordsFile:
    """The shipped words, read from words.toml once."""
    source = resources.files("halfway").joinpath("words.toml").read_text(encoding="utf-8")
    return _parse(tomllib.loads(source))


@cache
def _spoken(language: str) -> WordsFile:
    english = shipped()
    say = translations(language).gettext

    def practice(p: Practice) -> Practice:
        return replace(
            p,
            title=say(p.title),
            variants=tuple(say(text) for text in p.variants),
            choices=tuple((code, say(label)) for code, label in p.choices),
            scale=say(p.scale) if p.scale else p.scale,
            text_label=say(p.text_label),
            note_label=say(p.note_label),
        )

    return WordsFile(
        kinds={kind: practice(p) for kind, p in english.kinds.items()},
        placeholders={
            name: Placeholder(say(spec.filled), say(spec.empty) if spec.empty else "")
            for name, spec in english.placeholders.items()
        },
        safety=say(english.safety),
    )


def spoken() -> WordsFile:
    """The shipped words in the configured language."""
    return _spoken(current())


def kinds() -> tuple[str, ...]:
    """Every kind with words, in the order of words.toml."""
    return tuple(shipped().kinds)


def safety_line(helpline: str | None = None) -> str:
    """The line that points to help when someone feels afraid or unsafe, with the user's
    own helpline (`[care] helpline`) after it when they saved one. The same line closes
    every page, every digest and every safety note."""
    line = spoken().safety
    if not helpline or not helpline.strip():
        return line
    return f"{line} {translations(current()).gettext(HELPLINE).format(helpline.strip())}"


HELPLINE = N_("The helpline you saved: {}")


class _Defaults(Mapping[str, Practice]):
    """The built-in practices by kind, read from words.toml on first use, in the
    configured language."""

    def __getitem__(self, kind: str) -> Practice:
        return spoken().kinds[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(shipped().kinds)

    def __len__(self) -> int:
        return len(shipped().kinds)


PRACTICES: Mapping[str, Practice] = _Defaults()


# --- rendering -------------------------------------------------------------------------------


def pick(variants: tuple[str, ...], seed: str | None) -> str:
    """One of `variants`, the same one every time for the same seed (the first without one)."""
    if seed is None:
        return variants[0]
    number = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big")
    return variants[number % len(variants)]


def _clean(value: str | None) -> str:
    """A field's words on one line, cut to MAX_FIELD characters."""
    text = " ".join((value or "").split())
    return text if len(text) <= MAX_FIELD else text[: MAX_FIELD - 1].rstrip() + "…"


def fill(text: str, fields: Mapping[str, str | None] | None = None) -> str:
    """`text` with its known placeholders filled, in one pass: a field's words (or any
    other part of `text`) are never read as a template; unknown braces stay as written."""
    known = spoken().placeholders
    given = dict(fields or {})
    if unknown := set(given) - set(known):
        raise ValueError(f"unknown fields: {', '.join(sorted(unknown))}")

    def one(match: re.Match[str]) -> str:
        spec = known.get(match.group(1))
        if spec is None:
            return match.group(0)
        value = _clean(given.get(match.group(1)))
        return spec.filled.replace("{value}", value) if value else spec.empty

    return PLACEHOLDER.sub(one, text)
