"""Where the daemon is, from a config that does not load: its data folder and its listen
address, read as the settings would read them (a HALFWAY_* variable first, then the file),
so that `status` and `reload` can still find a running daemon through its lock.

A file that is not valid TOML is read line by line: a typo on one line hides only the
keys on that line. What cannot be read falls back to its default, and is named.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from halfway.config.defaults import default_data_dir
from halfway.config.loader import ConfigError, find
from halfway.config.models import Server

DEFAULT_LISTEN = Server().listen


@dataclass(frozen=True)
class Whereabouts:
    """The data folder and the listen address, and the keys of them that could not be
    read (`data_dir`, `server.listen`): those are their defaults."""

    data_dir: Path
    listen: str
    unread: list[str] = field(default_factory=list)


def whereabouts(explicit: str | Path | None) -> Whereabouts:
    """Where a daemon run on this config keeps its data and listens, as far as can be told."""
    try:
        path: Path | None = find(explicit)
    except ConfigError:
        path = None  # no file: what a daemon would use is the environment and the defaults
    values, unsure = _read(path) if path else ({}, set())
    environ = {name.upper(): value for name, value in os.environ.items()}
    data_dir, data_dir_read = _data_dir(values, unsure, environ)
    listen, listen_read = _listen(values, unsure, environ)
    unread = [
        key
        for key, read in (("data_dir", data_dir_read), ("server.listen", listen_read))
        if not read
    ]
    return Whereabouts(
        Path(data_dir) if data_dir else default_data_dir(path), listen or DEFAULT_LISTEN, unread
    )


def _data_dir(
    values: dict[str, Any], unsure: set[str], environ: dict[str, str]
) -> tuple[str | None, bool]:
    """The data folder set (None: the default), and whether it could be read."""
    if environ.get("HALFWAY_DATA_DIR"):
        return environ["HALFWAY_DATA_DIR"], True
    value = values.get("data_dir")
    if value is None:
        return None, "data_dir" not in unsure
    return (value, True) if isinstance(value, str) and value else (None, False)


def _listen(
    values: dict[str, Any], unsure: set[str], environ: dict[str, str]
) -> tuple[str | None, bool]:
    """The listen address set (None: the default), and whether it could be read. A whole
    [server] from the environment replaces the file's (see `sources`)."""
    value: Any
    if environ.get("HALFWAY_SERVER__LISTEN"):
        value = environ["HALFWAY_SERVER__LISTEN"]
    elif "HALFWAY_SERVER" in environ:
        server = _json(environ["HALFWAY_SERVER"])
        if not isinstance(server, dict):
            return None, False
        value = server.get("listen")
    else:
        server = values.get("server", {})
        if not isinstance(server, dict):
            return None, False
        value = server.get("listen")
        if value is None:
            return None, "listen" not in unsure
    if value is None:
        return None, True
    return (value, True) if _address(value) else (None, False)


def _read(path: Path) -> tuple[dict[str, Any], set[str]]:
    """The file's values, and which of `data_dir` and `listen` might be set on a line
    that could not be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}, {"data_dir", "listen"}  # nothing read: either may be in there
    try:
        return tomllib.loads(text), set()
    except tomllib.TOMLDecodeError:
        pass
    values: dict[str, Any] = {}
    unsure: set[str] = set()
    table = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped  # a broken header breaks its keys' lines: they are unsure
            continue
        if not stripped or stripped.startswith("#"):
            continue
        try:
            part = tomllib.loads(f"{table}\n{line}")
        except tomllib.TOMLDecodeError:
            unsure |= {key for key in ("data_dir", "listen") if key in line}
            continue
        if "data_dir" in part:
            values["data_dir"] = part["data_dir"]
        server = part.get("server")
        if isinstance(server, dict) and "listen" in server:
            values.setdefault("server", {})["listen"] = server["listen"]
    return values, unsure


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return "?"  # not JSON: the listen address is not known


def _address(value: Any) -> bool:
    """Whether `value` is a listen address the settings would take."""
    if not isinstance(value, str):
        return False
    try:
        Server(listen=value)
    except ValueError:  # pydantic's ValidationError is a ValueError
        return False
    return True
