"""The `halfway` command: the argument parser, and the exit codes around each command.

Exit codes: 0 success, 2 bad input (config or arguments, with a one-line
reason per problem; or run as another user than the data folder's owner, with the
`sudo -u OWNER …` line), 1 anything else. No traceback unless --debug.
`status` also exits 3 when no daemon runs on this data, and 1 when one runs but its
work fails; with a config that does not load it still says first whether a daemon
runs (found through what can be read of the config, and the data folder's lock),
then the config's problem, and exits 2: the file stops a start and a reload alike.
`reload` with such a config signals nothing, and says the daemon keeps its own.

Nothing heavy is imported before a command runs, and then only what it uses
(see `commands`): `--version` does not even load the settings' models.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from halfway import __version__
from halfway.cli.atrest import add_commands as add_atrest_commands
from halfway.cli.backup import add_commands as add_backup_commands
from halfway.cli.channeltest import cmd_test_channel
from halfway.cli.checking import cmd_check, cmd_init
from halfway.cli.commands import (
    UsageError,
    cmd_pause,
    cmd_reload,
    cmd_reply,
    cmd_resume,
    cmd_run,
    cmd_send,
)
from halfway.cli.demodata import add_command as add_demo_data_command
from halfway.cli.digest import add_command as add_digest_command
from halfway.cli.history import cmd_accept_loss, cmd_export, cmd_history
from halfway.cli.ledger import add_commands as add_ledger_commands
from halfway.cli.ledger import cmd_log
from halfway.cli.links import add_commands as add_link_commands
from halfway.cli.speech import Parser, days_ahead, early, history_since, positive_int
from halfway.cli.summary import add_command as add_summary_command
from halfway.cli.talk import add_commands as add_talk_commands
from halfway.cli.upcoming import cmd_status, cmd_upcoming
from halfway.words import invoked, language
from halfway.words.language import _

if TYPE_CHECKING:
    from halfway.store.owners import WrongOwner

ENTRY_KINDS = ("gesture", "initiation", "boundary", "note", "hurt")  # as ledger.ENTRY_KINDS


# the parser ---------------------------------------------------------------


def build_parser() -> Parser:
    common = Parser(add_help=False)
    common.add_argument(  # argparse's own -h, in the language (every parser takes it from here)
        "-h",
        "--help",
        action="help",
        default=argparse.SUPPRESS,
        help=_("show this help message and exit"),
    )
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help=_(
            "config file (default: $HALFWAY_CONFIG, else $XDG_CONFIG_HOME/halfway/config.toml"
            " (~/.config/halfway/config.toml when unset), else /etc/halfway/config.toml)"
        ),
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help=_("show full tracebacks and debug logs"),
    )
    parser = Parser(
        prog="halfway",
        parents=[common],
        add_help=False,
        description=_(
            "halfway: gentle, timed nudges for the person doing their half of a "
            "relationship, with every answer kept on your own machine. "
            "A companion, not professional advice."
        ),
        epilog=_("Try it with no account: '{demo}'. Start for real: '{init}'.").format(
            demo=invoked.command("run --demo"), init=invoked.command("init")
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"halfway {__version__}",
        help=_("show program's version number and exit"),
    )
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )

    def command(
        name: str,
        func: Callable[[argparse.Namespace], int],
        text: str,
        checks_channels: bool = False,
    ) -> Parser:
        p: Parser = sub.add_parser(
            name, parents=[common], add_help=False, help=text, description=text
        )
        # Only what sends or validates channels loads apprise to check their URLs.
        p.set_defaults(func=func, checks_channels=checks_channels)
        return p

    command("init", cmd_init, _("write a commented starter config (never overwrites)"))
    command(
        "check",
        cmd_check,
        _("validate the config; show channels (masked) and the next fires"),
        checks_channels=True,
    )
    run = command(
        "run",
        cmd_run,
        _("run the daemon in the foreground (what systemd starts)"),
        checks_channels=True,
    )
    run.add_argument(
        "--demo",
        action="store_true",
        help=_("use the built-in demo config: nudges to this terminal, no account"),
    )
    run.add_argument(
        "--data-dir", metavar="DIR", help=_("with --demo: where the demo keeps its data")
    )
    run.add_argument(
        "--real-channels",
        action="store_true",
        help=_("on sample data (made by demo-data): send to the config's channels, not here"),
    )
    run.add_argument(
        "--start-over",
        action="store_true",
        help=_(
            "begin a new, empty data file where the old one was lost (it never happens"
            " by itself); the reply key and the archives are kept"
        ),
    )
    run.add_argument(
        "--accept-copy",
        action="store_true",
        help=_(
            "carry on from a data file that is an older copy of itself (a backup put back"
            " on purpose); what was written after that copy is not in it"
        ),
    )
    run.add_argument(
        "--new-key",
        action="store_true",
        help=_(
            "make a new reply key where it was lost, or accept a replaced one (links"
            " already sent stop working)"
        ),
    )
    p = command("upcoming", cmd_upcoming, _("list the fires planned in the next days"))
    p.add_argument("--days", type=days_ahead, default=7, help=_("how many days ahead (default 7)"))
    p.add_argument(
        "--limit", type=positive_int, default=20, help=_("show at most N fires (default 20)")
    )
    p = command(
        "send",
        cmd_send,
        _(
            "send one nudge now (recorded like any fire; to test a channel without recording,"
            " use test-channel)"
        ),
        checks_channels=True,
    )
    p.add_argument("nudge_id", metavar="NUDGE_ID", help=_("a nudge's id from the config"))
    p.add_argument(
        "--real-channels",
        action="store_true",
        help=_("on sample data (made by demo-data): send to the config's channels, not here"),
    )
    p = command(
        "test-channel",
        cmd_test_channel,
        _("send a test message through one channel; records nothing"),
        checks_channels=True,
    )
    p.description = _(
        "Send one clearly marked test message ('A test of your reminders — …' under your "
        "discreet_title; 'halfway test message — …' when not discreet) through the "
        "channel NAME and say whether it went out, with the channel's reason if not. "
        "Nothing is recorded, and the data folder is not touched."
    )
    p.epilog = _("Exit 0 when it went out, 1 when it did not, 2 for an unknown NAME.")
    p.add_argument("name", metavar="NAME", help=_("a channel's name from [channels] in the config"))
    for name, func, text in (
        (
            "pause",
            cmd_pause,
            _(
                "pause nudges (their fires and reminders), or --all: everything halfway sends;"
                " what comes due meanwhile is skipped, never sent later"
            ),
        ),
        ("resume", cmd_resume, _("resume paused nudges (--all: every pause)")),
    ):
        p = command(name, func, text)
        p.add_argument("nudge_ids", metavar="NUDGE_ID", nargs="*", help=_("nudges to change"))
        p.add_argument(
            "--all",
            action="store_true",
            help=_("every nudge") if name == "pause" else _("every pause, by name or of all"),
        )
        if name == "pause":
            p.add_argument(
                "--until",
                metavar="WHEN",
                help=_("end the pause at WHEN: 2026-12-01, 2026-12-01T09:00 or 3d"),
            )
    p = command("reply", cmd_reply, _("answer a nudge from the command line"))
    p.add_argument(
        "delivery_id",
        metavar="DELIVERY_ID",
        help=_(
            "from '{history}', or the reply link from the message (whole or its d_….… end)"
        ).format(history=invoked.command("history")),
    )
    p.add_argument("value", metavar="VALUE", help=_("a choice's code (e.g. held) or your words"))
    p.add_argument("--note", metavar="TEXT", help=_("a note beside the answer"))
    command(  # it refuses what the daemon would refuse, channel URLs included
        "reload",
        cmd_reload,
        _("make the running daemon re-read its config (SIGHUP)"),
        checks_channels=True,
    )
    p = command(
        "status", cmd_status, _("is the daemon up; what was sent, waits, failed, was missed")
    )
    p.epilog = _(
        "Exit 0 when all is well, 1 when the daemon runs but its work fails, 3 when no daemon"
        " runs on this data, 2 when the config does not load (whether a daemon runs is still"
        " said first, then the config's problem)."
    )
    p = command("log", cmd_log, _("write down a gesture, initiation, boundary, note or hurt"))
    p.add_argument(
        "kind",
        metavar="KIND",
        choices=ENTRY_KINDS,
        help=_("{kinds} (hurt: something that hurt or worried you)").format(
            kinds=", ".join(ENTRY_KINDS)
        ),
    )
    p.add_argument("text", metavar="TEXT", help=_('what happened, e.g. "made me tea"'))
    p.add_argument(
        "--by", choices=("me", "partner"), help=_("who it was (for initiations: default me)")
    )
    add_talk_commands(command, common)
    add_ledger_commands(command, common)  # ask, boundary
    add_digest_command(command)
    add_summary_command(command)
    add_demo_data_command(command)
    add_link_commands(command, common)  # links, links revoke, calendar-url, erase
    add_atrest_commands(command)  # encrypt, decrypt
    p = command("history", cmd_history, _("show what was sent and written, oldest first"))
    p.add_argument(
        "--since", type=history_since, metavar="DATE", help=_("only from this date (YYYY-MM-DD)")
    )
    p.add_argument("--json", action="store_true", help=_("print JSON instead of lines"))
    p = command("export", cmd_export, _("print all your data as JSON or CSV"))
    p.add_argument(
        "--format", choices=("json", "csv"), default="json", help=_("json (default) or csv")
    )
    p.add_argument(
        "--output",
        metavar="FILE",
        help=_("write to FILE (readable by you only) instead of standard output"),
    )
    p.add_argument(
        "--force", action="store_true", help=_("with --output: replace FILE if it exists")
    )
    p = command(
        "accept-loss",
        cmd_accept_loss,
        _(
            "accept that an archive month was deleted or cut short, after no backup had it:"
            " history, export and the digests then read what is left of it"
        ),
    )
    p.add_argument("month", metavar="YYYY-MM", help=_("the month its file is named after"))
    add_backup_commands(command)  # backup, restore
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 ok, 1 failure, 2 bad input; status: 3 no
    daemon)."""
    # The language before argparse builds its help; the loader keeps or corrects it.
    language.use(early(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:
        return int(done.code or 0)
    args.config = getattr(args, "config", None)
    args.debug = getattr(args, "debug", False)
    # Not before here: `--version` and `--help` need none of it.
    from halfway.channels import logs
    from halfway.config.loader import ConfigError
    from halfway.core.tokens import KeyMissing
    from halfway.store.database import StoreError
    from halfway.store.datafile import KeyProblem
    from halfway.store.owners import WrongOwner

    logs.setup_logging(args.debug)
    try:
        return int(args.func(args))
    except ConfigError as error:
        for line in error.lines:
            print(line, file=sys.stderr)
        return 2
    except UsageError as error:
        print(f"halfway {args.command}: {error}", file=sys.stderr)
        return 2
    except WrongOwner as error:  # exit 2: the command, as another user, would change nothing
        print(f"halfway: {error}{run_as(error, args, argv)}", file=sys.stderr)
        return 2
    except KeyProblem as error:  # exit 2: the config's key or `encrypt` is to change
        print(f"halfway: {error}", file=sys.stderr)
        return 2
    except (StoreError, KeyMissing) as error:
        print(f"halfway: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `halfway history | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 1
    except Exception as error:
        if args.debug:
            raise
        print(
            f"halfway {args.command}: {type(error).__name__}: {error} "
            + _("(run with --debug for details)"),
            file=sys.stderr,
        )
        return 1


def run_as(error: WrongOwner, args: argparse.Namespace, argv: Sequence[str] | None) -> str:
    """'; run it as USER: sudo -u USER halfway --config FILE …', the command as typed, for a
    data folder of another user ('' when the fix is a chown, which the message says)."""
    import shlex

    if error.run_as is None:
        return ""
    words = list(sys.argv[1:] if argv is None else argv)
    source = getattr(args, "source", None)
    if "--config" not in words and source and Path(source).is_file():
        words = ["--config", str(Path(source).resolve()), *words]
    prog = invoked.command(absolute=True)  # sudo's PATH may not find it by name
    line = f"sudo -u {error.run_as} {prog} {shlex.join(words)}"
    return _("; run it as that user: {command}").format(command=line)


def run_main() -> None:
    invoked.remember(sys.argv[0], sys.executable)  # a real start: hints name its command
    sys.exit(main())
