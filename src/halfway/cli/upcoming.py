"""The commands that look ahead: `upcoming` (what will fire, and when) and `status`
(is the daemon up and well, what waits, what fires next). Every time they show is
computed by the code that fires it.
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from typing import TYPE_CHECKING

from halfway.cli.checking import cursor_times
from halfway.cli.commands import utc_now
from halfway.cli.invocation import load_settings
from halfway.words.language import _, ngettext

if TYPE_CHECKING:
    from collections.abc import Mapping


def cmd_upcoming(args: argparse.Namespace) -> int:
    from halfway.cli import status
    from halfway.core import schedule
    from halfway.engine import upcoming
    from halfway.store.atrest import open_store

    settings = load_settings(args)
    now = utc_now()
    until = now + timedelta(days=args.days)
    # None before the daemon's first start: no cursors, talks or weekly checks yet
    store = open_store(settings, create=False) if settings.db_path.exists() else None
    # One more than shown: whether the list was cut.
    planned = upcoming.planned(settings, store, now, until, args.limit + 1)
    shown = planned[: args.limit]
    # One precision for the whole list, pauses included, seconds only if a schedule on
    # it needs them: never 19:00 beside 19:00:00.
    seconds = any(row.exact for row in shown)
    for row in shown:
        text = upcoming.annotated(row.text, _("after quiet hours")) if row.deferred else row.text
        print(f"{schedule.clock_text(max(row.due, now), settings.tz, seconds)}  {text}")
    if len(planned) > len(shown):
        print(_("… and more; use --limit to see more than {n}").format(n=args.limit))
    if not planned:
        print(
            ngettext(
                "nothing planned in the next {n} day",
                "nothing planned in the next {n} days",
                args.days,
            ).format(n=args.days)
        )
    rows = store.view().records("nudges") if store is not None else []
    for line in status.held_lines(settings, rows, now, seconds):
        print(line)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from halfway.cli import status
    from halfway.config.loader import ConfigError
    from halfway.engine import upcoming
    from halfway.store import runlock
    from halfway.store.atrest import open_store
    from halfway.store.database import StoreError

    try:
        settings = load_settings(args)
    except ConfigError:
        status_unread(args)  # the daemon first, then (exit 2) the config's problem
        raise
    now = utc_now()
    health = fetch_health(settings.server.listen)
    held = runlock.running(settings.data_dir) if runlock.present(settings.data_dir) else None
    other = health is not None and (held is None or health.get("pid", held) != held)
    if other:  # something answers on the port, but no daemon runs on this data
        health = {"status": "other", "problem": _("another halfway answers on this port")}
    try:
        store = open_store(settings, create=False)
        view = store.view()
    except StoreError as error:  # still say what the daemon says, then what is wrong
        print(status.render(settings, {key: [] for key in TABLES_SHOWN}, health, now, {}))
        print("\n" + _("the data: {problem}").format(problem=error))
        return 3 if health is None or other else 1
    hot = {name: view.records(name) for name in TABLES_SHOWN}
    since = cursor_times(settings, now)
    checks = upcoming.weekly_checks(settings, store, now) if settings.db_path.exists() else []
    steps = [(s.due, s.text, s.deferred) for s in upcoming.talk_steps(settings, store, now)]
    ahead = (steps, checks)  # none before the daemon's first start
    print(status.render(settings, hot, health, now, since, *ahead))
    lost = store.archive_problem()  # a month deleted: said even while no daemon runs
    if lost and lost not in str((health or {}).get("problem")):
        print("\n" + _("the data: {problem}").format(problem=lost))
    if health is None or other:
        return 3
    return 1 if lost or health.get("status") == "failing" else 0


def status_unread(args: argparse.Namespace) -> None:
    """While the config does not load: whether a daemon runs on the data folder it names
    (found through the folder's lock), from what can still be read of it."""
    from halfway.cli import status
    from halfway.config.salvage import whereabouts
    from halfway.store import runlock

    where = whereabouts(args.config)
    try:
        held = runlock.running(where.data_dir)
    except OSError as error:  # e.g. another user's lock: the config's problem still comes
        print(
            _("whether halfway runs on {folder} cannot be told ({reason})").format(
                folder=where.data_dir, reason=error
            ),
            flush=True,
        )
        return
    health = fetch_health(where.listen)
    lines = status.unread_lines(where.data_dir, where.listen, held, health, where.unread)
    print("\n".join(lines), flush=True)  # before the problem, which goes to stderr


TABLES_SHOWN = ("deliveries", "nudges", "channels")


def fetch_health(listen: str) -> Mapping[str, object] | None:
    """The running daemon's /healthz answer (a 503 too: it names the problem), or None
    if nothing answers."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{listen}/healthz", timeout=3) as answer:
            return dict(json.loads(answer.read()))
    except urllib.error.HTTPError as error:
        try:
            return dict(json.loads(error.read()))
        except ValueError:
            return None
    except (OSError, ValueError):
        return None
