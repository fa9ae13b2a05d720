"""`halfway talk add|list|move|cancel|done`: thin commands over `talks/planning`.

Bad input (a WHEN it cannot read, an unknown id, a change a talk cannot take) is
one line and exit 2, and changes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from halfway.cli.commands import UsageError, utc_now
from halfway.cli.invocation import load_settings
from halfway.words import invoked
from halfway.words.language import N_, _, ngettext

if TYPE_CHECKING:
    from halfway.config.models import Settings
    from halfway.store.database import Record
    from halfway.talks.when import When


def cmd_talk_add(args: argparse.Namespace) -> int:
    from halfway.store.atrest import open_store
    from halfway.talks import display, planning

    settings = load_settings(args)
    now = utc_now()
    when = read_talk_time(args.when, settings, now)
    try:
        store = open_store(settings)
        talk = planning.add(store, settings, when.at, args.topic, now, by=args.by)
    except planning.TalkError as error:
        raise UsageError(str(error)) from None
    print(
        _("planned talk {id}: {head}").format(
            id=talk["id"], head=display.talk_head(talk, settings.tz)
        )
    )
    print_chain(talk, settings, now)
    if when.note:
        print(_("note: {note}").format(note=when.note))
    print_asleep(talk, settings)
    warn_near(talk, settings)
    return 0


def cmd_talk_list(args: argparse.Namespace) -> int:
    from halfway.store.atrest import open_store
    from halfway.talks import display, planning, rules

    settings = load_settings(args)
    store = open_store(settings, create=False)
    # A talk done or cancelled leaves the hot file after a week (layout.py); --all reads
    # the archives too, and shows the cancelled ones.
    found = store.everything()["talks"] if args.all else store.view().records("talks")
    everything = planning.listing(found)
    shown = [t for t in everything if args.all or t["state"] != rules.CANCELLED]
    hidden = hidden_line(len(everything) - len(shown))
    if not everything:
        when = _("sat 19:00")  # a WHEN, as the language says it
        add = invoked.command(f'talk add "{when}"')
        print(_("no talks planned yet; plan one with '{add}'").format(add=add))
    elif not shown:
        print(_("no talks planned; {hidden}").format(hidden=hidden))
    now = utc_now()
    for talk in shown:
        moves = sum(1 for h in talk["history"] if h["state"] == rules.MOVED)
        moved = _(" (moved {n}×)").format(n=moves) if moves else ""
        print(f"{talk['id']}  {talk['state']}{moved}  {display.talk_head(talk, settings.tz)}")
        print_chain(talk, settings, now)
    if shown and hidden:
        print(hidden)
    return 0


def hidden_line(count: int) -> str:
    """'1 cancelled talk is hidden …', or '' when none is."""
    if count == 0:
        return ""
    return ngettext(
        "{n} cancelled talk is hidden; 'halfway talk list --all' shows it",
        "{n} cancelled talks are hidden; 'halfway talk list --all' shows them",
        count,
    ).format(n=count)


def cmd_talk_move(args: argparse.Namespace) -> int:
    from halfway.store.atrest import open_store
    from halfway.talks import display, planning

    settings = load_settings(args)
    now = utc_now()
    when = read_talk_time(args.when, settings, now)
    try:
        talk = planning.move(open_store(settings), settings, args.id, when.at, now)
    except planning.TalkError as error:
        raise UsageError(f"ID: {error}") from None
    print(
        _("moved talk {id} to {head}").format(
            id=talk["id"], head=display.talk_head(talk, settings.tz)
        )
    )
    print_chain(talk, settings, now)
    if when.note:
        print(_("note: {note}").format(note=when.note))
    warn_near(talk, settings)
    return 0


def cmd_talk_cancel(args: argparse.Namespace) -> int:
    from halfway.store.atrest import open_store
    from halfway.talks import planning

    settings = load_settings(args)
    try:
        talk = planning.cancel(open_store(settings), args.id, utc_now())
    except planning.TalkError as error:
        raise UsageError(f"ID: {error}") from None
    stopped = sum(1 for e in talk["chain"] if e.get("reason") == planning.TALK_CANCELLED)
    print(
        ngettext(
            "cancelled talk {id}; {n} nudge of its chain will not be sent",
            "cancelled talk {id}; {n} nudges of its chain will not be sent",
            stopped,
        ).format(id=talk["id"], n=stopped)
    )
    return 0


def cmd_talk_done(args: argparse.Namespace) -> int:
    from halfway.core.instants import parse_instant
    from halfway.core.schedule import clock_text
    from halfway.store.atrest import open_store
    from halfway.talks import planning, rules

    settings = load_settings(args)
    try:
        talk = planning.done(open_store(settings), args.id, utc_now(), early=args.early)
    except rules.NotBegun as error:
        raise UsageError(
            _("{problem} ({when}); if it took place sooner, add --early").format(
                problem=error, when=clock_text(error.at, settings.tz)
            )
        ) from None
    except planning.TalkError as error:
        raise UsageError(f"ID: {error}") from None
    reflection = next(
        (
            e
            for e in talk["chain"]
            if e["kind"] == "talk_reflection" and e["state"] == planning.STEP_PLANNED
        ),
        None,
    )
    later = (
        _("; the reflection comes {when}").format(
            when=clock_text(parse_instant(reflection["due_at"]), settings.tz)
        )
        if reflection
        else ""
    )
    print(_("well done for showing up: talk {id} is marked done").format(id=talk["id"]) + later)
    return 0


# shared pieces ------------------------------------------------------------------


def read_talk_time(text: str, settings: Settings, now: datetime) -> When:
    from halfway.talks.when import WhenError, talk_time

    try:
        return talk_time(text, now, settings.tz, settings.date_order)
    except WhenError as error:
        raise UsageError(f"WHEN: {error}") from None


def warn_near(talk: Record, settings: Settings) -> None:
    """A warning on stderr for each other planned talk within an hour of `talk`: both
    stay planned (two talks close together may be meant), but it may be a slip."""
    from halfway.store.atrest import open_store
    from halfway.talks import display

    others = open_store(settings, create=False).view().records("talks")
    for other in display.near_talks(talk, others):
        print(
            _("warning: {problem}").format(problem=display.near_warning(other, settings.tz)),
            file=sys.stderr,
        )


def print_asleep(talk: Record, settings: Settings) -> None:
    """Say so when no daemon runs on this data: the talk's nudges wait for it."""
    from halfway.store import runlock
    from halfway.talks import planning

    if not any(e["state"] == planning.STEP_PLANNED for e in talk.get("chain", [])):
        return
    try:
        if runlock.running(settings.data_dir) is not None:
            return
    except OSError:  # the lock cannot be read: say nothing rather than something wrong
        return
    print(_("note: halfway is not running right now; these nudges go out once it runs"))


