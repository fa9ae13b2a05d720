"""The daemon's units of work, driven by hand with an injected clock (no event loop)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from halfway.channels import sending
from halfway.config import loader
from halfway.core.instants import parse_instant
from halfway.engine.daemon import Daemon
from halfway.replies import service
from halfway.store.database import Store
from halfway.store.keys import start_keys

from .conftest import Clock, config_text


def make_daemon(tmp_path: Path, body: str, clock: Clock, **channels: str) -> Daemon:
    """A daemon on a config of `body` (Europe/Berlin) with `channels`, started up."""
    data = tomllib.loads(config_text(body, data_dir=tmp_path / "data", channels=channels))
    settings = loader.build(data, "test config", sending.url_problem)
    daemon = Daemon(settings, Store(settings.data_dir, clock=clock), clock=clock)
    daemon.start_up()
    return daemon


def run_tick(daemon: Daemon) -> None:
    """What the service does on each wake: fires, reminders, then the outbox."""
    daemon.run_once()


def deliveries(daemon: Daemon) -> list[dict[str, Any]]:
    """Every delivery, from the hot file and the archives, oldest first."""
    found = daemon.store.everything()["deliveries"]
    return sorted(
        found, key=lambda d: (parse_instant(d["scheduled_for"]), d.get("reminder_of", ""))
    )


def states(daemon: Daemon, nudge_id: str | None = None) -> list[tuple[str, str]]:
    """(local 'day hh:mm', state) per delivery (of one nudge, if given); a gap record
    shows its count ('missed×4')."""
    return [
        (
            parse_instant(d["scheduled_for"]).astimezone(daemon.settings.tz).strftime("%d %H:%M"),
            d["state"] + (f"×{d['count']}" if d.get("count", 1) > 1 else ""),
        )
        for d in deliveries(daemon)
        if nudge_id is None or d["nudge_id"] == nudge_id
    ]


def reply(daemon: Daemon, delivery_id: str, value: str, clock: Clock) -> None:
    delivery = daemon.store.view().get("deliveries", delivery_id)
    assert delivery is not None
    service.accept(daemon.store, dict(delivery), value, "web", clock())


def first_id(daemon: Daemon) -> str:
    return str(deliveries(daemon)[0]["id"])


def first_start(data_dir: Path | None) -> None:
    """What the daemon's first start leaves in a data folder: the hot file, the reply
    key and the private links' tokens (only the daemon makes them; `halfway send` needs
    the key, `digest --send` the page's link)."""
    assert data_dir is not None
    start_keys(Store(data_dir))
