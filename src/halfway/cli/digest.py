"""`halfway digest`: preview a week's digest in the terminal or as an HTML file, send it
now through the outbox, or print the address of its private page."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from halfway.cli.commands import UsageError, send_recorded, utc_now
from halfway.cli.invocation import load_settings
from halfway.words import invoked
from halfway.words.language import N_, _

if TYPE_CHECKING:
    from datetime import datetime

    from halfway.config.models import Settings
    from halfway.store.database import Store

DESCRIPTION = N_(
    "Your weekly digest: what you did, what moved, the small gestures you noticed, and "
    "the trend over 8 weeks. Without options it prints last week's digest here."
)


def epilog() -> str:
    digest = invoked.command("digest")
    return _(
        "Examples: '{digest}', '{digest} --week 2026-W48 --out week48.html', "
        "'{digest} --send', '{digest} --link'. A week that cannot be, or has not "
        "begun, exits 2. "
        "'{digest} --year 2026' looks back over a year, gently (with --out, as HTML); "
        "a year with fewer than 8 weeks written down has no look back: it says so and "
        "exits 0."
    ).format(digest=digest)


class AddCommand(Protocol):
    """main's `command`: a subcommand's parser, added with its function and help."""

    def __call__(
        self,
        name: str,
        func: Callable[[argparse.Namespace], int],
        text: str,
        checks_channels: bool = False,
    ) -> argparse.ArgumentParser: ...


def add_command(command: AddCommand) -> None:
    p = command("digest", cmd_digest, _("show, save or send a week's digest"), checks_channels=True)
    p.description, p.epilog = _(DESCRIPTION), epilog()
    p.add_argument(
        "--week", metavar="WEEK", help=_("an ISO week like 2026-W48 (default: the last whole week)")
    )
    p.add_argument(
        "--year", metavar="YYYY", help=_("a year in review instead of a week, like 2026")
    )
    p.add_argument(
        "--out", metavar="FILE", help=_("write the digest as HTML to FILE (readable by you only)")
    )
    p.add_argument(
        "--force",
        action="store_true",
        help=_("with --out: replace FILE if it exists; with --send: send a week already sent"),
    )
    p.add_argument(
        "--send", action="store_true", help=_("send it now to the [digest] channels (the outbox)")
    )
    p.add_argument("--link", action="store_true", help=_("print the address of its private page"))
    p.add_argument(
        "--real-channels",
        action="store_true",
        help=_("with --send on sample data (demo-data): send to the config's channels"),
    )


def cmd_digest(args: argparse.Namespace) -> int:
    from halfway.core import schedule
    from halfway.core.deliveries import SENT
    from halfway.core.instants import parse_instant
    from halfway.digest import figures, render, weekly
    from halfway.store import links, samples
    from halfway.store.atrest import open_store
    from halfway.words import discretion

    settings = load_settings(args)
    now = utc_now()
    if args.year is not None:
        return year_review(args, settings, now)
    week = args.week or figures.last_complete_week(now, settings.tz)
    try:
        figures.monday_of(week, now, settings.tz)
    except ValueError as error:
        raise UsageError(f"--week: {error}") from None
    store = open_store(settings, create=args.send)  # only --send writes
    if args.link:  # from this config's public_url; the token is the private page's own
        from halfway.cli.links import other_daemon

        token = links.required(store.data_dir)["digest"]
        print(links.digest_url(settings.server.public_url, token, week if args.week else None))
        warning = other_daemon(settings)
        if warning:
            print(warning, file=sys.stderr)
        return 0
    if args.send:
        settings = samples.printing(settings, args.real_channels)
        sent = [
            d
            for d in store.everything(since_month=week[:4] + "-01")["deliveries"]
            if d.get("nudge_id") == weekly.nudge_id(week) and d.get("state") == SENT
        ]
        if sent and not args.force:
            when = schedule.clock_text(parse_instant(sent[-1]["scheduled_for"]), settings.tz)
            raise UsageError(
                _(
                    "--send: the digest of {week} went out already ({when}); "
                    "add --force to send it again"
                ).format(week=week, when=when)
            )
        return send(settings, store, week)
    found = weekly.build(store, settings, week, now)
    if args.out:
        from halfway.cli.history import write_private

        html = render.mail_html(found, None, discretion.frame(settings)).encode()
        write_private(Path(args.out), html, args.force, option="--out")
        print(_("wrote {path} (readable by you only)").format(path=args.out))
        return 0
    print(render.text(found, frame=discretion.frame(settings)), end="")
    return 0


def year_review(args: argparse.Namespace, settings: Settings, now: datetime) -> int:
    """`halfway digest --year YYYY [--out FILE [--force]]`: a year in review."""
    from halfway.digest import year
    from halfway.store.atrest import open_store
    from halfway.words import discretion

    if args.week or args.send or args.link:
        raise UsageError(
            _("--year: a year is only shown or saved; leave out --week, --send, --link")
        )
    try:
        number = year.year_of(args.year, now, settings.tz)
    except ValueError as error:
        raise UsageError(f"--year: {error}") from None
    found = year.read(open_store(settings, create=False), number, settings.tz, now)
    if found is None:
        print(year.too_little(number))
        return 0
    frame = discretion.frame(settings)
    if args.out:
        from halfway.cli.history import write_private

        write_private(
            Path(args.out), year.file_html(found, frame).encode(), args.force, option="--out"
        )
        print(_("wrote {path} (readable by you only)").format(path=args.out))
        return 0
    print(year.text(found, frame), end="")
    return 0


def send(settings: Settings, store: Store, week: str) -> int:
    from halfway.digest.weekly import DigestNudges
    from halfway.store import links

    links.required(store.data_dir)  # the page's link goes with it: made by the daemon
    nudges = DigestNudges(settings, store, utc_now)
    if not nudges.channels():
        raise UsageError(_("--send: no channel to send to; add one under [channels]"))
    return send_recorded(settings, store, nudges.send_now(week))
