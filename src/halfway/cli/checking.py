"""`halfway init` and `halfway check`: a starter config written, and a config checked
(its channels masked, the next fires of each nudge, what it still gets wrong)."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from halfway.cli.commands import UsageError, utc_now
from halfway.cli.invocation import load_settings
from halfway.words import invoked
from halfway.words.language import _, ngettext

if TYPE_CHECKING:
    from halfway.config.models import Settings


def cmd_init(args: argparse.Namespace) -> int:
    from importlib import resources

    from halfway.config import loader

    path = Path(args.config or os.environ.get("HALFWAY_CONFIG") or loader.default_path())
    if path.is_dir():
        raise UsageError(
            _("{path}: is a folder; name the file to write, e.g. {file}").format(
                path=path, file=path / "config.toml"
            )
        )
    if path.exists():
        raise UsageError(
            _("{path}: already exists; halfway init never overwrites a config").format(path=path)
        )
    # The starter leaves what only you can fill in (channels, the reply address) commented out.
    text = resources.files("halfway").joinpath("config.example.toml").read_text("utf-8")
    text = text.replace('timezone = "Europe/Berlin"', f'timezone = "{loader.local_zone()}"')
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise UsageError(
            _("{path}: cannot be written ({reason})").format(path=path, reason=error.strerror)
        ) from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    print(_("wrote {path} (readable by you only)").format(path=path))
    print(
        _(
            'next: add a channel under [channels] in it (e.g. phone = "{url}"),'
            " then run '{check}' and '{run}'"
        ).format(
            url="ntfy://ntfy.sh/your-secret-topic",
            check=invoked.command("check"),
            run=invoked.command("run"),
        )
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
    many = ngettext(
        "{source}: valid ({n} warning, at the end)",
        "{source}: valid ({n} warnings, at the end)",
        len(warnings),
    )
    valid = _("{source}: valid") if not warnings else many
    print(valid.format(source=args.source, n=len(warnings)))
    print(
        _("time zone {zone}; data in {folder}").format(
            zone=settings.timezone, folder=settings.data_dir
        )
    )
    key, found = atrest.store_key(settings), atrest.key_path(settings)  # unusable: exit 2
    if key and found:
        print(_("data encrypted at rest, with the key in {path}").format(path=found[1]))
    if samples.is_sample(settings.data_dir, key):
        print(
            "  "
            + _(
                "sample data (made by 'halfway demo-data'): run, send and digest --send print"
                " what goes out here; --real-channels sends it to the channels below"
            )
        )
    print(_("channels:") if settings.channels else _("channels: none yet"))
    for name, urls in settings.channels.items():
        for url in urls:
            print(f"  {name}: {sending.mask(url)}")
    print(
        _("reply links: {url}").format(url=f"{settings.server.public_url}/r/…")
        + (_(" (discreet messages)") if settings.discreet else "")
        + (
            _("; they open on this machine only (set server.listen and public_url for your phone)")
            if loader.on_loopback(settings.server.public_url)
            else ""
        )
    )
    if settings.imap:
        imap = settings.imap
        print(
            _("e-mail replies: {mailbox} ({tls}, every {span})").format(
                mailbox=f"{imap.user}@{imap.host}:{imap.port}/{imap.folder}",
                tls=imap.tls,
                span=loader.duration_text(imap.poll),
            )
        )
    if not settings.partner.record:
        print(
            _(
                "partner side: not recorded ([partner] record = false); what is already"
                " written stays until '{erase}'"
            ).format(erase=invoked.command("erase --partner-side"))
        )
    print(_("nudges (next 3 fires, local time):"))
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
            + (_(" (after quiet hours)") if f.deferred else "")  # as status and upcoming say
            for f in ahead[nudge.id]
        )
        when = when or _("no fire ahead")
        print(f"  {nudge.id} ({nudge.kind}): {when}")
    sys.stdout.flush()
    for line in warnings:
        print(line, file=sys.stderr)
    return 0


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
