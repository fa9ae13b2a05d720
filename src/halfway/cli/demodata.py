"""`halfway demo-data`: weeks of plausible history in a fresh data folder, so a newcomer
sees a real digest at once.

Nothing is written by hand. The real daemon's units of work run on an injected clock
that steps through the weeks (fires, reminders, back-off, catch-up after a stretch of
downtime, care nudges, compaction into monthly archives), with a send function that
stays on this machine and records success. The person's side goes through the same
functions as the reply page and the commands: `replies.service.accept`, `ledger/book`
(`halfway log`, `ask`, `boundary`) and `talks/planning` (`halfway talk`).

The nudges are a built-in set (DEMO_NUDGES), whatever the config holds; the config
gives the zone, the data folder, the channels' names (their addresses are never used),
quiet hours, [talks], [care] and [[boundaries]]. One seed makes the same story.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shlex
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from halfway.cli.commands import utc_now
from halfway.cli.invocation import load_settings
from halfway.words import invoked
from halfway.words.language import N_, _, ngettext

if TYPE_CHECKING:
    from halfway.channels.sending import ChannelResult
    from halfway.config.models import Settings

MAX_WEEKS = 104
DEFAULT_SEED = 7
# id, kind, cron: the evening check-in, a boundary twice a week, the Sunday review,
# a weekly clear ask (planned talks add their own chain)
DEMO_NUDGES = (
    ("demo-gestures", "gesture_log", "0 20 * * *"),
    ("demo-boundary", "boundary", "0 19 * * tue,fri"),
    ("demo-review", "pattern_review", "0 18 * * sun"),
    ("demo-ask", "clarity_ask", "30 19 * * wed"),
)
LOCAL_ONLY = "demo-data://nothing-leaves-this-machine"
TABLES = ("deliveries", "replies", "entries", "talks", "asks")  # what counts as real data
# each table as the summary names it
TABLE_NAMES = {
    "deliveries": N_("deliveries"),
    "replies": N_("replies"),
    "entries": N_("entries"),
    "talks": N_("talks"),
    "asks": N_("asks"),
}


def add_command(
    command: Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser],
) -> None:
    """`halfway demo-data [--weeks N] [--seed N]` on the `halfway` parser."""
    p = command("demo-data", cmd_demo_data, _("fill an empty data folder with sample weeks"))
    p.description = _(
        "Fill an empty data folder (the config's data_dir) with weeks of plausible sample "
        "history, made by halfway's own daemon and commands on a simulated clock, so "
        "'{digest}' and '{history}' have something to show. Nothing is sent. "
        "A folder that already holds data is refused and left as it is."
    ).format(digest=invoked.command("digest"), history=invoked.command("history"))
    weeks = _("how many weeks (1-{most}, default 12)").format(most=MAX_WEEKS)
    p.add_argument("--weeks", type=weeks_arg, default=12, help=weeks)
    seed = _("the same seed, the same story")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=seed)


def weeks_arg(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_WEEKS:
        wrong = _("'{text}' is not a whole number from 1 to {most}")
        raise argparse.ArgumentTypeError(wrong.format(text=text, most=MAX_WEEKS))
    return int(text)


def cmd_demo_data(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    quiet = logging.getLogger("halfway")
    level = quiet.level
    if not args.debug:
        quiet.setLevel(logging.WARNING)  # hundreds of fires: the summary says enough
    try:
        made = fill(settings, args.weeks, args.seed, utc_now())
    finally:
        quiet.setLevel(level)
    print(summary(made, args.weeks, settings.data_dir, command_line(args)))
    return 0


def command_line(args: argparse.Namespace) -> Callable[[str], str]:
    """How to run another command on the same data folder: with the same --config, and the
    HALFWAY_DATA_DIR or HALFWAY_CONFIG this one was given in front (else the next command
    would read the real folder)."""
    env = "".join(
        f"{name}={shlex.quote(os.environ[name])} "
        for name in ("HALFWAY_CONFIG", "HALFWAY_DATA_DIR")
        if os.environ.get(name) and not (name == "HALFWAY_CONFIG" and args.config)
    )
    config = f" --config {shlex.quote(str(args.config))}" if args.config else ""
    return lambda command: f"{env}{invoked.command()}{config} {command}"


def held_data(data_dir: Path, key: bytes | None = None) -> str:
    """What real data the folder holds ('deliveries: 3, entries: 1'), '' for none. Reads only."""
    from halfway.store.database import read_file

    files = [data_dir / "halfway.json", data_dir / "halfway.v1.json"]
    files += sorted((data_dir / "archive").glob("????-??.json"))
    counts = dict.fromkeys(TABLES, 0)
    for path in files:
        data = (
            read_file(path, key, "halfway.json" if path.name == "halfway.v1.json" else None) or {}
        )
        for table in TABLES:
            counts[table] += len(data.get(table) or {})
    return ", ".join(f"{_(TABLE_NAMES[table])}: {n}" for table, n in counts.items() if n)


def summary(
    made: dict[str, int],
    weeks: int,
    data_dir: Path,
    again: Callable[[str], str] = invoked.command,
) -> str:
    """What was made, and the next commands on this same folder (`again` writes each)."""
    counts = " · ".join(f"{_(TABLE_NAMES.get(table, table))} {n}" for table, n in made.items())
    made_weeks = ngettext("{n} week", "{n} weeks", weeks).format(n=weeks)
    lines = [
        _("halfway demo-data: made {weeks} of sample history in {folder}").format(
            weeks=made_weeks, folder=data_dir
        ),
        f"  {counts}",
        "  " + _("Nothing was sent: every nudge was delivered on this machine only."),
        _("Next, on this folder:"),
        f"  {again('digest --out digest.html')}   # " + _("a week's digest"),
        f"  {again('history')}   # " + _("everything"),
        f"  {again('run')}   # "
        + _("carries on here; prints what it sends (--real-channels: sends)"),
        _("For your real data, point data_dir at a new, empty folder."),
    ]
    return "\n".join(lines)


def start_of(now: datetime, weeks: int, settings: Settings) -> datetime:
    """Monday 00:00 (local) of the week `weeks` weeks before now's week."""
    from halfway.core.weeks import week_of, week_start

    monday = week_of(now, settings.tz) - timedelta(weeks=weeks)
    return week_start(monday, settings.tz).astimezone(UTC)


