"""The commands that look ahead: `upcoming` (what will fire, and when) and `status`
(is the daemon up and well, what waits, what fires next). Every time they show is
computed by the code that fires it.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from halfway.cli.commands import cursor_times, utc_now
from halfway.cli.invocation import load_settings
from halfway.core.instants import parse_instant
from halfway.words.plural import plural

if TYPE_CHECKING:
    from collections.abc import Mapping

    from halfway.config.models import Settings
    from halfway.store.database import Store


def cmd_upcoming(args: argparse.Namespace) -> int:
    from halfway.cli import status
    from halfway.core import cursors, schedule
    from halfway.store.database import Store

    settings = load_settings(args)
    now = utc_now()
    until = now + timedelta(days=args.days)
    since = cursor_times(settings, now)
    rows = (
        Store(settings.data_dir, create=False).view().records("nudges")
        if settings.db_path.exists()
        else []
    )
    pauses = cursors.all_pauses(rows, [n.id for n in settings.nudges])
    zone, quiet, limit = settings.tz, settings.quiet_hours, args.limit
    # One more than shown: whether the list was cut.
    fires = schedule.upcoming(settings.nudges, zone, quiet, now, until, limit + 1, since, pauses)
    kinds = {n.id: n.kind for n in settings.nudges}
    exact = {n.id for n in settings.nudges if schedule.needs_seconds(n)}
    # (when, what, moved by quiet hours, whether its schedule needs seconds)
    planned = [
        (f.due_at, f"{f.nudge_id} ({kinds[f.nudge_id]})", f.deferred, f.nudge_id in exact)
        for f in fires
    ]
    if settings.db_path.exists():  # talks' steps and the weekly checks, among the fires
        store = Store(settings.data_dir, create=False)
        steps = [s for s in talk_steps(settings, store, now) if s[0] <= until]
        planned += [(due, text, deferred, False) for due, text, deferred in steps]
        planned += [
            (due, name, False, False)
            for name, due, paused in weekly_checks(settings, store, now)
            if due is not None and due <= until and not paused  # skipped: not listed
        ]
        planned.sort(key=lambda row: row[0])
    shown = planned[:limit]
    # One precision for the whole list, pauses included, seconds only if a schedule on
    # it needs them: never 19:00 beside 19:00:00.
    seconds = any(exact for _, _, _, exact in shown)
    for due, text, deferred, _ in shown:
        text = status.annotated(text, "after quiet hours") if deferred else text
        print(f"{schedule.clock_text(max(due, now), settings.tz, seconds)}  {text}")
    if len(planned) > len(shown):
        print(f"… and more; use --limit to see more than {args.limit}")
    if not planned:
        print(f"nothing planned in the next {plural(args.days, 'day')}")
    for line in status.held_lines(settings, rows, now, seconds):
        print(line)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from halfway.cli import status
    from halfway.config.loader import ConfigError
    from halfway.store import runlock
    from halfway.store.database import Store, StoreError

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
        health = {"status": "other", "problem": "another halfway answers on this port"}
    try:
        store = Store(settings.data_dir, create=False)
        view = store.view()
    except StoreError as error:  # still say what the daemon says, then what is wrong
        print(status.render(settings, {key: [] for key in TABLES_SHOWN}, health, now, {}))
        print(f"\nthe data: {error}")
        return 3 if health is None or other else 1
    hot = {name: view.records(name) for name in TABLES_SHOWN}
    since = cursor_times(settings, now)
    checks = weekly_checks(settings, store, now) if settings.db_path.exists() else []
    ahead = (talk_steps(settings, store, now), checks)  # none before the daemon's first start
    print(status.render(settings, hot, health, now, since, *ahead))
    lost = store.archive_problem()  # a month deleted: said even while no daemon runs
    if lost and lost not in str((health or {}).get("problem")):
        print(f"\nthe data: {lost}")
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
        print(f"whether halfway runs on {where.data_dir} cannot be told ({error})", flush=True)
        return
    health = fetch_health(where.listen)
    lines = status.unread_lines(where.data_dir, where.listen, held, health, where.unread)
    print("\n".join(lines), flush=True)  # before the problem, which goes to stderr


TABLES_SHOWN = ("deliveries", "nudges", "channels")


def talk_steps(settings: Settings, store: Store, now: datetime) -> list[tuple[datetime, str, bool]]:
    """Each planned step of a talk: when the planner sends it, what it is, and whether
    quiet hours moved it; a step inside a pause of everything says it is skipped."""
    from halfway.cli import status
    from halfway.talks import planning

    view = store.view()
    spans = planning.paused_all(view.records("nudges"))
    steps = []
    for _, talk, entry in planning.upcoming(view, datetime.max.replace(tzinfo=UTC)):
        sends, deferred = planning.sends_at(entry, settings, now)
        text = planning.step_text(talk, entry)
        if planning.held_at(parse_instant(entry["due_at"]), sends, spans):
            text, deferred = status.annotated(text, planning.PAUSED_AHEAD), False
        steps.append((sends, text, deferred))
    return sorted(steps, key=lambda step: step[0])


def weekly_checks(
    settings: Settings, store: Store, now: datetime
) -> list[tuple[str, datetime | None, bool]]:
    """The weekly digest and the [care] check: when each is next due, as the daemon wakes
    for it (None: it is off), and whether a pause skips it then."""
    from halfway.care.nudging import CARE_ID, CareNudges
    from halfway.core import cursors, schedule
    from halfway.digest.weekly import DIGEST_ID, DigestNudges
    from halfway.engine.planner import Planner

    def clock() -> datetime:
        return now

    planner = Planner(settings, store, clock, b"")  # no key: nothing is made or sent here
    wakes = (
        ("weekly digest", DIGEST_ID, DigestNudges(settings, store, clock).next_wake()),
        ("care check", CARE_ID, CareNudges(settings, store, clock, planner).next_wake()),
    )
    by_id = {row["id"]: row for row in store.view().records("nudges")}
    return [
        (name, due, due is not None and schedule.paused_at(due, cursors.pauses(by_id, key)))
        for name, key, due in wakes
    ]


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
