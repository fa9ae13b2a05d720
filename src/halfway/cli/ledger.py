"""`halfway ask …`, `halfway boundary …` and `halfway log`: the ledger of clear asks, the
user's boundaries and their log, from the command line. Thin: the rules are in
`ledger/asks` and `ledger/boundaries`, the writes in `ledger/book`; each command imports
them when it runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from halfway.cli.commands import UsageError, utc_now
from halfway.cli.invocation import load_settings
from halfway.core.plaintext import one_line
from halfway.ledger import asks
from halfway.words import invoked
from halfway.words.language import _, ngettext


def add_commands(
    command: Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """The `ask` and `boundary` commands and their actions, on the `halfway` parser."""
    p = command("ask", cmd_ask, _("keep a ledger of your clear asks and how they were answered"))
    p.description = _(
        "One clear, specific ask at a time, and what came of it: a draft until you have "
        "said it, then asked, then agreed, declined or no_answer, then followed_up. An "
        "ask with no change for [asks] rest_after rests on its own; you can rest one at "
        "once. A reply to a clarity-ask nudge writes a draft, and a talk's reflection "
        "moves the asks you said on."
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser(
        "add", parents=[common], add_help=False, help=_("record an ask you have said")
    )
    a.add_argument(
        "text", metavar="TEXT", help=_('what you asked for, e.g. "20 minutes on Saturday about us"')
    )
    a.add_argument("--draft", action="store_true", help=_("not said yet: keep it as a draft"))
    a = actions.add_parser(
        "list", parents=[common], add_help=False, help=_("the open asks (--all: every ask)")
    )
    a.add_argument(
        "--all",
        action="store_true",
        help=_("also the resting and followed-up asks (archived ones too)"),
    )
    a = actions.add_parser(
        "update", parents=[common], add_help=False, help=_("move an ask on to a new state")
    )
    a.add_argument(
        "ask_id", metavar="ID", help=_("from '{list}'").format(list=invoked.command("ask list"))
    )
    a.add_argument("state", metavar="STATE", help=", ".join(asks.STATES[1:]))

    p = command(
        "boundary", cmd_boundary, _("keep your list of boundaries, for your own well-being")
    )
    p.description = _(
        "The boundaries you keep for your own well-being. The boundary nudge names one at "
        "a time, in turn, and keeps each answer (held, strained, crossed) with it. "
        "Boundaries can also be listed in the config as [[boundaries]] with an id and text."
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    a = actions.add_parser(
        "add", parents=[common], add_help=False, help=_("add a boundary, in your own words")
    )
    a.add_argument(
        "text", metavar="TEXT", help=_('the boundary, in your words, e.g. "I take my evening walk"')
    )
    a = actions.add_parser(
        "list", parents=[common], add_help=False, help=_("your boundaries and their latest answers")
    )
    a.add_argument("--all", action="store_true", help=_("also those retired long ago (archived)"))
    a = actions.add_parser(
        "retire", parents=[common], add_help=False, help=_("set a boundary aside; answers stay")
    )
    a.add_argument(
        "boundary_id",
        metavar="ID",
        help=_("from '{list}'").format(list=invoked.command("boundary list")),
    )


def cmd_ask(args: argparse.Namespace) -> int:
    from halfway.ledger import book, listing
    from halfway.store.atrest import open_store

    settings = load_settings(args)
    if args.action == "add":
        try:
            asks.text_of(args.text)  # before the data folder is touched
        except asks.AskError as error:
            raise UsageError(f"TEXT: {error}") from None
    store, now = open_store(settings, create=args.action != "list"), utc_now()
    if args.action == "add":
        ask = book.add_ask(store, args.text, now, draft=args.draft)
        update = invoked.command(f"ask update {ask['id']}")
        if args.draft:
            print(
                _("kept as a draft, just for you ({id}); once said: '{update}'").format(
                    id=ask["id"], update=f"{update} asked"
                )
            )
        else:
            print(
                _("noted your ask ({id}); '{update}' and so on").format(
                    id=ask["id"], update=f"{update} agreed"
                )
            )
        return 0
    if args.action == "update":
        try:
            state = asks.named(args.state)  # `made`, as older versions said, is `asked`
        except asks.AskError as error:
            raise UsageError(f"STATE: {error}") from None
        try:
            ask = book.update_ask(store, args.ask_id, state, now)
        except book.LedgerError as error:
            raise UsageError(f"ID: {error}") from None
        except asks.AskError as error:
            raise UsageError(f"STATE: {error}") from None
        print(_("ask {id} is now {state}").format(id=ask["id"], state=ask["state"]))
        return 0
    shown, resting, read = listing.asks_shown(store, now, settings.asks.rest_after, args.all)
    for ask in shown:
        text = one_line(ask["text"])
        at = listing.stamp(ask["at"], settings.tz)
        print(f"{ask['id']}  {at}  {ask['state']:<11}  {text}")
    if not shown:
        print(_("no asks yet") if args.all or not read else _("no open asks"))
    if resting and not args.all:
        print(
            ngettext(
                "{n} resting ('{list}' shows them)", "{n} resting ('{list}' shows them)", resting
            ).format(n=resting, list=invoked.command("ask list --all"))
        )
    return 0


def cmd_boundary(args: argparse.Namespace) -> int:
    from halfway.ledger import book, boundaries, listing
    from halfway.store.atrest import open_store

    settings = load_settings(args)
    try:
        if args.action == "add":
            boundaries.text_of(args.text)  # before the data folder is touched
        store, now = open_store(settings, create=args.action != "list"), utc_now()
        if args.action == "add":
            added = book.add_boundary(store, args.text, now)
            print(
                _("added boundary {id}: {text}").format(
                    id=added["id"], text=one_line(added["text"])
                )
            )
            return 0
        if args.action == "retire":
            retired = book.retire_boundary(store, args.boundary_id, now)
            print(_("retired boundary {id}; its answers are kept").format(id=retired["id"]))
            return 0
    except boundaries.BoundaryError as error:
        raise UsageError(f"{'TEXT' if args.action == 'add' else 'ID'}: {error}") from None
    except book.LedgerError as error:
        raise UsageError(f"ID: {error}") from None
    shown = listing.boundaries_shown(store, everything=getattr(args, "all", False))
    for boundary in shown:
        latest = listing.latest_answer(boundary)
        at = listing.stamp(latest["at"], settings.tz) if latest else ""
        last = (
            " · " + _("last: {answer} ({at})").format(answer=latest["value"], at=at)
            if latest
            else ""
        )
        state = "" if boundary.get("active") else _(" (retired)")
        print(f"{boundary['id']}{state}: {one_line(boundary['text'])}{last}")
    if not shown:
        print(
            _("no boundaries yet; add one with '{add}'").format(
                add=invoked.command("boundary add TEXT")
            )
        )
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    from halfway.ledger import book
    from halfway.store.atrest import open_store

    settings = load_settings(args)
    now = utc_now()
    try:  # checked before the data folder is touched; the app's pages say the same
        book.entry(args.kind, args.text, args.by, now)
    except book.LedgerError as error:
        field, problem = book.entry_problem(error)
        raise UsageError(f"{field.upper()}: {problem}") from None
    # the same write as the app's log page and calm minute (the reply page: add_link_entry)
    saved = book.add_entry(open_store(settings), args.kind, args.text, args.by, now)
    print(_("noted ({id})").format(id=saved["id"]))
    return 0
