"""The `halfway` command: thin commands over config, schedule, store, deliver and daemon.

Exit codes: 0 success, 2 bad input (config or arguments, with a one-line
reason per problem), 1 anything else. No traceback unless --debug.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import signal
import sys
import urllib.request
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, tzinfo
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from halfway import __version__, config, deliver, schedule, status
from halfway.config import ConfigError, Nudge, Settings
from halfway.daemon import DaemonError
from halfway.outbox import Outbox, utc_now
from halfway.replies import service
from halfway.store import Store, StoreError

ENTRY_KINDS = ("gesture", "initiation", "boundary", "note")
TIME_FIELDS = ("scheduled_for", "due_at", "created_at", "sent_at", "received_at", "at")


class UsageError(Exception):
    """A bad argument: exit 2 with this message."""


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line naming the argument, and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


# commands -----------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    path = Path(args.config or os.environ.get("HALFWAY_CONFIG") or config.default_path())
    if path.exists():
        raise UsageError(f"{path}: already exists; halfway init never overwrites a config")
    text = resources.files("halfway").joinpath("config.example.toml").read_text("utf-8")
    text = text.replace('timezone = "Europe/Berlin"', f'timezone = "{config._local_zone()}"')
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    print(f"wrote {path} (readable by you only)")
    print("next: set your channels in it, then run 'halfway check' and 'halfway run'")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    zone = settings.tz
    print(f"{args.source}: valid")
    print(f"time zone {settings.timezone}; data in {settings.data_dir}")
    print("channels:")
    for name, urls in settings.channels.items():
        for url in urls:
            print(f"  {name}: {deliver.mask(url)}")
    print(
        f"reply links: {settings.server.public_url}/r/…"
        + (" (discreet messages)" if settings.discreet else "")
    )
    if settings.imap:
        imap = settings.imap
        print(
            f"e-mail replies: {imap.user}@{imap.host}:{imap.port}/{imap.folder} "
            f"({imap.tls}, every {config.duration_text(imap.poll)})"
        )
    print("nudges (next 3 fires, local time):")
    now = utc_now()
    states = Store(settings.data_dir).nudge_states() if settings.db_path.exists() else {}
    for line in status.pause_lines(settings, states, now):
        print(f"  {line}")
    for nudge in settings.nudges:
        fires = schedule.upcoming(
            [nudge], zone, settings.quiet_hours, now, now + timedelta(days=3660), 3
        )
        when = ", ".join(schedule.clock_text(f.due_at, zone) for f in fires) or "no fire ahead"
        print(f"  {nudge.id} ({nudge.kind}): {when}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    settings = demo_settings(args) if args.demo else load_settings(args)
    store = Store(settings.data_dir)
    try:
        from halfway import daemon

        reload = None if args.demo else (lambda: load_settings(args))
        return daemon.run(settings, store, reload)
    except DaemonError as error:
        raise UsageError(str(error)) from None


def cmd_upcoming(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    now = utc_now()
    fires = schedule.upcoming(
        settings.nudges, settings.tz, settings.quiet_hours, now, now + timedelta(days=args.days)
    )
    kinds = {n.id: n.kind for n in settings.nudges}
    for fire in fires:
        moved = " (after quiet hours)" if fire.deferred else ""
        print(
            f"{schedule.clock_text(fire.due_at, settings.tz)}  {fire.nudge_id} "
            f"({kinds[fire.nudge_id]}){moved}"
        )
    if not fires:
        print(f"nothing planned in the next {args.days} day(s)")
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    nudge = known_nudges(args, settings, [args.nudge_id])[0]
    record = Outbox(settings, Store(settings.data_dir)).send_now(nudge)
    for name, result in record["channels"].items():
        print(f"{name}: {result['state']}" + (f" ({result['error']})" if result["error"] else ""))
    if record["state"] == "pending":
        print("the daemon retries what failed; 'halfway status' shows the outbox")
    return 0 if record["state"] == "sent" else 1


def cmd_reply(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    store = Store(settings.data_dir)
    delivery = store.delivery(args.delivery_id)
    if delivery is None:
        raise UsageError(f"DELIVERY_ID: no delivery '{args.delivery_id}' (see 'halfway history')")
    try:
        reply, first = service.accept(store, delivery, args.value, "cli", utc_now(), note=args.note)
    except service.ReplyError as error:
        raise UsageError(f"VALUE: {error.message}") from None
    label = service.shape_of(delivery).label(reply["value"])
    print(f"noted: {label}" + ("" if first else " (your earlier answer is kept in its history)"))
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
    if args.all == bool(args.nudge_ids):
        raise UsageError("name the nudges to change, or give --all (not both)")
    return ["*"] if args.all else [n.id for n in known_nudges(args, settings, args.nudge_ids)]


def cmd_pause(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    targets = pause_targets(args, settings)
    now = utc_now()
    until = parse_when(args.until, settings.tz, now) if args.until else None
    if until is not None and until <= now:
        raise UsageError(f"--until: '{args.until}' is already past")
    Store(settings.data_dir).pause(targets, now.isoformat(), until.isoformat() if until else None)
    names = "every nudge" if targets == ["*"] else ", ".join(targets)
    end = f"until {schedule.clock_text(until, settings.tz)}" if until else "until you resume"
    print(f"paused {names} {end}; their fires are skipped, not saved up")
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    targets = pause_targets(args, settings)
    ended = Store(settings.data_dir).resume(targets, utc_now().isoformat())
    print(f"resumed ({ended} pause(s) ended)" if ended else "nothing was paused")
    return 0


def parse_when(text: str, zone: tzinfo, now: datetime) -> datetime:
    """'3d' (from now), '2026-12-01' (local midnight) or '2026-12-01T09:00' (local)."""
    try:
        return now + config.parse_duration(text)
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
    settings = load_settings(args)  # refuse here what the daemon would refuse
    pid = Store(settings.data_dir).daemon_pid()
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


def cmd_status(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    now = utc_now()
    health = fetch_health(settings.server.listen)
    store = Store(settings.data_dir)
    print(status.render(settings, store.snapshot(), store.nudge_states(), health, now))
    return 0 if health else 3


def fetch_health(listen: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://{listen}/healthz", timeout=3) as answer:
            return dict(json.loads(answer.read()))
    except (OSError, ValueError):
        return None


def cmd_log(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    if not args.text.strip():
        raise UsageError("TEXT: is empty; write a few words")
    record: dict[str, Any] = {
        "kind": args.kind,
        "text": args.text.strip(),
        "at": utc_now().isoformat(),
    }
    if args.kind == "initiation" or args.by:
        record["by"] = args.by or "me"
    saved = Store(settings.data_dir).add("entries", record)
    print(f"noted ({saved['id']})")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    data = localized(Store(settings.data_dir).snapshot(), settings.tz)
    since = args.since
    answered = {r["delivery_id"] for r in data["replies"]}
    now = utc_now()
    rows = (
        [
            {
                "record": "delivery",
                "at": d["scheduled_for"],
                **d,
                "waiting": waiting_for_answer(d, d["id"] in answered, now),
            }
            for d in data["deliveries"]
        ]
        + [{"record": "entry", **e} for e in data["entries"]]
        + [{"record": "reply", "at": r["received_at"], **r} for r in data["replies"]]
    )
    rows = [r for r in rows if since is None or r["at"][:10] >= since.isoformat()]
    rows.sort(key=lambda r: datetime.fromisoformat(r["at"]))
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for row in rows:
        print(f"{row['at'][:16].replace('T', ' ')}  {describe(row)}")
    if not rows:
        print("nothing recorded yet" if since is None else f"nothing recorded since {since}")
    return 0


def describe(row: dict[str, Any]) -> str:
    if row["record"] == "delivery":
        channels = ", ".join(f"{n} {c['state']}" for n, c in row["channels"].items())
        waiting = (
            f"  · waiting for your answer: halfway reply {row['id']} …" if row["waiting"] else ""
        )
        return f"{row['nudge_id']} ({row['kind']}): {row['state']} [{channels}]{waiting}"
    if row["record"] == "reply":
        return f"reply to {row['delivery_id']}: {row['value']}"
    by = f" by {row['by']}" if row.get("by") else ""
    return f"{row['kind']}{by}: {row['text']}"


def waiting_for_answer(delivery: dict[str, Any], answered: bool, now: datetime) -> bool:
    """A delivery that reached the user, takes a reply, has none yet and is still open."""
    return (
        not answered
        and delivery["state"] in ("sent", "late", "partial")
        and service.shape_of(delivery).takes_reply
        and not service.expired(delivery, now)
    )


def cmd_export(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    data = localized(Store(settings.data_dir).snapshot(), settings.tz)
    text = json.dumps(data, indent=2, ensure_ascii=False) if args.format == "json" else to_csv(data)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


CSV_COLUMNS = (
    "record",
    "id",
    "at",
    "kind",
    "nudge_id",
    "state",
    "channels",
    "delivery_id",
    "value",
    "note",
    "via",
    "text",
    "by",
    "topic",
)


def to_csv(data: dict[str, Any]) -> str:
    """All four lists in one table, a `record` column telling them apart."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for name, record_type, time_field in (
        ("deliveries", "delivery", "scheduled_for"),
        ("replies", "reply", "received_at"),
        ("entries", "entry", "at"),
        ("talks", "talk", "at"),
    ):
        for record in data[name]:
            row = {**record, "record": record_type, "at": record.get(time_field)}
            if "channels" in record:
                row["channels"] = json.dumps(record["channels"], ensure_ascii=False)
            writer.writerow(row)
    return out.getvalue()


