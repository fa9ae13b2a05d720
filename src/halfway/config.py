"""Loading the settings: find the file, read its TOML, validate it with the HALFWAY_*
environment all at once, and report every problem as one ConfigError.

`load()` raises ConfigError carrying one plain line per problem
(`config.toml: nudges[2].cron: '61 * * * *' is not a valid cron expression
(minute must be 0-59)`); it never prints and never exits. Channel URLs are
checked by a function the caller passes in, so this module does not need to
know apprise.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

# The models and value types live apart; they are re-exported so that
# `from halfway.config import Settings` and `config.parse_duration` keep working.
from halfway.config_models import (
    KINDS,
    Digest,
    Imap,
    Kind,
    Nudge,
    Outbox,
    QuietHours,
    Server,
    Settings,
    Strict,
    checking_urls,
    default_data_dir,
    explain,
)
from halfway.config_models import _local_zone as _local_zone  # `halfway init` uses it
from halfway.config_types import (
    Clock,
    CronText,
    Duration,
    NameList,
    duration_text,
    parse_duration,
)

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
    "build",
    "default_data_dir",
    "default_path",
    "duration_text",
    "explain",
    "find",
    "load",
    "parse_duration",
    "read_toml",
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
        if not path.is_file():
            raise ConfigError([f"{path}: no such config file"])
        return path
    for path in (default_path(), Path("/etc/halfway/config.toml")):
        if path.is_file():
            return path
    raise ConfigError(
        [
            f"no config file found (looked at {default_path()} and /etc/halfway/config.toml);"
            " run 'halfway init' to write one, or 'halfway run --demo' to try halfway first"
        ]
    )


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{path}: not valid TOML: {error}"]) from None
    except OSError as error:
        raise ConfigError([f"{path}: cannot be read ({error.strerror})"]) from None


def build(
    data: dict[str, Any], source: str, url_check: Callable[[str], str | None] | None = None
) -> Settings:
    """Validate raw settings (from TOML) plus the environment, naming `source` in errors."""
    with checking_urls(url_check):
        try:
            return Settings(**data)
        except ValidationError as error:
            raise ConfigError([f"{source}: {line}" for line in explain(error)]) from None


def load(
    explicit: str | Path | None = None, url_check: Callable[[str], str | None] | None = None
) -> Settings:
    """Find, read and validate the config; ConfigError lists every problem found."""
    path = find(explicit)
    return build(read_toml(path), str(path), url_check)
