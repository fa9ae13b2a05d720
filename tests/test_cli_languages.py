"""The `halfway` command in German and Spanish (issue 20): with `language = "de"` or
`"es"` in the config, its help (picked before argparse builds it, before any config
loads), a bad argument, a config it refuses, `status` with no daemon, the ledger, the
talks, the links and the digest's refusals: no msgid looked up without its translation,
and not one English word but the commands, options, ids, paths and values the person
types; argparse's own 'usage:' and section headings in the language too (cli/speech).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from halfway.cli import speech
from halfway.words import language

from .conftest import ConfigFile, Ran
from .languages import english_words

LANGUAGES = ["de", "es"]
NUDGE = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
# What the person types, and so reads back as typed: commands and their subcommands.
COMMANDS = (
    "ask", "boundary", "talk", "reply", "log", "links", "note", "next", "open",
)  # fmt: skip
# argparse's own words, which must never show in German or Spanish (cli/speech's Formatter).
ARGPARSE_OWN = ("usage:", "positional arguments:", "options:")


def typed_away(text: str, typed: tuple[str, ...] = ()) -> str:
    """`text` without what the person types: options (--all), metavars (TEXT, WHEN),
    choice sets ({me,partner}), quoted commands ('halfway ask list'), the command names
    a help lists, and `typed` (values, ids, paths the test itself wrote)."""
    for words in typed:
        text = text.replace(words, " ")
    text = re.sub(r"'halfway[^']*'", " ", text)  # a command to type, in quotes
    text = re.sub(r"/[^\s;:'()]+", " ", text)  # a path
    text = re.sub(r"--[\w-]+", " ", text)
    text = re.sub(r"\b[a-z_]+\[\d+\][\w.]*", " ", text)  # a config key: nudges[0].cron
    text = re.sub(r"\{[\w,]+\}", " ", text)
    text = re.sub(r"\b[A-Z][A-Z_-]+\b", " ", text)  # metavars: TEXT, WHEN, NUDGE_ID
    text = re.sub(r"^ {2,}\S+ {2,}", " ", text, flags=re.MULTILINE)  # a help's command column
    return text


def english(ran: Ran, typed: tuple[str, ...] = ()) -> list[str]:
    return english_words(typed_away(ran.out + ran.err, typed), allowed=COMMANDS)


@pytest.fixture
def speaking(
    config_file: Callable[..., ConfigFile], halfway: Callable[..., Ran]
) -> Callable[..., tuple[Ran, set[str]]]:
    """Run `halfway ARGS…` with a config in language `lang` (and `body`): its result and
    the msgids it looked up that have no translation."""

    def run(lang: str, *args: str, body: str = NUDGE, server: bool = True) -> tuple[Ran, set[str]]:
        path = config_file(f'language = "{lang}"\n{body}', server=server).path
        with language.watching() as missing:
            ran = halfway("--config", str(path), *args)
        return ran, set(missing)

    return run


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("ask", "--help"),
        ("boundary", "--help"),
        ("talk", "add", "--help"),
        ("check", "--help"),
        ("links", "--help"),
        ("erase", "--help"),
        ("digest", "--help"),
        ("status", "--help"),
        ("backup", "--help"),
    ],
)
def test_help_is_in_the_configured_language(
    speaking: Callable[..., tuple[Ran, set[str]]], lang: str, args: tuple[str, ...]
) -> None:
    ran, missing = speaking(lang, *args)
    assert ran.code == 0, ran.err
    assert missing == set()
    # demo-data's own line is cli/demodata's (the demo's branch of issue 20 says it)
    ran.out = re.sub(r"\n    demo-data .*\n(?: {17}.*\n)*", "\n", ran.out)
    assert english(ran, ("[[boundaries]]", "halfway")) == [], ran.out
    said = {"de": "diese Hilfe zeigen und beenden", "es": "mostrar esta ayuda y salir"}
    assert said[lang] in ran.out  # the -h line too, not argparse's English one


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_language_comes_before_the_config_loads(
    config_file: Callable[..., ConfigFile],
    halfway: Callable[..., Ran],
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
) -> None:
    """HALFWAY_LANGUAGE wins over the config's key; the config's key over the locale; a
    config that cannot be read leaves the locale's language."""
    path = config_file('language = "en"\n').path
    monkeypatch.setenv("HALFWAY_LANGUAGE", lang)
    assert speech.early(["--config", str(path)]) == lang
    monkeypatch.delenv("HALFWAY_LANGUAGE")
    assert speech.early(["--config", str(path)]) == "en"
    path.write_text(f'language = "{lang}"\n')
    assert speech.early([f"--config={path}"]) == lang
    monkeypatch.setenv("HALFWAY_CONFIG", str(path))
    assert speech.early([]) == lang
    path.write_text("language = [not toml")
    monkeypatch.setenv("LANGUAGE", lang)
    assert speech.early([]) == lang
    monkeypatch.setenv("LANGUAGE", "en")
    assert speech.early([]) == "en"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("log", "bogus", "x"), {"de": "ungültige Wahl", "es": "opción no válida"}),
        (("talk", "add"), {"de": "diese Angaben fehlen noch", "es": "faltan estos datos"}),
        (("upcoming", "--days", "0"), {"de": "keine ganze Zahl", "es": "no es un número"}),
        (("history", "--since", "soon"), {"de": "kein Datum", "es": "no es una fecha"}),
        (("status", "extra"), {"de": "unbekannte Angaben", "es": "datos desconocidos"}),
    ],
)
def test_a_bad_argument_is_one_line_in_the_language(
    speaking: Callable[..., tuple[Ran, set[str]]],
    lang: str,
    args: tuple[str, ...],
    said: dict[str, str],
) -> None:
    ran, missing = speaking(lang, *args)
    assert ran.code == 2
    assert missing == set()
    assert said[lang] in ran.err, ran.err
    assert ran.err.count("\n") == 1, ran.err
    typed = ("'gesture', 'initiation', 'boundary', 'note', 'hurt'", "'soon'", "'extra'")
    assert english(ran, typed) == [], ran.err


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refused_config_says_each_problem_in_the_language(
    speaking: Callable[..., tuple[Ran, set[str]]], lang: str
) -> None:
    body = (
        "foo = 1\nsend_timeout = 5\n"
        '[[nudges]]\nid = 3\nkind = "gesture_log"\ncron = "61 * * * *"\nextra = 1\n'
        '[[nudges]]\nid = "b"\nkind = "gesture_log"\nremind_max = 99\n'
        '[quiet_hours]\nstart = "22:00"\nend = "22:00"\n'
        '[digest]\nchannels = ["nowhere"]\n'
    )
    ran, missing = speaking(lang, "check", body=body)
    assert ran.code == 2
    assert missing == set()
    lines = ran.err.splitlines()
    assert len(lines) >= 8, ran.err
    keys = (
        "foo", "send_timeout", "nudges[0].id", "nudges[0].cron", "nudges[0].extra",
        "nudges[1].remind_max", "nudges[1]", "quiet_hours", "digest.channels",
    )  # fmt: skip
    for key in keys:
        assert any(f": {key}: " in line for line in lines), (key, ran.err)
    typed = ("'61 * * * *'", "'5'", "'6h'", "'nowhere'", "[channels]", "[quiet_hours]")
    assert english(ran, typed) == [], ran.err
    words = {
        "de": ("unbekannter Schlüssel", "Minute muss"),
        "es": ("clave desconocida", "minuto: debe"),
    }
    assert all(word in ran.err for word in words[lang]), ran.err