def print_chain(talk: Record, settings: Settings, now: datetime) -> None:
    from halfway.store.atrest import open_store
    from halfway.talks import planning

    # A step inside a pause of everything is skipped when its time comes: say so now.
    spans = planning.paused_all(open_store(settings, create=False).view().records("nudges"))
    for line in chain_lines(talk, settings, now, spans):
        print(f"  {line}")


def chain_lines(
    talk: Record,
    settings: Settings,
    now: datetime,
    spans: tuple[tuple[datetime, datetime | None], ...] = (),
) -> list[str]:
    """One line per step of the chain (`talks.display.chain_steps`)."""
    from halfway.talks import display

    return [
        f"{kind:<16} {shown}" for kind, shown in display.chain_steps(talk, settings, now, spans)
    ]


WHEN_HELP = N_(
    "when: 'sat 19:00', 'next fri at 7pm', 'tomorrow 20:30', 'tonight 21:00', '20:30' (today),"
    " 'in 2 hours', 'in 3 days 18:00', '2026-12-05 19:00' or a date in your date_order"
    " ('05.12. 19:00', '12/5 19:00'); always with a time"
)


Command = Callable[[argparse.Namespace], int]  # a command's function: its exit code


def add_commands(
    command: Callable[[str, Command, str], argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """`halfway talk add|list|move|cancel|done`, on the `halfway` parser (`common`: the
    options every command takes; its class, for the actions' own parsers)."""
    talk = command(
        "talk",
        cmd_talk_list,
        _(
            "plan a talk: a clarity ask and a reframe the evening before, a minute to "
            "calm yourself before it, a reflection after"
        ),
    )
    actions = talk.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=type(common)
    )

    def action(name: str, func: Command, text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = actions.add_parser(
            name, parents=[common], add_help=False, help=text, description=text
        )
        p.set_defaults(func=func)
        return p

    p = action("add", cmd_talk_add, _("plan a talk at WHEN and the nudges around it"))
    p.add_argument("when", metavar="WHEN", help=_(WHEN_HELP) + _(", in your configured time zone"))
    p.add_argument("--topic", metavar="TEXT", help=_("what the talk is about (a few words)"))
    p.add_argument(
        "--by",
        choices=("me", "partner"),
        help=_("whose idea the talk was (partner: they began it, and that is movement)"),
    )
    p = action("list", cmd_talk_list, _("list the talks: planned ones first, with their nudges"))
    p.add_argument(
        "--all", action="store_true", help=_("also the cancelled talks, and those of long ago")
    )
    p = action("move", cmd_talk_move, _("move a planned talk; its nudges move with it"))
    talk_id = _("the talk's id, from '{list}'").format(list=invoked.command("talk list"))
    p.add_argument("id", metavar="ID", help=talk_id)
    p.add_argument("when", metavar="WHEN", help=_(WHEN_HELP))
    for name, func, text in (
        ("cancel", cmd_talk_cancel, _("call a talk off; its nudges not yet sent are cancelled")),
        ("done", cmd_talk_done, _("mark a talk as taken place; the reflection still comes")),
    ):
        p = action(name, func, text)
        p.add_argument("id", metavar="ID", help=talk_id)
        if name == "done":
            p.add_argument(
                "--early", action="store_true", help=_("it took place before its planned time")
            )
