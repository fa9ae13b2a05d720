"""The language halfway speaks: every word a person reads goes through `_` (and
`ngettext` for a count), looked up in the gettext catalog of the configured language
(`language = "de"`). English is the source language: its words are the msgids.

The catalogs are `locale/LANG/LC_MESSAGES/halfway.po` in this package, written by
people who write that language well (see ../../../scripts/catalogs). A wheel carries
them compiled (`halfway.mo`, made by setup.py's build step with Babel, never
committed); a source checkout (an editable install, the tests) has only the `.po`,
which is compiled in memory on first use, with the same Babel.

The language is one per process: the config's, set by the loader (`use`). A string
at module level that must be read later in the language of the moment is marked with
`N_` and looked up with `_` where it is used. A short word English uses in two senses
that other languages tell apart ("Open": a push button, or the asks not yet closed) is
looked up with its context: `pgettext("asks", "Open")`.

Pure but for that one setting and the catalogs it reads; imports nothing of halfway's.
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Literal

Language = Literal["en", "de", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "de", "es")
SOURCE = "en"
DOMAIN = "halfway"
NAMES = {"en": "English", "de": "Deutsch", "es": "Español"}

_state = {"language": SOURCE}
# Every msgid looked up in a language whose catalog lacks it, while `watching` (tests).
_missing: set[str] | None = None


def local_language(environ: Mapping[str, str] | None = None) -> Language:
    """The language of this machine's locale when halfway speaks it, else English. Read
    from LANGUAGE, LC_ALL, LC_MESSAGES or LANG (the first one set), as gettext reads them."""
    environ = os.environ if environ is None else environ
    keys = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
    name = next((environ[k] for k in keys if environ.get(k)), "")
    # LANGUAGE may list several (de:en); the rest: language[_TERRITORY][.codeset][@modifier]
    for one in name.split(":"):
        code = one.split(".")[0].split("@")[0].partition("_")[0].lower()
        if code in LANGUAGES:
            return code
    return "en"


def use(language: str) -> None:
    """Speak `language` from now on in this process (one of LANGUAGES)."""
    if language not in LANGUAGES:
        raise ValueError(f"not a language halfway speaks: {language!r}")
    _state["language"] = language


def current() -> str:
    return _state["language"]


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak `language` inside the block, then the language before it again."""
    before = current()
    use(language)
    try:
        yield
    finally:
        use(before)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of `language`: the compiled one a wheel carries, else its .po
    compiled in memory; English (the source) has none."""
    if language == SOURCE:
        return gettext.NullTranslations()
    folder = resources.files("halfway").joinpath("locale", language, "LC_MESSAGES")
    compiled = folder.joinpath(f"{DOMAIN}.mo")
    if compiled.is_file():
        return gettext.GNUTranslations(io.BytesIO(compiled.read_bytes()))
    source = folder.joinpath(f"{DOMAIN}.po")
    if not source.is_file():
        raise FileNotFoundError(f"no catalog for {language!r}: {source}")
    return gettext.GNUTranslations(io.BytesIO(compile_po(source.read_bytes(), language)))


def compile_po(po: bytes, language: str) -> bytes:
    """A .po catalog compiled to .mo bytes with Babel (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.BytesIO(po), locale=language, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _(message: str) -> str:
    """`message` (English) in the language of the moment."""
    language = current()
    if language == SOURCE or not message:
        return message
    found = translations(language).gettext(message)
    if found is message and _missing is not None:
        _missing.add(message)
    return found


gettext_ = _


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of `singular`/`plural` for `count` in the language of the moment (the
    count is put in by the caller: `ngettext("{n} nudge", "{n} nudges", n).format(n=n)`)."""
    language = current()
    if language == SOURCE:
        return singular if count == 1 else plural
    found = translations(language).ngettext(singular, plural, count)
    if found in (singular, plural) and _missing is not None:
        _missing.add(singular)
    return found


def pgettext(context: str, message: str) -> str:
    """`message` (English) in the language of the moment, as it reads in `context`: for a
    short word whose English is the same in two places that other languages tell apart
    ("Open": a button, or the asks not yet closed)."""
    language = current()
    if language == SOURCE:
        return message
    found = translations(language).pgettext(context, message)
    if found is message and _missing is not None:
        _missing.add(message)
    return found


def N_(message: str) -> str:
    """Mark `message` for the catalog without translating it now."""
    return message


@contextmanager
def watching() -> Iterator[set[str]]:
    """Collect every msgid looked up without a translation inside the block (tests)."""
    global _missing
    before, _missing = _missing, set()
    try:
        yield _missing
    finally:
        _missing = before