@pytest.mark.parametrize("lang", LANGUAGES)
def test_status_with_no_daemon(speaking: Callable[..., tuple[Ran, set[str]]], lang: str) -> None:
    ran, missing = speaking(lang, "status")
    assert ran.code == 3
    assert missing == set()
    said = {"de": "halfway läuft NICHT", "es": "halfway NO está en marcha"}
    assert ran.out.startswith(said[lang])
    # the weekday of a time is words/dates' (another branch of issue 20), the rest is ours
    days = re.sub(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{4}-\d\d-\d\d \d\d:\d\d \w+", " ", ran.out)
    assert english_words(typed_away(days, ("evening",))) == [], ran.out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_ledger_talks_and_links(
    speaking: Callable[..., tuple[Ran, set[str]]], lang: str
) -> None:
    ask = {"de": "20 Minuten am Samstag", "es": "20 minutos el sábado"}[lang]
    boundary = {"de": "Mein Abendspaziergang", "es": "Mi paseo de la tarde"}[lang]
    outputs = []
    for args in (
        ("ask", "add", ask),
        ("ask", "add", "--draft", ask),
        ("ask", "list"),
        ("boundary", "list"),
        ("boundary", "add", boundary),
        ("boundary", "list"),
        ("talk", "list"),
        ("log", "gesture", ask),
        ("pause", "evening", "--until", "3d"),
        ("resume", "evening"),
    ):
        ran, missing = speaking(lang, *args)
        assert ran.code == 0, (args, ran.err)
        assert missing == set(), args
        outputs.append(ran)
    for ran in outputs:
        assert english(ran, (ask, boundary, "evening")) == [], ran.out
    ran, missing = speaking(lang, "links")
    assert ran.code == 1
    assert missing == set()
    assert english(ran) == [], ran.err


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    "args",
    [
        ("digest", "--week", "2026-W60"),
        ("digest", "--send"),
        ("digest", "--year", "2026", "--week", "2026-W01"),
        ("reply", "d_nothing", "held"),
        ("pause", "nobody"),
    ],
)
def test_the_refusals_of_digest_reply_and_pause(
    speaking: Callable[..., tuple[Ran, set[str]]], lang: str, args: tuple[str, ...]
) -> None:
    ran, missing = speaking(lang, *args)
    assert ran.code == (1 if args == ("digest", "--send") else 2), ran.err  # no links yet: 1
    assert missing == set()
    assert ran.err.startswith(f"halfway {args[0]}: " if ran.code == 2 else "halfway: ")
    assert ran.err.count("\n") == 1
    typed = ("2026-W60", "'nobody'", "'evening'", "evening", "[channels]", "[digest]", "d_nothing")
    assert english(ran, typed) == [], ran.err


