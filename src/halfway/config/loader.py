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

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from halfway.config.defaults import default_data_dir, local_zone, reading_file
from halfway.config.errors import blame, explain, setting_path

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
            raise ConfigError(
                [f"{path}: is a folder, not a config file (name the file, e.g. {inside})"]
            )
        if not path.is_file():
            raise ConfigError([f"{path}: no such config file"])
        return path
    for path in (default_path(), Path("/etc/halfway/config.toml")):
        if path.is_file():
            return path
    raise ConfigError(
        [
            f"no config file found (looked at {default_path()} and /etc/halfway/config.toml);"
            f" run '{invoked.command('init')}' to write one, or '{invoked.command('run --demo')}'"
            " to try halfway first"
        ]
    )


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{path}: not valid TOML: {error}"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not valid TOML: it is not UTF-8 text"]) from None
    except OSError as error:
        raise ConfigError([f"{path}: cannot be read ({error.strerror})"]) from None


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


# what `check` adds -----------------------------------------------------------


def unusable(settings: Settings, source: str) -> list[str]:
    """Settings that are valid but cannot work on this machine, one error line each:
    a data folder this user cannot write. It only looks; nothing is created."""
    problem = _data_dir_problem(settings.data_dir)
    if problem is None:
        return []
    if "data_dir" not in settings.model_fields_set:
        problem += " (the default; set data_dir to choose another folder)"
    return [blame(f"data_dir: {problem}", source, os.environ)]


def advice(settings: Settings, source: str, now: datetime) -> list[str]:
    """What `check` warns about in a valid config, one 'warning: …' line each: example
    addresses left in, reply links a phone cannot open, no channels or no nudges, a
    one-off nudge whose time has passed, a discreet_title that names halfway, and
    HALFWAY_* variables that set nothing."""
    lines = _placeholders(settings) + _links(settings) + _nothing(settings) + _past(settings, now)
    lines += _telling(settings)
    found = [blame(line, source, os.environ) for line in lines]
    found += [
        f"{name}: not a setting halfway knows, so it changes nothing (check the spelling)"
        for name in sorted(os.environ)
        if setting_path(name) and setting_path(name)[0] not in Settings.model_fields
    ]
    return [f"warning: {line}" for line in found]


_EXAMPLE_DOMAINS = frozenset({"example.com", "example.net", "example.org"})
_DOMAIN = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")


def example_domains(text: str) -> list[str]:
    """The example domains in a URL (example.com, .net, .org and *.example.*), which
    reach no one: they are reserved for documentation."""
    found: list[str] = []
    for domain in _DOMAIN.findall(text.lower()):
        labels = domain.split(".")
        if (domain in _EXAMPLE_DOMAINS or "example" in labels[1:]) and domain not in found:
            found.append(domain)
    return found


def _placeholders(settings: Settings) -> list[str]:
    places = [
        (f"channels.{name}", urls, "nothing sent there reaches you")
        for name, urls in settings.channels.items()
    ]
    places.append(("server.public_url", [settings.server.public_url], "reply links lead nowhere"))
    if settings.heartbeat_url:
        places.append(("heartbeat_url", [settings.heartbeat_url], "no one hears its pings"))
    if settings.imap:
        places.append(("imap.host", [settings.imap.host], "no replies arrive there"))
    lines = []
    for key, texts, result in places:
        domains = [d for text in texts for d in example_domains(text)]
        if domains:
            what = "is an example address" if len(domains) == 1 else "are example addresses"
            lines.append(f"{key}: {' and '.join(domains)} {what}, so {result}")
    for name, urls in settings.channels.items():
        if any(guessable_ntfy_topic(url) for url in urls):
            lines.append(
                f"channels.{name}: its ntfy topic on a public server is short or a placeholder;"
                " anyone who guesses it reads your nudges, so use a long random one"
                " (e.g. halfway- and 16 letters or digits)"
            )
    return lines


PLACEHOLDER_TOPICS = frozenset({"your-secret-topic", "my-topic", "mytopic", "topic", "halfway"})
PRIVATE_TOPIC = 16  # a topic this long or longer, random, is not guessed


