"""halfway in the person's language (issue 20): the language from the config or the
locale, the catalogs complete for every language, dates written as each one writes them."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from halfway.words import dates, language

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "halfway" / "locale"
BRACES = r"\{[A-Za-z_0-9]*\}"


def test_the_language_comes_from_the_locale_when_the_config_does_not_say():
    assert language.local_language({"LANG": "de_DE.UTF-8"}) == "de"
    assert language.local_language({"LANGUAGE": "fr:es", "LANG": "de_DE.UTF-8"}) == "es"
    assert language.local_language({"LC_ALL": "sv_SE.UTF-8"}) == "en"
    assert language.local_language({}) == "en"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError, match="not a language"):
        language.use("fr")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "Sat 5 Dec"), ("de", "Sa., 5. Dez."), ("es", "sáb, 5 dic")],
)
def test_dates_are_written_as_each_language_writes_them(lang, expected):
    with language.speaking(lang):
        assert dates.weekday_day(date(2026, 12, 5)) == expected
        assert dates.clock(datetime(2026, 12, 5, 19, 0)) == "19:00"


def _fresh_template(tmp_path: Path) -> list[tuple[str, str | None, str | None]]:
    """Every msgid in the sources now, extracted afresh (so a word marked but never put
    in the catalogs fails here, not in front of a person): (msgid, its plural or None,
    its context or None)."""
    out = tmp_path / "halfway.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "N_", "-k", "ngettext:1,2", "--no-location", "-o", str(out), "src/halfway"],
        cwd=ROOT, check=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    with out.open("rb") as file:
        return [
            (
                m.id if isinstance(m.id, str) else m.id[0],
                None if isinstance(m.id, str) else m.id[1],
                m.context,
            )
            for m in read_po(file)
            if m.id
        ]


@pytest.mark.parametrize("lang", ["de", "es"])
def test_every_word_has_its_translation(lang, tmp_path):
    import re

    with (LOCALE / lang / "LC_MESSAGES" / "halfway.po").open("rb") as file:
        catalog = read_po(io.BytesIO(file.read()), locale=lang)
    missing, broken = [], []
    for msgid, plural, context in _fresh_template(tmp_path):
        message = catalog.get(msgid, context=context)
        strings = [] if message is None else (
            list(message.string) if isinstance(message.string, tuple) else [message.string]
        )  # fmt: skip
        if message is None or message.fuzzy or not all(strings):
            missing.append(msgid)
            continue
        for form, string in enumerate(strings):
            # a plural's forms name what its plural names; the first form (one) may leave
            # the count out ("one clear ask"), as the English singular does
            wanted = set(re.findall(BRACES, plural or msgid))
            found = set(re.findall(BRACES, string))
            if found != wanted and not (plural and form == 0 and found <= wanted):
                broken.append(f"{msgid!r} -> {string!r}")
    assert not missing, f"{len(missing)} words without a {lang} translation: {missing[:20]}"
    assert not broken, f"placeholders changed: {broken[:10]}"


def test_a_wheel_carries_each_catalog_compiled(tmp_path):
    """setup.py's build step: `pip install .` (and the container's builder) gets the .mo
    files, compiled by Babel from the .po, none of them committed."""
    import gettext
    import zipfile

    assert not list(LOCALE.glob("*/LC_MESSAGES/*.mo")), "a compiled catalog was committed"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(tmp_path)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("halfway-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        for lang in ("de", "es"):
            mo = archive.read(f"halfway/locale/{lang}/LC_MESSAGES/halfway.mo")
            found = gettext.GNUTranslations(io.BytesIO(mo)).gettext("Your words")
            with language.speaking(lang):
                assert found == language._("Your words") != "Your words"


def test_own_words_can_be_given_for_one_language(config_file, halfway):
    """`[words.de.gesture_log]` rewords a kind in German only, over `[words.gesture_log]`
    (every language), key by key; the other languages keep theirs."""
    from halfway.config import loader
    from halfway.core import kinds

    body = (
        'language = "de"\n'
        '[words.gesture_log]\ntitle = "A moment of mine"\ntext_label = "Mine"\n'
        '[words.de.gesture_log]\ntitle = "Ein Moment für mich"\n'
        '[words.es.gesture_log]\ntitle = "Un momento mío"\n'
    )
    settings = loader.load(config_file(body).path)
    assert language.current() == "de"
    german = kinds.with_overrides(settings.words)["gesture_log"]
    assert german.title == "Ein Moment für mich"
    assert german.text_label == "Mine"  # from the table for every language
    assert german.text == kinds.PRACTICES["gesture_log"].text  # German, not overridden
    with language.speaking("en"):
        assert german.text != kinds.PRACTICES["gesture_log"].text
    with language.speaking("es"):
        assert kinds.with_overrides(settings.words)["gesture_log"].title == "Un momento mío"
    with language.speaking("en"):
        assert kinds.with_overrides(settings.words)["gesture_log"].title == "A moment of mine"

    bad = config_file('[words.de.gesture_log]\ntitel = "x"\n')
    ran = halfway("check", "--config", str(bad.path))
    assert ran.code == 2
    assert "words.de.gesture_log.titel: unknown key" in ran.err


@pytest.mark.parametrize("lang", ["de", "es"])
def test_a_bad_channel_and_bad_own_words_are_said_in_the_language(lang, config_file, halfway):
    """`check` on a config whose channel apprise refuses and whose [words] are wrong:
    each problem on its line, naming its key, in the person's language."""
    from .languages import english_words

    body = (
        f'language = "{lang}"\n'
        '[channels]\nphone = ["https://example.org/hook"]\n'
        '[words.gesture_log]\ntitel = "x"\nscale = "?"\n'
        "[words.boundary]\nvariants = []\n"
    )
    with language.watching() as missing:
        ran = halfway("check", "--config", str(config_file(body).path))
    assert ran.code == 2
    assert "channels.phone" in ran.err
    assert "words.gesture_log.titel" in ran.err
    assert "words.boundary.variants" in ran.err
    assert not missing
    typed = ("https://example.org/hook", "ntfys://host/topic", "jsons://host/path")
    keys = re.sub(r"\b[\w.\[\]]+: ", " ", ran.err)  # the keys named, as typed
    assert english_words(keys, allowed=typed) == [], ran.err
