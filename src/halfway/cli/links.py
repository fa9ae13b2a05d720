"""`halfway links`, `halfway links revoke digest|calendar`, `halfway calendar-url` and
`halfway erase`: the private links (see `links`) and deleting everything (see `erase`).

Every address is made from this config's `server.public_url` (by default
`http://{server.listen}`), never from another config or another daemon's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from halfway.cli.commands import UsageError
from halfway.cli.invocation import load_settings
from halfway.words import invoked
from halfway.words.language import N_, _, ngettext

if TYPE_CHECKING:
    from halfway.config.models import Settings

LINKS_HELP = N_(
    "print your private links: the private app (your digests, talks, asks) and the calendar feed"
)


def links_epilog() -> str:
    revoke = invoked.command("links revoke")
    return _(
        "Each link has its own token, kept in the data folder apart from the reply key. "
        "'{revoke} private' (or 'digest') or '{revoke} calendar' "
        "replaces one: its old address answers 403 at once, the running daemon included, and "
        "the new one is printed. Revoking the private link also signs out every browser it "
        "opened the app in (a lost phone: this one command). Reply links in your nudges keep "
        "working."
    ).format(revoke=revoke)


REVOKE_HELP = N_("replace one private link: the old one stops opening at once")
ERASE_HELP = N_("delete everything halfway keeps in the data folder, the reply key included")
ERASE_EPILOG = N_(
    "Removes the data file and its archives, the reply key, the link tokens, the locks: "
    "everything halfway wrote in the data folder, after you type the folder's name to "
    "confirm (or with --yes). It refuses while a halfway daemon runs on that folder: stop "
    "it first. Your config file is left as it is; the command says where it is. "
    "With --partner-side it removes only your partner's side: what was logged as theirs, "
    "the gestures noticed, the movement answers of the weekly review and the talks' "
    "reflections (your own notes and energy stay), and which talks they began. To stop "
    "recording it from now on, set [partner] record = false in the config file."
)
PARTNER_SIDE = N_(
    "what was logged as your partner's, the gestures you noticed, the movement answers of "
    "the weekly review and the talks' reflections (your own notes and energy answers stay), "
    "and which talks they began"
)


def add_commands(
    command: Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """`links [revoke KIND]`, `calendar-url`, `erase [--yes]` on the main parser."""
    from halfway.store import links

    p = command("links", cmd_links, _(LINKS_HELP))
    p.description, p.epilog = _(LINKS_HELP), links_epilog()
    p.set_defaults(kind=None)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    revoke = actions.add_parser(
        "revoke", parents=[common], add_help=False, help=_(REVOKE_HELP), description=_(REVOKE_HELP)
    )
    revoke.epilog = links_epilog()
    revoke.add_argument(
        "kind",
        metavar="LINK",
        choices=sorted(links.NAMES),
        help=_("private (the private app and its digests; 'digest' is the same) or calendar"),
    )
    command(
        "calendar-url",
        cmd_calendar_url,
        _("print the address of your calendar feed (planned talks, weekly reviews)"),
    )
    p = command("erase", cmd_erase, _(ERASE_HELP))
    p.description, p.epilog = _(ERASE_HELP), _(ERASE_EPILOG)
    p.add_argument(
        "--yes",
        action="store_true",
        help=_("do not ask for the folder's name (no terminal needed)"),
    )
    p.add_argument(
        "--partner-side",
        action="store_true",
        help=_("remove only what was recorded of your partner's side; everything else stays"),
    )


def _tokens(settings: Settings, name: str) -> dict[str, str] | None:
    """The link tokens, or None after saying (exit 1) that the daemon makes them."""
    from halfway.store import links

    found = links.read(settings.data_dir)
    if found is None:
        print(
            f"halfway {name}: "
            + _(
                "no private links yet in {folder}; halfway makes them"
                " when it first starts ('{run}'), then ask again"
            ).format(folder=settings.data_dir, run=invoked.command("run")),
            file=sys.stderr,
        )
    return found


def other_daemon(settings: Settings) -> str | None:
    """A warning when the address the links point at is answered by a halfway that runs
    on other data (another config's daemon): its links would answer 403 there."""
    from halfway.cli.upcoming import fetch_health
    from halfway.config import loader
    from halfway.store import runlock

    if not loader.on_loopback(f"http://{settings.server.listen}"):
        return None  # only a daemon on loopback says its pid (and answers at once)
    health = fetch_health(settings.server.listen)
    if health is None or "pid" not in health:
        return None
    held = runlock.running(settings.data_dir) if runlock.present(settings.data_dir) else None
    if held == health["pid"]:
        return None
    return _(
        "note: the halfway answering at {url} (pid {pid})"
        " runs on other data, not on {folder}; these links open only where the"
        " daemon of this data listens: check server.listen (and HALFWAY_SERVER__LISTEN)"
    ).format(url=settings.server.public_url, pid=health["pid"], folder=settings.data_dir)


def addresses(settings: Settings, found: dict[str, str]) -> dict[str, str]:
    """Each link's address, from this config's public_url."""
    from halfway.store import links

    warning = other_daemon(settings)
    if warning:
        print(warning, file=sys.stderr)
    base = settings.server.public_url
    return {
        "digest": links.digest_url(base, found["digest"]),
        "calendar": links.calendar_url(base, found["calendar"]),
    }


def cmd_links(args: argparse.Namespace) -> int:
    from halfway.store import links

    settings = load_settings(args)
    if args.action == "revoke":
        kind = links.NAMES[args.kind]
        if not links.path_of(settings.data_dir).exists():
            _tokens(settings, "links revoke")  # says the daemon's first start makes them
            return 1
        found = links.revoke(settings.data_dir, kind)
        label = _(links.LABELS[kind])
        print(
            _(
                "revoked: the old {label} link answers 403 from now on"
                " (the running daemon included); reply links keep working"
            ).format(label=label)
        )
        print(_("new {label}: {url}").format(label=label, url=addresses(settings, found)[kind]))
        return 0
    shown = _tokens(settings, "links")
    if shown is None:
        return 1
    for kind, url in addresses(settings, shown).items():
        print(f"{_(links.LABELS[kind])}: {url}")
    revoke = invoked.command("links revoke")
    print(_("revoke one with '{revoke} digest' or '{revoke} calendar'").format(revoke=revoke))
    return 0


def cmd_calendar_url(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    found = _tokens(settings, "calendar-url")  # never made here: the daemon makes them
    if found is None:
        return 1
    print(addresses(settings, found)["calendar"])
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    from halfway.cli import erase

    settings = load_settings(args)
    if args.partner_side:
        return _erase_partner_side(args, settings)
    folder = settings.data_dir
    found = erase.ours(folder)
    if not found:
        print(_("nothing of halfway's in {folder}; nothing was erased").format(folder=folder))
        print(config_left(args))
        return 0
    told = [
        _("This deletes everything halfway keeps in {folder}, the reply key included:").format(
            folder=folder
        )
    ]
    told += [f"  {path}" for path in found]
    told.append(_("It cannot be undone. Nothing is deleted from your config file."))
    if not confirmed(args, folder, told, _("to erase it")):
        return 1
    try:
        removed, left = erase.erase(folder)
    except erase.Running as error:
        print(f"halfway erase: {error}", file=sys.stderr)
        return 1
    for path in removed:
        print(_("removed {path}").format(path=path))
    folders = sum(1 for path in removed if path in (folder, folder / erase.ARCHIVE))
    files = len(removed) - folders
    erased = ngettext("{n} file", "{n} files", files).format(n=files)
    if folders:
        erased = _("{files} and {folders}").format(
            files=erased, folders=ngettext("{n} folder", "{n} folders", folders).format(n=folders)
        )
    print(_("erased {what} halfway kept in {folder}").format(what=erased, folder=folder))
    for path in left:
        print(_("left alone (not halfway's): {path}").format(path=path))
    print(config_left(args))
    return 0


def config_left(args: argparse.Namespace) -> str:
    return _("your config file is left as it is: {path}").format(path=Path(args.source).resolve())


def _erase_partner_side(args: argparse.Namespace, settings: Settings) -> int:
    """`erase --partner-side`: the partner's side only (see `care.engage`), confirmed."""
    from halfway.care import engage
    from halfway.store import runlock
    from halfway.store.atrest import open_store

    folder = settings.data_dir
    if not settings.db_path.exists():
        print(_("no halfway data in {folder}; nothing was erased").format(folder=folder))
        return 0
    told = [
        _("This removes your partner's side from {folder}: {what}.").format(
            folder=folder, what=_(PARTNER_SIDE)
        )
    ]
    told.append(_("Everything else stays. It cannot be undone."))
    if not confirmed(args, folder, told, _("to go ahead")):
        return 1
    try:  # the daemon's own lock, held throughout: no daemon starts on it half-way
        lock = runlock.hold(folder)
    except runlock.AlreadyRunning as error:
        print(
            "halfway erase: "
            + _("{problem}; stop it first. Nothing was erased").format(problem=error),
            file=sys.stderr,
        )
        return 1
    try:
        done = engage.erase_partner_side(open_store(settings))
    finally:
        lock.release()
    removed = sum(len(ids) for ids in done.removed.values())
    changed = sum(len(ids) for ids in done.changed.values())
    if not removed and not changed:
        print(_("nothing of your partner's side was recorded; nothing was erased"))
    else:
        print(
            ngettext(
                "removed {n} record of your partner's side",
                "removed {n} records of your partner's side",
                removed,
            ).format(n=removed)
            + (
                ngettext(
                    " and took it out of {n} other", " and took it out of {n} others", changed
                ).format(n=changed)
                if changed
                else ""
            )
        )
    if settings.partner.record:
        print(_("to stop recording it from now on: set [partner] record = false in your config"))
    return 0


def confirmed(args: argparse.Namespace, folder: Path, told: list[str], ahead: str) -> bool:
    """Whether `erase` may go ahead on `folder`: no daemon runs on it, and `--yes` or the
    folder's name typed after `told` (each refusal said on stderr). UsageError with no
    terminal to ask on."""
    from halfway.cli import erase

    if not args.yes and not sys.stdin.isatty():
        raise UsageError(_("no terminal to confirm on; pass --yes to erase without being asked"))
    running = erase.running_daemon(folder)
    if running:
        print(f"halfway erase: {running}", file=sys.stderr)
        return False
    if args.yes:
        return True
    print("\n".join(told))
    try:
        typed = input(
            _("Type the folder's name ({name}) {ahead}: ").format(name=folder.name, ahead=ahead)
        )
    except EOFError:
        typed = ""
    if typed.strip() != folder.name:
        print(
            "halfway erase: " + _("that is not the folder's name; nothing was erased"),
            file=sys.stderr,
        )
        return False
    return True