@pytest.mark.parametrize("lang", LANGUAGES)
def test_store_and_backup_refusals(
    speaking: Callable[..., tuple[Ran, set[str]]], lang: str, tmp_path: Path
) -> None:
    """A backup over a file, a restore of no file or into a full folder, a damaged data
    file: each one line in the language, naming its file."""
    speaking(lang, "ask", "list")
    speaking(lang, "ask", "add", "x")
    taken = tmp_path / "taken.tar"
    taken.write_text("")
    full = tmp_path / "full"
    full.mkdir()
    (full / "something").write_text("")
    for args, code in (
        (("backup", str(taken)), 2),
        (("restore", str(tmp_path / "none.tar"), "--to", str(tmp_path / "new")), 2),
        (("restore", str(taken), "--to", str(full)), 2),
    ):
        ran, missing = speaking(lang, *args)
        assert ran.code == code, ran.err
        assert missing == set(), args
        assert english(ran, ("'something'", "something")) == [], ran.err
    (tmp_path / "data" / "halfway.json").write_text("{not json")
    ran, missing = speaking(lang, "ask", "list")
    assert ran.code == 1
    assert missing == set()
    said = {"de": "die Datendatei ist beschädigt", "es": "el archivo de datos está dañado"}
    assert said[lang] in ran.err
    assert english(ran) == [], ran.err


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_test_message_in_the_language(
    halfway: Callable[..., Ran], config_file: Callable[..., ConfigFile], http_receiver, lang: str
) -> None:
    """`test-channel`: its line here, and the message it sends (discreet: nothing of
    halfway in it; not discreet: halfway's own title), in the language."""
    channels = {"push": http_receiver.json_url()}
    for discreet in ("false", "true"):
        body = f'language = "{lang}"\ndiscreet = {discreet}\n{NUDGE}'
        written = config_file(body, channels=channels)
        with language.watching() as missing:
            ran = halfway("test-channel", "push", "--config", str(written.path))
        assert ran.code == 0, ran.err
        assert missing == set()
        assert english(ran, ("push",)) == [], ran.out
    plain, quiet = http_receiver.bodies()
    title = {"de": "Testnachricht von halfway", "es": "mensaje de prueba de halfway"}[lang]
    assert plain["title"] == title
    assert plain["message"].startswith(f"{title} ")
    assert "halfway" not in quiet["message"].lower()
    for sent in (plain, quiet):
        assert english_words(sent["title"] + " " + sent["message"], ("'push'",)) == [], sent


@pytest.mark.parametrize(
    ("lang", "usage", "headings"),
    [
        ("de", "Aufruf: ", ("Argumente:", "Optionen:")),
        ("es", "uso: ", ("argumentos:", "opciones:")),
    ],
)
def test_argparse_s_own_words_are_said_in_the_language(lang, usage, headings, monkeypatch, halfway):
    monkeypatch.setenv("HALFWAY_LANGUAGE", lang)
    ran = halfway("ask", "--help")
    assert ran.code == 0
    assert ran.out.startswith(usage + "halfway ask ")
    assert all(heading in ran.out.splitlines() for heading in headings)
    assert not any(own in ran.out for own in ARGPARSE_OWN)
