"""The user's own words over the shipped ones: a config's [words] tables, for every
language (`[words.gesture_log]`) or for one (`[words.de.gesture_log]`), checked key by
key (`check_overrides`) and merged over the words in the configured language
(`merge`, `with_overrides`). The choice codes never change; only their labels.
Pure: imports no halfway module but the words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from halfway.words.catalog import (
    MAX_LABEL,
    MAX_TITLE,
    MAX_VARIANT,
    PRACTICES,
    Practice,
    WordsError,
    kinds,
    labels_problems,
    text_problem,
    variants_problems,
)
from halfway.words.language import LANGUAGES, _, current

OVERRIDABLE = ("title", "variants", "choices", "text_label", "note_label", "scale")
FIXED = ("free_text", "note", "safety")


def override_problems(kind: str, override: object, where: str | None = None) -> list[str]:
    """Why `override` cannot reword `kind`, one line per problem (empty if it can).

    `override` has the shape of the kind's table in words.toml, every key optional:
    title, variants, choices (code = "label", for some of the kind's codes),
    text_label, note_label, scale."""
    where = where or f"words.{kind}"
    base = PRACTICES.get(kind)
    if base is None:
        return [
            _("{where}: unknown kind (one of: {kinds})").format(
                where=where, kinds=", ".join(kinds())
            )
        ]
    if not isinstance(override, Mapping):
        return [_("{where}: must be a table").format(where=where)]
    codes = [code for code, _ in base.choices]
    problems: list[str] = []
    for key, value in override.items():
        at = f"{where}.{key}"
        if key == "title":
            problem = text_problem(value, MAX_TITLE)
            problems += [f"{at}: {problem}"] if problem else []
        elif key == "variants":
            problems += variants_problems(value, at, base.fields, kind, MAX_VARIANT)
        elif key == "choices":
            if not codes:
                problems.append(
                    _("{at}: {kind} has no choices to relabel").format(at=at, kind=kind)
                )
            else:
                problems += labels_problems(value, at, codes, kind)
        elif key == "scale" and base.scale is None:
            problems.append(_("{at}: {kind} asks no scale question").format(at=at, kind=kind))
        elif key == "text_label" and not base.free_text:
            problems.append(_("{at}: {kind} takes no words of your own").format(at=at, kind=kind))
        elif key == "note_label" and not base.note:
            problems.append(_("{at}: {kind} has no note field").format(at=at, kind=kind))
        elif key in ("scale", "text_label", "note_label"):
            problem = text_problem(value, MAX_TITLE if key == "scale" else MAX_LABEL)
            problems += [f"{at}: {problem}"] if problem else []
        elif key == "safety":
            problems.append(_("{at}: the safety line always stays").format(at=at))
        elif key in FIXED:
            problems.append(
                _("{at}: the reply shape is fixed (a nudge's choices and reply set it)").format(
                    at=at
                )
            )
        else:
            problems.append(
                _("{at}: unknown key (one of: {keys})").format(at=at, keys=", ".join(OVERRIDABLE))
            )
    return problems


def check_overrides(tables: object, where: str = "words") -> list[str]:
    """Every problem of a config's [words] table (kind -> override, or language -> kind
    -> override: `[words.de.gesture_log]`), one line each."""
    if not isinstance(tables, Mapping):
        return [_("{where}: must be a table of kinds").format(where=where)]
    problems = []
    for key, override in tables.items():
        if key in LANGUAGES:
            problems += check_overrides(override, f"{where}.{key}")
        else:
            problems += override_problems(str(key), override, f"{where}.{key}")
    return problems


def own_words(tables: Mapping[str, object] | None) -> dict[str, Mapping[str, object]]:
    """The overrides for the configured language: those for every language, with
    those for this one (`[words.de.NAME]`) over them, key by key."""
    own: dict[str, dict[str, object]] = {}
    spoken_here = (tables or {}).get(current(), {})
    for layer in (tables or {}, spoken_here if isinstance(spoken_here, Mapping) else {}):
        for kind, table in layer.items():
            if kind not in LANGUAGES and isinstance(table, Mapping):
                own.setdefault(kind, {}).update(table)
    return dict(own)


def merge(kind: str, override: Mapping[str, object], where: str | None = None) -> Practice:
    """The kind's words with `override` over them; WordsError if it is not valid."""
    problems = override_problems(kind, override, where)
    if problems:
        raise WordsError(problems)
    base = PRACTICES[kind]
    # checked above: the texts are texts, variants a list of texts, choices a table
    texts = {
        key: value.strip()
        for key in ("title", "text_label", "note_label", "scale")
        if isinstance(value := override.get(key), str)
    }
    variants, labels = override.get("variants"), override.get("choices", {})
    labels = labels if isinstance(labels, Mapping) else {}
    return replace(
        base,
        title=texts.get("title", base.title),
        text_label=texts.get("text_label", base.text_label),
        note_label=texts.get("note_label", base.note_label),
        scale=texts.get("scale", base.scale),
        variants=tuple(text.strip() for text in variants)
        if isinstance(variants, list)
        else base.variants,
        choices=tuple((code, labels.get(code, label).strip()) for code, label in base.choices),
    )


def with_overrides(
    tables: Mapping[str, object] | None = None, where: str = "words"
) -> dict[str, Practice]:
    """Every kind's practice, with a config's [words] tables merged in; WordsError (all
    problems at once) if any is not valid."""
    problems = check_overrides(tables or {}, where)
    if problems:
        raise WordsError(problems)
    own = own_words(tables)
    return {kind: merge(kind, own[kind]) if kind in own else PRACTICES[kind] for kind in kinds()}
