"""Telling the user when halfway itself needs a look: a channel failing for a while
(said through another channel), and the heartbeat a monitor expects (Healthchecks'
conventions: the plain URL means all is well, `/fail` that the work fails, `/start`
that the daemon is starting).

Both read the channels' running health in the hot file, never the history. While
everything is paused (`halfway pause --all`) no alert is sent: it waits for the end of
the pause, as it waits for the end of quiet hours (the channel may fail still then).
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from halfway.config.models import Settings
from halfway.core import cursors, schedule
from halfway.core.instants import format_instant, parse_instant
from halfway.engine.outbox import Send
from halfway.store.database import Store
from halfway.words import discretion
from halfway.words.language import _

log = logging.getLogger("halfway")


def failing_since(store: Store) -> dict[str, datetime]:
    """Channels whose sends fail with no success since: when the failing began."""
    return {
        row["id"]: parse_instant(row["failing_since"])
        for row in store.view().records("channels")
        if row.get("failing_since")
    }


class Alerts:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], datetime],
        send: Send,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.send = send

    def check(self) -> list[str]:
        """Say through another channel when one has failed for longer than alert_after."""
        now = self.clock()
        if schedule.quiet_end(now, self.settings.tz, self.settings.quiet_hours):
            return []  # an alert can wait for the morning like everything else
        everything = self.store.view().get("nudges", cursors.ALL)
        if everything and cursors.in_force(everything, now):
            return []  # … and for the end of a pause of everything
        before: dict[str, str] = dict(self.store.view().meta.get("alerted", {}))
        alerted = dict(before)
        failing = failing_since(self.store)
        messages = []
        for name, since in failing.items():
            if name in alerted or now - since < self.settings.outbox.alert_after:
                continue
            if self.tell(name, since, failing):
                alerted[name] = format_instant(now)
                messages.append(name)
        for name in list(alerted):
            if name not in failing:
                del alerted[name]  # it works again: a new outage alerts again
        if alerted != before:  # the safety tick runs this often: write only on change
            with self.store.transaction() as tx:
                tx.set_meta({"alerted": alerted})
        return messages

    def tell(self, name: str, since: datetime, failing: dict[str, datetime]) -> bool:
        others = {
            n: urls for n, urls in self.settings.channels.items() if n != name and n not in failing
        }
        if not others:
            return False
        local = schedule.clock_text(since, self.settings.tz)
        title, text = alert_words(name, local, self.settings.discreet, self.settings.discreet_title)
        results = self.send(
            others,
            title,
            text,
            self.settings.send_timeout.total_seconds(),
        )
        if not any(r.ok for r in results.values()):
            return False
        log.warning(
            "channel %s failing since %s; told you through %s",
            name,
            format_instant(since),
            ", ".join(others),
        )
        return True

    def heartbeat(self, problem: str | None, kind: str | None = None) -> bool:
        """Ping the monitor in Healthchecks' manner: the plain URL while every pass works,
        `/fail` with the problem as the body while one fails, `/start` as the daemon starts.

        Returns whether the monitor took the ping.
        """
        url = self.settings.heartbeat_url
        if not url:
            return False
        kind = kind or ("fail" if problem else "")
        body = problem.encode("utf-8")[:10_000] if kind == "fail" and problem else None
        try:
            request = urllib.request.Request(ping_url(url, kind), data=body)  # noqa: S310
            with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - the user's own URL
                return True
        except (OSError, ValueError) as error:
            log.warning("heartbeat ping failed: %s", getattr(error, "reason", error))
            return False


def alert_words(name: str, since: str, discreet: bool, discreet_title: str) -> tuple[str, str]:
    """The (title, body) telling that channel `name` has failed since `since`; discreet,
    under the user's own title and without the app's name."""
    if discreet:
        return discretion.shown_title(discreet_title), _(discretion.CHANNEL_DOWN).format(
            name=name, since=since
        )
    return "halfway · a channel needs a look", (
        f"halfway has not been able to reach your '{name}' channel since {since}. "
        "Your nudges for it are waiting and will go out once it works again."
    )


def ping_url(url: str, kind: str) -> str:
    """The heartbeat URL with Healthchecks' `/start` or `/fail` added to its path."""
    if not kind:
        return url
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}/{kind}"))