def localized(value: Any, zone: tzinfo) -> Any:
    """Every timestamp in a record tree shown with the configured zone's offset."""
    if isinstance(value, dict):
        return {
            key: (
                datetime.fromisoformat(item).astimezone(zone).isoformat()
                if key in TIME_FIELDS and isinstance(item, str)
                else localized(item, zone)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [localized(item, zone) for item in value]
    return value


# settings -----------------------------------------------------------------


def load_settings(args: argparse.Namespace) -> Settings:
    path = config.find(args.config)
    args.source = str(path)
    settings = config.build(config.read_toml(path), str(path), deliver.url_problem)
    install_redactor(settings)
    return settings


def demo_settings(args: argparse.Namespace) -> Settings:
    """The built-in demo config, its data kept apart from any real data."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    data_dir = Path(args.data_dir or Path(base) / "halfway-demo")
    text = resources.files("halfway").joinpath("demo.toml").read_text("utf-8")
    import tomllib

    data = tomllib.loads(text)
    data["data_dir"] = str(data_dir)
    data["channels"]["terminal"] = f"halfway://terminal?inbox={data_dir / 'demo-inbox.jsonl'}"
    args.source = "the demo config"
    settings = config.build(data, "demo config", deliver.url_problem)
    print(
        "halfway demo: three practice nudges will appear here every few seconds.\n"
        "Nothing leaves this machine and no account is needed.\n"
        f"Data: {settings.db_path}  ·  inbox: {data_dir / 'demo-inbox.jsonl'}\n"
        f"Health: http://{settings.server.listen}/healthz  ·  stop with Ctrl+C.\n"
        "To use your phone: 'halfway init', put an apprise URL under [channels]\n"
        "(e.g. phone = \"ntfy://ntfy.sh/your-secret-topic\"), then 'halfway check'\n"
        "and 'halfway run'. halfway is a companion, not professional advice.",
        flush=True,
    )
    return settings


def install_redactor(settings: Settings) -> None:
    secrets: set[str] = set()
    for urls in settings.channels.values():
        for url in urls:
            secrets |= deliver.secrets_in(url)
    if settings.imap and len(settings.imap.password) >= 4:
        secrets.add(settings.imap.password)
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, deliver.Redactor)]:
            handler.removeFilter(old)  # a reload replaces the secrets, it does not pile them up
        handler.addFilter(deliver.Redactor(secrets))


def setup_logging(debug: bool) -> None:
    # Under systemd, journald stamps each line; in a terminal, a time helps.
    stamp = "" if os.environ.get("JOURNAL_STREAM") else "%(asctime)s "
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format=f"{stamp}%(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("aiohttp", "apscheduler", "asyncio", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Apprise's own lines are captured per send and logged by halfway with the
    # channel's name; printed raw they would repeat it and may echo a URL.
    for handler in logging.getLogger().handlers:
        handler.addFilter(lambda record: not record.name.startswith("apprise"))


# the parser ---------------------------------------------------------------


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return int(text)


def a_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-11-01") from None


def build_parser() -> Parser:
    common = Parser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="config file (default: $HALFWAY_CONFIG, then "
        "$XDG_CONFIG_HOME/halfway/config.toml, then /etc/halfway/config.toml)",
    )
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show full tracebacks and debug logs",
    )
    parser = Parser(
        prog="halfway",
        parents=[common],
        description="halfway: gentle, timed nudges for the person doing their half of a "
        "relationship, with every answer kept on your own machine. "
        "A companion, not professional advice.",
        epilog="Try it with no account: 'halfway run --demo'. Start for real: 'halfway init'.",
    )
    parser.add_argument("--version", action="version", version=f"halfway {__version__}")
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=Parser
    )

    def command(name: str, func: Callable[[argparse.Namespace], int], text: str) -> Parser:
        p: Parser = sub.add_parser(name, parents=[common], help=text, description=text)
        p.set_defaults(func=func)
        return p

    command("init", cmd_init, "write a commented starter config (never overwrites)")
    command("check", cmd_check, "validate the config; show channels (masked) and the next fires")
    run = command("run", cmd_run, "run the daemon in the foreground (what systemd starts)")
    run.add_argument(
        "--demo",
        action="store_true",
        help="use the built-in demo config: nudges to this terminal, no account",
    )
    run.add_argument("--data-dir", metavar="DIR", help="with --demo: where the demo keeps its data")
    p = command("upcoming", cmd_upcoming, "list the fires planned in the next days")
    p.add_argument("--days", type=positive_int, default=7, help="how many days ahead (default 7)")
    p = command("send", cmd_send, "send one nudge now, to test its channels")
    p.add_argument("nudge_id", metavar="NUDGE_ID")
    for name, func, text in (
        ("pause", cmd_pause, "pause nudges: their fires are skipped until you resume"),
        ("resume", cmd_resume, "resume paused nudges"),
    ):
        p = command(name, func, text)
        p.add_argument("nudge_ids", metavar="NUDGE_ID", nargs="*", help="nudges to change")
        p.add_argument("--all", action="store_true", help="every nudge")
        if name == "pause":
            p.add_argument(
                "--until",
                metavar="WHEN",
                help="end the pause at WHEN: 2026-12-01, 2026-12-01T09:00 or 3d",
            )
    p = command("reply", cmd_reply, "answer a nudge from the command line")
    p.add_argument("delivery_id", metavar="DELIVERY_ID", help="from 'halfway history'")
    p.add_argument("value", metavar="VALUE", help="a choice's code (e.g. held) or your words")
    p.add_argument("--note", metavar="TEXT", help="a note beside the answer")
    command("reload", cmd_reload, "make the running daemon re-read its config (SIGHUP)")
    command("status", cmd_status, "is the daemon up; what was sent, waits, failed, was missed")
    p = command("log", cmd_log, "write down a gesture, initiation, boundary or note")
    p.add_argument("kind", metavar="KIND", choices=ENTRY_KINDS, help=", ".join(ENTRY_KINDS))
    p.add_argument("text", metavar="TEXT")
    p.add_argument(
        "--by", choices=("me", "partner"), help="who it was (for initiations: default me)"
    )
    p = command("history", cmd_history, "show what was sent and written, oldest first")
    p.add_argument("--since", type=a_date, metavar="DATE", help="only from this date (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print JSON instead of lines")
    p = command("export", cmd_export, "print all your data as JSON or CSV")
    p.add_argument(
        "--format", choices=("json", "csv"), default="json", help="json (default) or csv"
    )
    p.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 ok, 1 failure, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:
        return int(done.code or 0)
    args.config = getattr(args, "config", None)
    args.debug = getattr(args, "debug", False)
    setup_logging(args.debug)
    try:
        return int(args.func(args))
    except ConfigError as error:
        for line in error.lines:
            print(line, file=sys.stderr)
        return 2
    except UsageError as error:
        print(f"halfway {args.command}: {error}", file=sys.stderr)
        return 2
    except StoreError as error:
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
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1


def run_main() -> None:
    sys.exit(main())
