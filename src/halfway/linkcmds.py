"""`halfway links`, `halfway links revoke digest|calendar` and `halfway calendar-url`:
the private links (see `links`).

Every address is made from this config's `server.public_url` (by default
`http://{server.listen}`), never from another config or another daemon's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from halfway.settings import load_settings

if TYPE_CHECKING:
    from halfway.config import Settings

LINKS_HELP = "print your private links: the private page (your digests) and the calendar feed"
LINKS_EPILOG = (
    "Each link has its own token, kept in the data folder apart from the reply key. "
    "'halfway links revoke digest' (or 'private') or 'halfway links revoke calendar' "
    "replaces one: its old address answers 403 at once, the running daemon included, and "
    "the new one is printed. Reply links in your nudges keep working."
)
REVOKE_HELP = "replace one private link: the old one stops opening at once"


def add_commands(command: Callable[..., Any], common: argparse.ArgumentParser) -> None:
    """`links [revoke KIND]` and `calendar-url` on the main parser."""
    from halfway import links

    p = command("links", cmd_links, LINKS_HELP)
    p.description, p.epilog = LINKS_HELP, LINKS_EPILOG
    p.set_defaults(kind=None)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    revoke = actions.add_parser(
        "revoke", parents=[common], help=REVOKE_HELP, description=REVOKE_HELP
    )
    revoke.epilog = LINKS_EPILOG
    revoke.add_argument(
        "kind",
        metavar="LINK",
        choices=sorted(links.NAMES),
        help="digest (the private page; 'private' is the same) or calendar",
    )
    command(
        "calendar-url",
        cmd_calendar_url,
        "print the address of your calendar feed (planned talks, weekly reviews)",
    )


def _tokens(settings: Settings, name: str) -> dict[str, str] | None:
    """The link tokens, or None after saying (exit 1) that the daemon makes them."""
    from halfway import links

    found = links.read(settings.data_dir)
    if found is None:
        print(
            f"halfway {name}: no private links yet in {settings.data_dir}; halfway makes them"
            " when it first starts ('halfway run'), then ask again",
            file=sys.stderr,
        )
    return found


def other_daemon(settings: Settings) -> str | None:
    """A warning when the address the links point at is answered by a halfway that runs
    on other data (another config's daemon): its links would answer 403 there."""
    from halfway import config, runlock
    from halfway.lookahead import fetch_health

    if not config.on_loopback(f"http://{settings.server.listen}"):
        return None  # only a daemon on loopback says its pid (and answers at once)
    health = fetch_health(settings.server.listen)
    if health is None or "pid" not in health:
        return None
    held = runlock.running(settings.data_dir) if runlock.present(settings.data_dir) else None
    if held == health["pid"]:
        return None
    return (
        f"note: the halfway answering at {settings.server.public_url} (pid {health['pid']})"
        f" runs on other data, not on {settings.data_dir}; these links open only where the"
        " daemon of this data listens: check server.listen (and HALFWAY_SERVER__LISTEN)"
    )


def addresses(settings: Settings, found: dict[str, str]) -> dict[str, str]:
    """Each link's address, from this config's public_url."""
    from halfway import links

    warning = other_daemon(settings)
    if warning:
        print(warning, file=sys.stderr)
    base = settings.server.public_url
    return {
        "digest": links.digest_url(base, found["digest"]),
        "calendar": links.calendar_url(base, found["calendar"]),
    }


def cmd_links(args: argparse.Namespace) -> int:
    from halfway import links

    settings = load_settings(args)
    if args.action == "revoke":
        kind = links.NAMES[args.kind]
        if _tokens(settings, "links revoke") is None:
            return 1
        links.revoke(settings.data_dir, kind)
        found = links.required(settings.data_dir)
        print(
            f"revoked: the old {links.LABELS[kind]} link answers 403 from now on"
            " (the running daemon included); reply links keep working"
        )
        print(f"new {links.LABELS[kind]}: {addresses(settings, found)[kind]}")
        return 0
    shown = _tokens(settings, "links")
    if shown is None:
        return 1
    for kind, url in addresses(settings, shown).items():
        print(f"{links.LABELS[kind]}: {url}")
    print("revoke one with 'halfway links revoke digest' or 'halfway links revoke calendar'")
    return 0


def cmd_calendar_url(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    found = _tokens(settings, "calendar-url")  # never made here: the daemon makes them
    if found is None:
        return 1
    print(addresses(settings, found)["calendar"])
    return 0
