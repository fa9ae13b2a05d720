"""The README's system service: the daemon (StateDirectory set by systemd) and the
user's alias (`sudo -u halfway halfway --config /etc/halfway/config.toml …`, no
StateDirectory, HOME=/var/lib/halfway) must reach the same data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from halfway.config import defaults
from halfway.store import owners

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_alias_reaches_the_system_service_data(halfway, tmp_path, monkeypatch) -> None:
    etc, state = tmp_path / "etc" / "halfway", tmp_path / "var" / "lib" / "halfway"
    monkeypatch.setattr(defaults, "SYSTEM_CONFIG_DIR", etc)
    monkeypatch.setattr(defaults, "SYSTEM_DATA_DIR", state)
    monkeypatch.setattr(os, "geteuid", lambda: 990)  # the `halfway` system user, not root
    # only the euid is faked, the files stay root's: the owner rule has tests of its own
    monkeypatch.setattr(owners, "check", lambda data_dir, writing: False)
    etc.mkdir(parents=True)
    state.mkdir(parents=True)
    config = etc / "config.toml"
    shutil.copy(ROOT / "config.example.toml", config)  # as the README installs it
    for name in ("XDG_STATE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(state))  # useradd --home-dir /var/lib/halfway

    # the service: systemd sets STATE_DIRECTORY
    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    ran = halfway("log", "gesture", "made me tea", "--config", str(config))
    assert ran.code == 0, ran.err
    # the README's alias: no STATE_DIRECTORY
    monkeypatch.delenv("STATE_DIRECTORY")
    ran = halfway("--config", str(config), "log", "initiation", "asked about Sunday")
    assert ran.code == 0, ran.err
    ran = halfway("--config", str(config), "history", "--json")
    assert "made me tea" in ran.out
    assert "asked about Sunday" in ran.out
    assert not (state / ".local").exists()  # no second data folder in the home
    assert (state / "halfway.json").exists()
    assert f"data in {state}" in halfway("--config", str(config), "check").out
