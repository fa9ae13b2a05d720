"""The parser's words: the language a command speaks before its settings load, and
`Parser`, which says an argument's mistake in one line in that language, and the
argument types whose problems it says.

The language: argparse builds its help and
says a mistake before any config is read, so `main` picks it first, from (in order)
$HALFWAY_LANGUAGE, the `language` key of the config file the command will read (found
as the loader finds it: `--config` in argv, $HALFWAY_CONFIG, the default paths; any
failure to read it ignored, the loader reports that itself), else the locale. Once the
settings load, the loader's `language.use` keeps or corrects it.

argparse's own few words come from Python's gettext domain, which halfway does not
reach into. Its help's "usage:" and section headings ("positional arguments",
"options") are said by `Formatter`, the help formatter every `Parser` uses, through
the formatter's own methods (the prefix `add_usage` takes, the heading
`start_section` is given); its mistakes, which `Parser.error` says, are translated
here from the English templates argparse fills in.
"""

from __future__ import annotations

import argparse
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

from halfway.words import invoked, language
from halfway.words.language import N_, _


def config_named(argv: Sequence[str]) -> Path | None:
    """The config file the command line or the environment names, else the first
    default that exists (as `loader.find`, without its refusals)."""
    named: str | None = None
    for i, word in enumerate(argv):
        if word == "--config" and i + 1 < len(argv):
            named = argv[i + 1]
        elif word.startswith("--config="):
            named = word.removeprefix("--config=")
    named = named or os.environ.get("HALFWAY_CONFIG")
    if named:
        return Path(named)
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    for path in (Path(base) / "halfway" / "config.toml", Path("/etc/halfway/config.toml")):
        if path.is_file():
            return path
    return None


def early(argv: Sequence[str]) -> str:
    """The language to speak until the settings load (see the module's docstring)."""
    chosen = os.environ.get("HALFWAY_LANGUAGE", "")
    if chosen in language.LANGUAGES:
        return chosen
    try:
        path = config_named(argv)
        if path is not None:
            with path.open("rb") as handle:
                chosen = tomllib.load(handle).get("language", "")
            if chosen in language.LANGUAGES:
                return str(chosen)
    except (OSError, ValueError, TypeError, AttributeError):
        pass  # the loader says what is wrong with the file, in the locale's language
    return language.local_language()


# argparse's mistakes, as it words them (Python 3.11+): each template, and how its
# pieces are found in the message `Parser.error` is given.
ARGPARSE = (
    N_("the following arguments are required: {names}"),
    N_("unrecognized arguments: {words}"),
    N_("argument {name}: {problem}"),
    N_("invalid choice: {value} (choose from {choices})"),
    N_("expected one argument"),
    N_("invalid {kind} value: {value}"),
    N_("ambiguous option: {option} could match {matches}"),
)


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    return re.compile(
        "".join(f"(?P<{p[1:-1]}>.+?)" if p.startswith("{") else re.escape(p) for p in parts)
        + r"\Z",
        re.DOTALL,
    )


def argparse_message(message: str) -> str:
    """An argparse mistake in the language of the moment (as it came when no template
    matches: never lost, at worst English)."""
    for template in ARGPARSE:
        found = _pattern(template).match(message)
        if found:
            pieces = dict(found.groupdict())
            if "problem" in pieces:
                pieces["problem"] = argparse_message(pieces["problem"])
            return _(template).format(**pieces)
    return message


# argparse's headings of a help's sections, as it words them (3.10+: "options").
HEADINGS = {
    "positional arguments": N_("positional arguments"),
    "options": N_("options"),
    "optional arguments": N_("options"),
}


class Formatter(argparse.HelpFormatter):
    """argparse's help, with its own words ("usage:", the sections' headings) in the
    language of the moment."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        known = HEADINGS.get(heading or "")
        super().start_section(_(known) if known else heading)


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line naming the argument, and exit 2, and its help
    in the language (`Formatter`). A parser given the common parent takes its -h from
    it (`build_parser`, in the language)."""

    def format_help(self) -> str:
        self.formatter_class = Formatter
        return super().format_help()

    def format_usage(self) -> str:
        self.formatter_class = Formatter
        return super().format_usage()

    def error(self, message: str) -> NoReturn:
        words = self.prog.removeprefix("halfway").strip()  # the command, as it was started
        line = _("{prog}: {message} (see '{command} --help')").format(
            prog=self.prog, message=argparse_message(message), command=invoked.command(words)
        )
        self.exit(2, line + "\n")


# the argument types, whose problems the parser says ------------------------------


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(
            _("'{text}' is not a whole number of 1 or more").format(text=text)
        )
    return int(text)


def days_ahead(text: str) -> int:
    """A number of days to look ahead: at most ten years, past which the dates overflow."""
    if positive_int(text) > 3660:
        raise argparse.ArgumentTypeError(
            _("'{text}' is more than 3660 days (10 years)").format(text=text)
        )
    return int(text)


def history_since(text: str) -> date:
    """`history --since DATE`: a calendar date as `2026-11-01`, nothing else (the typed
    times' other grammars: `commands.pause_until`, `talks.when.talk_time`)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("'{text}' is not a date like 2026-11-01").format(text=text)
        ) from None