def demo_settings(settings: Settings) -> Settings:
    """The config with the built-in nudges and channels that send nothing anywhere."""
    from halfway.config.models import Nudge

    names = list(settings.channels) or ["phone"]
    nudges = [Nudge(id=i, kind=kind, cron=cron) for i, kind, cron in DEMO_NUDGES]
    update = {
        "channels": {name: [LOCAL_ONLY] for name in names},
        "nudges": nudges,
        "heartbeat_url": None,
        "imap": None,
    }
    return settings.model_copy(update=update)


def local_send(
    channels: dict[str, list[str]], *args: object, **kwargs: object
) -> dict[str, ChannelResult]:
    """Every channel 'succeeds' at once; nothing leaves the machine."""
    from halfway.channels.sending import ChannelResult

    return {name: ChannelResult(True) for name in channels}


def fill(user: Settings, weeks: int, seed: int, end: datetime) -> dict[str, int]:
    """Play `weeks` weeks (and this week so far) up to `end` into the config's empty data
    folder; the count of each kind of record made. StoreError, changing nothing, if the
    folder holds data already or a daemon runs on it."""
    from halfway.demo.story import SimClock, Story
    from halfway.engine.daemon import Daemon
    from halfway.store import runlock, samples
    from halfway.store.atrest import open_store, store_key
    from halfway.store.database import StoreError

    found = held_data(user.data_dir, store_key(user))
    if found:
        refused = _(
            "{folder}: already holds data ({found}); demo-data fills only an "
            "empty folder and changed nothing. Name another data_dir, e.g. "
            "HALFWAY_DATA_DIR=/tmp/halfway-demo halfway demo-data"
        )
        raise StoreError(refused.format(folder=user.data_dir, found=found))
    clock = SimClock(start_of(end, weeks, user))
    store = open_store(user, clock=clock)
    with store.transaction() as tx:  # run, send and digest --send there print, not send
        tx.set_meta({samples.MARK: "demo-data"})
    try:
        lock = runlock.hold(store.data_dir)
    except runlock.AlreadyRunning as error:
        raise StoreError(str(error)) from None
    try:
        settings = demo_settings(user)
        daemon = Daemon(settings, store, clock=clock, send=local_send)  # makes the reply key
        daemon.start_up()
        story = Story(settings, daemon, clock, random.Random(seed))  # noqa: S311 - not a secret
        story.plan(weeks)
        story.run(end)
        store.compact(end)
    finally:
        runlock.release(lock, store.data_dir)
    every = store.everything()
    return {table: len(every[table]) for table in TABLES}
