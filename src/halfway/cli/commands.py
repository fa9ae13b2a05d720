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
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from halfway.cli.invocation import demo_banner, demo_settings, load_settings
from halfway.core.records import Delivery
from halfway.words import invoked
from halfway.words.language import _, ngettext

if TYPE_CHECKING:
    from halfway.config.models import Nudge, Settings
    from halfway.store.database import Store


class UsageError(Exception):
    """A bad argument: exit 2 with this message."""


def utc_now() -> datetime:
    return datetime.now(UTC)


# commands -----------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from halfway.demo import answers
    from halfway.engine import launch
    from halfway.store import samples
    from halfway.store.atrest import open_store

    if getattr(args, "data_dir", None) and not args.demo:
        raise UsageError(
            _("--data-dir: only with --demo; for your own data, set data_dir in the config")
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
    return _(
        "halfway demo stopped. To use your phone: '{init}', add a channel"
        " under [channels], then '{check}' and '{run}'."
    ).format(
        init=invoked.command("init"), check=invoked.command("check"), run=invoked.command("run")
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
        print(
            _("the daemon retries what failed; '{status}' shows the outbox").format(
                status=invoked.command("status")
            )
        )
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
            _(
                "DELIVERY_ID: neither a delivery id nor a reply link"
                " (give the id 'halfway history' shows, or the link from the message)"
            )
        )
    store = open_store(settings)
    delivery = store.view().get("deliveries", delivery_id)
    if delivery is None:
        archived = any(d["id"] == delivery_id for d in store.everything()["deliveries"])
        if archived:
            raise UsageError(_("DELIVERY_ID: '{id}' has closed for answers").format(id=delivery_id))
        listed = invoked.command("history")
        raise UsageError(
            _("DELIVERY_ID: no delivery '{id}' (see '{history}')").format(
                id=delivery_id, history=listed
            )
        )
    delivery = dict(delivery)
    try:
        reply, took = service.accept(store, delivery, args.value, "cli", utc_now(), note=args.note)
    except service.ReplyError as error:
        raise UsageError(f"VALUE: {error.words()}") from None
    label = one_line(service.shape_of(delivery).label(reply["value"]))
    if took == service.SAME:
        print(_("already noted: {label}").format(label=label))
        return 0
    kept = _(" (your earlier answer is kept in its history)") if took == service.CHANGED else ""
    again = reminding.comes_back(settings, store.view(), delivery, reply)
    print(
        _("noted: {label}").format(label=label)
        + kept
        + (_("; it comes back {when}").format(when=again) if again else "")
    )
    return 0


def known_nudges(args: argparse.Namespace, settings: Settings, ids: list[str]) -> list[Nudge]:
    """The nudges named on the command line; UsageError naming any that is not in the config."""
    found = []
    for nudge_id in ids:
        nudge = settings.nudge(nudge_id)
        if nudge is None:
            known = ", ".join(n.id for n in settings.nudges) or _("none")
            raise UsageError(
                _("{source}: no nudge with id '{id}' (known: {known})").format(
                    source=args.source, id=nudge_id, known=known
                )
            )
        found.append(nudge)
    return found


def pause_targets(args: argparse.Namespace, settings: Settings) -> list[str]:
    """The nudge ids a pause or resume names, or ['*'] for --all."""
    if args.all == bool(args.nudge_ids):
        raise UsageError(_("name the nudges to change, or give --all (not both)"))
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
        raise UsageError(_("--until: '{when}' is already past").format(when=args.until))
    pauses.pause(open_store(settings), targets, now, until)
    end = (
        _("until {when}").format(when=schedule.clock_text(until, settings.tz))
        if until
        else _("until you resume")
    )
    if targets == ["*"]:
        print(
            _(
                "paused everything {end}: no fire, reminder, talk step, care note or digest"
                " is sent meanwhile, nor saved up for after"
            ).format(end=end)
        )
    else:
        print(
            _("paused {nudges} {end}; their fires and reminders are skipped, not saved up").format(
                nudges=", ".join(targets), end=end
            )
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
    print(
        ngettext("resumed ({n} pause ended)", "resumed ({n} pauses ended)", ended).format(n=ended)
        if ended
        else _("nothing was paused")
    )
    everything = store.view().get("nudges", "*")
    if targets != ["*"] and everything and cursors.in_force(everything, now):
        resume = invoked.command("resume --all")
        print(
            _("every nudge is still paused; '{resume}' ends that pause too").format(resume=resume)
        )
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
            _(
                "--until: '{text}' is not a date, date-time or duration (e.g. 2026-12-01, 3d)"
            ).format(text=text)
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
        print(
            _("halfway reload: no daemon is running on {folder}").format(folder=settings.data_dir),
            file=sys.stderr,
        )
        return 1
    try:
        os.kill(pid, signal.SIGHUP)
    except PermissionError:
        print(
            _(
                "halfway reload: not allowed to signal pid {pid}; run as the service user "
                "or use 'systemctl reload halfway'"
            ).format(pid=pid),
            file=sys.stderr,
        )
        return 1
    print(_("asked the daemon (pid {pid}) to reload {source}").format(pid=pid, source=args.source))
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
        return _(
            "halfway reload: not reloaded: a daemon running on {folder} keeps its current config"
        ).format(folder=data_dir)
    if pid is None:
        return _("halfway reload: not reloaded (no daemon is running on {folder} either)").format(
            folder=data_dir
        )
    return _(
        "halfway reload: not reloaded: the running daemon (pid {pid}) keeps its current config"
    ).format(pid=pid)
