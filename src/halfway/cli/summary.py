"""`halfway summary`: the weeks from one day to another, to bring to a counsellor, as plain
text here or as a private file to print (HTML or PDF). Thin over `digest/summary` (what it
holds), `digest/summaryrender` and `digest/summarypdf` (its words and its files)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from halfway.cli.commands import UsageError, utc_now
from halfway.cli.digest import AddCommand
from halfway.cli.invocation import load_settings
from halfway.words import invoked
from halfway.words.language import N_, _

DESCRIPTION = N_(
    "A summary of a stretch of weeks, to bring to a counsellor: the weeks as one strip, "
    "the talks and what you noted after them, your asks and what became of them, your "
    "boundaries and how they held. Your own notes and what hurt are left out unless you "
    "add --notes or --hurt. Without --out it prints here; a file is readable by you only, "
    "and halfway never sends it anywhere."
)
SUFFIXES = (".html", ".pdf")


def epilog() -> str:
    summary = invoked.command("summary")
    return _(
        "Examples: '{summary} --from 2026-09-01 --to 2026-11-30', "
        "'{summary} --from 2026-09-01 --to 2026-11-30 --out autumn.pdf'. "
        "Dates are days like 2026-09-01, both included; a period that cannot be exits 2."
    ).format(summary=summary)


def calendar_date(text: str) -> date:
    """A day as `2026-09-01`, nothing else."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("'{text}' is not a date like 2026-09-01").format(text=text)
        ) from None


def add_command(command: AddCommand) -> None:
    p = command("summary", cmd_summary, _("a summary of some weeks, to bring to a counsellor"))
    p.description, p.epilog = _(DESCRIPTION), epilog()
    p.add_argument(
        "--from", dest="first", metavar="DATE", type=calendar_date, required=True,
        help=_("the first day (YYYY-MM-DD)"),
    )  # fmt: skip
    p.add_argument(
        "--to", dest="last", metavar="DATE", type=calendar_date, required=True,
        help=_("the last day (YYYY-MM-DD), included"),
    )  # fmt: skip
    p.add_argument(
        "--out",
        metavar="FILE",
        help=_("write it to FILE.html (to read or print) or FILE.pdf, readable by you only"),
    )
    p.add_argument(
        "--notes",
        action="store_true",
        help=_("include your own notes (left out by default, every one of them)"),
    )
    p.add_argument(
        "--hurt",
        action="store_true",
        help=_("include what you wrote down as having hurt or worried you (left out by default)"),
    )
    p.add_argument("--force", action="store_true", help=_("with --out: replace FILE if it exists"))


def cmd_summary(args: argparse.Namespace) -> int:
    from halfway.digest import summary, summaryrender
    from halfway.store.atrest import open_store
    from halfway.words import discretion

    settings = load_settings(args)
    now = utc_now()
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in SUFFIXES:
        raise UsageError(_("--out: {path} must end in .html or .pdf").format(path=out))
    try:
        summary.period(args.first, args.last, now.astimezone(settings.tz).date())
    except ValueError as error:
        raise UsageError(str(error)) from None
    if out is not None and out.exists() and not args.force:  # said before any reading
        raise UsageError(
            _("--out: {path} already exists; add --force to replace it").format(path=out)
        )
    store = open_store(settings, create=False)
    since, until = summary.months_needed(args.first, args.last)
    found = summary.build(
        store.everything(since, until),
        args.first,
        args.last,
        settings.tz,
        now,
        notes=args.notes,
        hurt=args.hurt,
    )
    frame = discretion.frame(settings)
    if out is None:
        print(summaryrender.text(found, frame), end="")
        return 0
    from halfway.cli.history import write_private

    if out.suffix.lower() == ".pdf":
        from halfway.digest import summarypdf

        data = summarypdf.pdf(found, frame)
    else:
        data = summaryrender.html(found, frame).encode()
    write_private(out, data, args.force, option="--out")
    print(_("wrote {path} (readable by you only)").format(path=out))
    return 0
