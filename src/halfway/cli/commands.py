"""The commands behind `halfway`: thin functions over the modules, one per command.

Each takes the parsed arguments and returns the exit code; bad input raises
UsageError (exit 2). Each imports what it uses, when it runs: a command that
sends nothing loads neither apprise nor aiohttp.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from halfway.cli.invocation import demo_banner, demo_settings, load_settings
from halfway.core.records import Delivery
from halfway.words import invoked
from halfway.words.plural import plural

if TYPE_CHECKING:
    from halfway.config.models import Nudge, Settings
    from halfway.store.database import Store


class UsageError(Exception):
    """A bad argument: exit 2 with this message."""


def utc_now() -> datetime:
    return datetime.now(UTC)


# commands -----------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from importlib import resources

    from halfway.config import loader

    path = Path(args.config or os.environ.get("HALFWAY_CONFIG") or loader.default_path())
    if path.is_dir():
        raise UsageError(
            f"{path}: is a folder; name the file to write, e.g. {path / 'config.toml'}"
        )
    if path.exists():
        raise UsageError(f"{path}: already exists; halfway init never overwrites a config")
    # The starter leaves what only you can fill in (channels, the reply address) commented out.
    text = resources.files("halfway").joinpath("config.example.toml").read_text("utf-8")
    text = text.replace('timezone = "Europe/Berlin"', f'timezone = "{loader.local_zone()}"')
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise UsageError(f"{path}: cannot be written ({error.strerror})") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    print(f"wrote {path} (readable by you only)")
    print(
        'next: add a channel under [channels] in it (e.g. phone = "ntfy://ntfy.sh/your-secret-topic"),'
        f" then run '{invoked.command('check')}' and '{invoked.command('run')}'"
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from halfway.channels import sending
    from halfway.cli import status
    from halfway.config import loader
    from halfway.core import schedule
    from halfway.store import atrest, owners, samples
    from halfway.store.atrest import open_store

    settings = load_settings(args)
    unusable = loader.unusable(settings, args.source)
    if unusable:
        raise loader.ConfigError(unusable)
    zone = settings.tz
    now = utc_now()
    warnings = loader.advice(settings, args.source, now)
    many = f"{len(warnings)} warning{'s' if len(warnings) > 1 else ''}"
    print(f"{args.source}: valid" + (f" ({many}, at the end)" if warnings else ""))
    print(f"time zone {settings.timezone}; data in {settings.data_dir}")
    key, found = atrest.store_key(settings), atrest.key_path(settings)  # unusable: exit 2
    if key and found:
        print(f"data encrypted at rest, with the key in {found[1]}")
    if samples.is_sample(settings.data_dir, key):
        print(
            "  sample data (made by 'halfway demo-data'): run, send and digest --send print"
            " what goes out here; --real-channels sends it to the channels below"
        )
    print("channels:" if settings.channels else "channels: none yet")
    for name, urls in settings.channels.items():
        for url in urls:
            print(f"  {name}: {sending.mask(url)}")
    print(
        f"reply links: {settings.server.public_url}/r/…"
        + (" (discreet messages)" if settings.discreet else "")
        + (
            "; they open on this machine only (set server.listen and public_url for your phone)"
            if loader.on_loopback(settings.server.public_url)
            else ""
        )
    )
    if settings.imap:
        imap = settings.imap
        print(
            f"e-mail replies: {imap.user}@{imap.host}:{imap.port}/{imap.folder} "
            f"({imap.tls}, every {loader.duration_text(imap.poll)})"
        )
    if not settings.partner.record:
        print(
            "partner side: not recorded ([partner] record = false); what is already"
            f" written stays until '{invoked.command('erase --partner-side')}'"
        )
    print("nudges (next 3 fires, local time):")
    owners.check(settings.data_dir, writing=False)  # a folder the service cannot read
    rows = (
        open_store(settings, create=False).view().records("nudges")
        if settings.db_path.exists()
        else []
    )
    since = cursor_times(settings, now)
    ahead = {
        nudge.id: schedule.upcoming(
            [nudge], zone, settings.quiet_hours, now, now + timedelta(days=3660), 3, since
        )
        for nudge in settings.nudges
    }
    # One precision for the whole list, as `upcoming` shows it: never 19:00 beside 19:00:00.
    seconds = schedule.shows_seconds(
        [f for fires in ahead.values() for f in fires], settings.nudges
    )
    for line in status.pause_lines(settings, rows, now, seconds):
        print(f"  {line}")
    for nudge in settings.nudges:
        when = ", ".join(
            schedule.clock_text(f.due_at, zone, seconds)
            + (" (after quiet hours)" if f.deferred else "")  # as status and upcoming say
            for f in ahead[nudge.id]
        )
        when = when or "no fire ahead"
        print(f"  {nudge.id} ({nudge.kind}): {when}")
    sys.stdout.flush()
    for line in warnings:
        print(line, file=sys.stderr)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from halfway.demo import answers
    from halfway.engine import launch
    from halfway.store import samples
    from halfway.store.atrest import open_store

    if getattr(args, "data_dir", None) and not args.demo:
        raise UsageError(
            "--data-dir: only with --demo; for your own data, set data_dir in the config"
        )
    real = args.demo or getattr(args, "real_channels", False)
    settings = demo_settings(args) if args.demo else samples.printing(load_settings(args), real)
    try:
        sock = None
        if args.demo:  # the port first: a busy one is one line, not a banner and then a line
            sock = launch.listening(settings, demo=True)
            demo_banner(settings)
        reload = None if args.demo else (lambda: samples.printing(load_settings(args), real, False))
        start_over, taken = getattr(args, "start_over", False), getattr(args, "accept_copy", False)
        make = lambda: open_store(settings, start_over=start_over, accept_copy=taken)  # noqa: E731
        new_key = getattr(args, "new_key", False)
        demo = answers.Demo if args.demo else None  # the demo plugs into the planner
        code = launch.run(settings, make, reload, demo, new_key, sock, accept_copy=taken)
    except launch.DaemonError as error:
        raise UsageError(str(error)) from None
    if args.demo:
        print(demo_stopped(), flush=True)
    return code


def demo_stopped() -> str:
    return (
        f"halfway demo stopped. To use your phone: '{invoked.command('init')}', add a channel"
        f" under [channels], then '{invoked.command('check')}' and '{invoked.command('run')}'."
    )


def cmd_send(args: argparse.Namespace) -> int:
    from halfway.core import tokens
    from halfway.engine.planner import Planner
    from halfway.store import samples
    from halfway.store.atrest import open_store

    settings = samples.printing(load_settings(args), args.real_channels)
    nudge = known_nudges(args, settings, [args.nudge_id])[0]
    store = open_store(settings)
    key = tokens.load_key(store.data_dir)
    added = Planner(settings, store, utc_now, key).manual(nudge)
    return send_recorded(settings, store, added)


def send_recorded(settings: Settings, store: Store, added: Delivery) -> int:
    """Send a delivery just recorded, now, and print each channel's outcome (exit 0 if
    every channel took it, 1 if any failed: the daemon retries those)."""
    from halfway.core.deliveries import PENDING, SENT
    from halfway.engine.outbox import Outbox

    sent = Outbox(settings, store, utc_now).drain(only=added["id"])
    record = sent[0] if sent else added
    for name, result in record["channels"].items():
        print(f"{name}: {result['state']}" + (f" ({result['error']})" if result["error"] else ""))
    if record["state"] == PENDING:
        print(f"the daemon retries what failed; '{invoked.command('status')}' shows the outbox")
    return 0 if record["state"] == SENT else 1


def cmd_reply(args: argparse.Namespace) -> int:
    from halfway.core import tokens
    from halfway.core.plaintext import one_line
    from halfway.engine import reminding
    from halfway.replies import service
    from halfway.store.atrest import open_store

    settings = load_settings(args)
    # The id, or the reply link it came in (whole, or its last part): never echoed whole.
    delivery_id = tokens.delivery_named(args.delivery_id)
    if delivery_id is None:
        raise UsageError(
            "DELIVERY_ID: neither a delivery id nor a reply link"
            " (give the id 'halfway history' shows, or the link from the message)"
        )
    store = open_store(settings)
    delivery = store.view().get("deliveries", delivery_id)
    if delivery is None:
        archived = any(d["id"] == delivery_id for d in store.everything()["deliveries"])
        if archived:
            raise UsageError(f"DELIVERY_ID: '{delivery_id}' has closed for answers")
        listed = invoked.command("history")
        raise UsageError(f"DELIVERY_ID: no delivery '{delivery_id}' (see '{listed}')")
    delivery = dict(delivery)
    try:
        reply, took = service.accept(store, delivery, args.value, "cli", utc_now(), note=args.note)
    except service.ReplyError as error:
        raise UsageError(f"VALUE: {error.message}") from None
    label = one_line(service.shape_of(delivery).label(reply["value"]))
    if took == service.SAME:
        print(f"already noted: {label}")
        return 0
    kept = " (your earlier answer is kept in its history)" if took == service.CHANGED else ""
    again = reminding.comes_back(settings, store.view(), delivery, reply)
    print(f"noted: {label}{kept}" + (f"; it comes back {again}" if again else ""))
    return 0


def known_nudges(args: argparse.Namespace, settings: Settings, ids: list[str]) -> list[Nudge]:
    """The nudges named on the command line; UsageError naming any that is not in the config."""
    found = []
    for nudge_id in ids:
        nudge = settings.nudge(nudge_id)
        if nudge is None:
            known = ", ".join(n.id for n in settings.nudges) or "none"
            raise UsageError(f"{args.source}: no nudge with id '{nudge_id}' (known: {known})")
        found.append(nudge)
    return found


def pause_targets(args: argparse.Namespace, settings: Settings) -> list[str]:
    """The nudge ids a pause or resume names, or ['*'] for --all."""
    if args.all == bool(args.nudge_ids):
        raise UsageError("name the nudges to change, or give --all (not both)")
    return ["*"] if args.all else [n.id for n in known_nudges(args, settings, args.nudge_ids)]


def cmd_pause(args: argparse.Namespace) -> int:
    from halfway.core import schedule
    from halfway.store import pauses
    from halfway.store.atrest import open_store

    settings = load_settings(args)
    targets = pause_targets(args, settings)
    now = utc_now()
    until = pause_until(args.until, settings.tz, now) if args.until else None
    if until is not None and until <= now:
        raise UsageError(f"--until: '{args.until}' is already past")
    pauses.pause(open_store(settings), targets, now, until)
    end = f"until {schedule.clock_text(until, settings.tz)}" if until else "until you resume"
    if targets == ["*"]:
        print(
            f"paused everything {end}: no fire, reminder, talk step, care note or digest"
            " is sent meanwhile, nor saved up for after"
        )
    else:
        print(
            f"paused {', '.join(targets)} {end}; their fires and reminders are skipped, not saved up"
        )
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from halfway.core import cursors
    from halfway.store import pauses
    from halfway.store.atrest import open_store

    settings = load_settings(args)
    targets = pause_targets(args, settings)
    store, now = open_store(settings), utc_now()
    ended = pauses.resume(store, targets, now)
    print(f"resumed ({plural(ended, 'pause')} ended)" if ended else "nothing was paused")
    everything = store.view().get("nudges", "*")
    if targets != ["*"] and everything and cursors.in_force(everything, now):
        resume = invoked.command("resume --all")
        print(f"every nudge is still paused; '{resume}' ends that pause too")
    return 0


def pause_until(text: str, zone: tzinfo, now: datetime) -> datetime:
    """`pause --until WHEN`: '3d' (from now), '2026-12-01' (local midnight) or
    '2026-12-01T09:00' (local). Not a talk's WHEN (`talks.when.talk_time`): a pause
    ends after a span or at a date, a talk is at a time of day."""
    from halfway.config import loader

    try:
        return now + loader.parse_duration(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--until: '{text}' is not a date, date-time or duration (e.g. 2026-12-01, 3d)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def cmd_reload(args: argparse.Namespace) -> int:
    from halfway.config.loader import ConfigError
    from halfway.store import runlock
    from halfway.store.atrest import open_store

    try:
        settings = load_settings(args)  # refuse here what the daemon would refuse
    except ConfigError as error:  # and say so: not signalled, the daemon keeps its own
        raise ConfigError([*error.lines, not_reloaded(args)]) from None
    open_store(settings)  # the folder, as the daemon would make it
    pid = runlock.running(settings.data_dir)
    if pid is None:
        print(f"halfway reload: no daemon is running on {settings.data_dir}", file=sys.stderr)
        return 1
    try:
        os.kill(pid, signal.SIGHUP)
    except PermissionError:
        print(
            f"halfway reload: not allowed to signal pid {pid}; run as the service user "
            "or use 'systemctl reload halfway'",
            file=sys.stderr,
        )
        return 1
    print(f"asked the daemon (pid {pid}) to reload {args.source}")
    return 0


def not_reloaded(args: argparse.Namespace) -> str:
    """What `reload` adds to a config's problems: the daemon was not asked, and keeps the
    config it has (found through what can be read of the config; see config/salvage)."""
    from halfway.config.salvage import whereabouts
    from halfway.store import runlock

    data_dir = whereabouts(args.config).data_dir
    try:
        pid = runlock.running(data_dir)
    except OSError:  # another user's lock: whether one runs is not known here
        return (
            f"halfway reload: not reloaded: a daemon running on {data_dir} keeps its current config"
        )
    if pid is None:
        return f"halfway reload: not reloaded (no daemon is running on {data_dir} either)"
    return f"halfway reload: not reloaded: the running daemon (pid {pid}) keeps its current config"


def cursor_times(settings: Settings, now: datetime) -> dict[str, datetime]:
    """Each nudge's cursor, so upcoming fires are counted as the daemon will fire them."""
    from halfway.core import cursors
    from halfway.store.atrest import open_store

    if not settings.db_path.exists():
        return {}
    view = open_store(settings, create=False).view()  # reading only
    return {
        n.id: cursors.since(view.get("nudges", n.id), n, settings.tz, now) for n in settings.nudges
    }
