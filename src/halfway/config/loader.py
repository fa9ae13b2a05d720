"""Loading the settings: find the file, read its TOML, validate it with the HALFWAY_*
environment all at once, and report every problem as one ConfigError; then, for
`halfway check`, what a valid config still gets wrong.

`load()` raises ConfigError carrying one plain line per problem
(`config.toml: nudges[2].cron: '61 * * * *' is not a valid cron expression
(minute must be 0-59)`, or `HALFWAY_SERVER__LISTEN: 'x' is not host:port …` when
the value came from the environment); it never prints and never exits. Channel
URLs are checked by a function the caller passes in, so this module does not
need to know apprise.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from halfway.config.advice import advice, example_domains, on_loopback, unusable
from halfway.config.defaults import default_data_dir, local_zone, reading_file
from halfway.config.errors import blame, explain

# The models and value types live apart; they are re-exported here, so that the loader
# alone reaches them (`loader.Settings`, `loader.parse_duration`).
from halfway.config.models import Nudge, Server, Settings, check_nudge, checking_urls
from halfway.config.practices import Digest, Imap, Outbox, QuietHours, Strict
from halfway.config.values import (
    KINDS,
    Clock,
    CronText,
    Duration,
    Kind,
    NameList,
    duration_text,
    parse_duration,
)
from halfway.words import invoked, language
from halfway.words.language import _

__all__ = [
    "KINDS",
    "Clock",
    "ConfigError",
    "CronText",
    "Digest",
    "Duration",
    "Imap",
    "Kind",
    "NameList",
    "Nudge",
    "Outbox",
    "QuietHours",
    "Server",
    "Settings",
    "Strict",
    "advice",
    "build",
    "check_nudge",
    "default_data_dir",
    "default_path",
    "duration_text",
    "example_domains",
    "explain",
    "find",
    "load",
    "local_zone",
    "on_loopback",
    "parse_duration",
    "read_toml",
    "unusable",
]


class ConfigError(Exception):
    """Bad configuration: `lines` holds one printable line per problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def default_path() -> Path:
    """Where `init` writes and `load` looks when neither --config nor $HALFWAY_CONFIG says."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "halfway" / "config.toml"


def find(explicit: str | Path | None) -> Path:
    """The config file to read, in DESIGN.md's order. ConfigError if none is there."""
    named = explicit or os.environ.get("HALFWAY_CONFIG")
    if named:
        path = Path(named)
        if path.is_dir():
            inside = path / "config.toml"
            said = _("{path}: is a folder, not a config file (name the file, e.g. {file})")
            raise ConfigError([said.format(path=path, file=inside)])
        if not path.is_file():
            raise ConfigError([_("{path}: no such config file").format(path=path)])
        return path
    for path in (default_path(), Path("/etc/halfway/config.toml")):
        if path.is_file():
            return path
    said = _(
        "no config file found (looked at {path} and /etc/halfway/config.toml);"
        " run '{init}' to write one, or '{demo}' to try halfway first"
    )
    init, demo = invoked.command("init"), invoked.command("run --demo")
    raise ConfigError([said.format(path=default_path(), init=init, demo=demo)])


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        said = _("{path}: not valid TOML: {problem}")
        raise ConfigError([said.format(path=path, problem=error)]) from None
    except UnicodeDecodeError:
        said = _("{path}: not valid TOML: it is not UTF-8 text")
        raise ConfigError([said.format(path=path)]) from None
    except OSError as error:
        said = _("{path}: cannot be read ({reason})")
        raise ConfigError([said.format(path=path, reason=error.strerror)]) from None


def build(
    data: dict[str, Any], source: str, url_check: Callable[[str], str | None] | None = None
) -> Settings:
    """Validate raw settings (from TOML) plus the environment. Each error names the
    HALFWAY_* variable its value came from, else `source`."""
    file = Path(source) if Path(source).is_file() else None
    with checking_urls(url_check), reading_file(file):
        try:
            settings = Settings(**data)
        except ValidationError as error:
            lines = [blame(line, source, os.environ) for line in explain(error)]
            raise ConfigError(lines) from None
    language.use(settings.language)  # every word from here on, in the person's language
    return settings


def load(
    explicit: str | Path | None = None, url_check: Callable[[str], str | None] | None = None
) -> Settings:
    """Find, read and validate the config; ConfigError lists every problem found."""
    path = find(explicit)
    return build(read_toml(path), str(path), url_check)
