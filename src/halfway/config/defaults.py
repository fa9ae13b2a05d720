"""The config's defaults that depend on this machine and on where the config file
lives: the time zone, and the data folder (systemd's StateDirectory, the system
service's /var/lib/halfway, or the user's XDG state folder).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path


def local_zone() -> str:
    """This machine's IANA time zone (UTC if it cannot be told)."""
    from tzlocal import get_localzone_name

    try:
        return get_localzone_name() or "UTC"
    except Exception:  # an odd /etc/localtime is no reason to refuse to start
        return "UTC"


SYSTEM_CONFIG_DIR = Path("/etc/halfway")
SYSTEM_DATA_DIR = Path("/var/lib/halfway")
_config_file: ContextVar[Path | None] = ContextVar("config_file", default=None)


def default_data_dir(config_file: Path | None = None) -> Path:
    """systemd's StateDirectory, else /var/lib/halfway for root or for the system
    config (/etc/halfway/…), else the XDG state dir.

    The system-config rule is what lets `sudo -u halfway halfway --config
    /etc/halfway/config.toml log …` (the README's alias, with no StateDirectory
    set) reach the system service's data rather than a folder in its home.
    """
    if state := os.environ.get("STATE_DIRECTORY"):
        return Path(state.split(":")[0])
    config_file = config_file or _config_file.get()
    if os.geteuid() == 0 or (config_file and _inside(config_file, SYSTEM_CONFIG_DIR)):
        return SYSTEM_DATA_DIR
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "halfway"


def _inside(path: Path, folder: Path) -> bool:
    return Path(os.path.abspath(path)).is_relative_to(folder)


@contextmanager
def reading_file(path: Path | None) -> Iterator[None]:
    """Within this block, defaults that depend on where the config lives use `path`."""
    token = _config_file.set(path)
    try:
        yield
    finally:
        _config_file.reset(token)