def guessable_ntfy_topic(url: str) -> bool:
    """An ntfy URL whose topic, on a public server (ntfy.sh), a stranger could guess."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("ntfy", "ntfys") or (parts.hostname or "") != "ntfy.sh":
        return False
    topics = [t for t in parts.path.split("/") if t]
    return any(t.lower() in PLACEHOLDER_TOPICS or len(t) < PRIVATE_TOPIC for t in topics)


def _links(settings: Settings) -> list[str]:
    server = settings.server
    host = urlsplit(server.public_url).hostname or ""
    address = _ip(host)
    fix = "set it to the address your phone reaches"
    if address and address.is_unspecified:
        follows = "" if "public_url" in server.model_fields_set else " (it follows server.listen)"
        return [
            f"server.public_url: {server.public_url} is no address a phone can open{follows}; {fix}"
        ]
    if _loopback(host) and not _loopback(server.host):
        return [
            f"server.public_url: {server.public_url} opens only on this machine, but halfway"
            f" listens on {server.listen} for others; {fix}"
        ]
    return []


def _nothing(settings: Settings) -> list[str]:
    lines = []
    if not settings.channels:
        lines.append(
            "channels: none yet, so no nudge can reach you; add one under [channels],"
            ' e.g. phone = "ntfy://ntfy.sh/your-secret-topic"'
        )
    if not settings.nudges:
        lines.append("nudges: none yet, so halfway has nothing to send; add a [[nudges]] block")
    return lines


def _telling(settings: Settings) -> list[str]:
    """A discreet_title that says what the messages are: a lock screen shows it."""
    if settings.discreet and "halfway" in settings.discreet_title.lower():
        return [
            f"discreet_title: '{settings.discreet_title}' names halfway on every lock screen;"
            " a plain word of your own keeps it discreet"
        ]
    return []


def _past(settings: Settings, now: datetime) -> list[str]:
    lines = []
    for index, nudge in enumerate(settings.nudges):
        if nudge.at is None:
            continue
        when = nudge.at if nudge.at.tzinfo else nudge.at.replace(tzinfo=settings.tz)
        stamp = when.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M %Z")
        if when + nudge.catch_up < now:
            lines.append(
                f"nudges[{index}].at: {stamp} has passed, so this one-off nudge has nothing"
                " left to send"
            )
        elif when <= now:
            lines.append(
                f"nudges[{index}].at: {stamp} has passed; this one-off nudge goes out late,"
                " once, unless it already has"
            )
    return lines


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def on_loopback(url: str) -> bool:
    """Whether a link to `url` opens on this machine only."""
    return _loopback(urlsplit(url).hostname or "")


def _loopback(host: str) -> bool:
    address = _ip(host)
    return (
        host == "localhost" or host.endswith(".localhost") or bool(address and address.is_loopback)
    )


def _data_dir_problem(folder: Path) -> str | None:
    """Why halfway could not keep its data in `folder`, or None. Looks only."""
    probe = folder
    try:
        while not probe.exists() and probe.parent != probe:
            probe = probe.parent  # the nearest folder that exists: the new ones go in there
        if not probe.is_dir():
            if probe == folder:
                return f"'{folder}' is a file, not a folder"
            return f"'{folder}' cannot be created: {probe} is a file, not a folder"
        if not os.access(probe, os.W_OK | os.X_OK):
            if probe == folder:
                return f"'{folder}' cannot be written by this user" + _whose(folder, folder)
            return f"'{folder}' cannot be created: {probe} cannot be written by this user"
        hot = folder / "halfway.json"
        if hot.exists() and not os.access(hot, os.W_OK):
            return f"'{hot}' cannot be written by this user" + _whose(hot, folder)
    except OSError as error:
        return f"'{folder}' cannot be reached ({error.strerror})"
    return None


def _whose(path: Path, folder: Path) -> str:
    """Whose `path` is, and the fix, when another user owns it: the Quick start run as
    root leaves root's files in a folder later given to the service user."""
    import pwd

    def name(uid: int) -> str:
        try:
            return pwd.getpwuid(uid).pw_name
        except KeyError:
            return str(uid)

    owner, me = path.stat().st_uid, os.geteuid()
    if owner == me:
        return ""
    if owner == 0:
        return f": it belongs to root, not to {name(me)}; as root: chown -R {name(me)}: {folder}"
    return (
        f": it belongs to {name(owner)}; run halfway as that user: sudo -u {name(owner)} halfway …"
    )
