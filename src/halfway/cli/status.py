"""`halfway status`: what was sent, what waits, what failed and why, at a glance.

Pure: it renders plain data (the hot file's records, the daemon's /healthz
answer, each nudge's cursor, a `now`) to text. The hot file holds the last
eight days and everything still open, so this never reads the archives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from pathlib import Path

from halfway.config.models import Settings
from halfway.core import cursors, schedule, weeks
from halfway.core.deliveries import (
    FAILED,
    FINAL_UNSENT,
    GAVE_UP,
    LATE,
    MISSED,
    OPEN,
    PARTIAL,
    PENDING,
    SENT,
    SKIPPED,
)
from halfway.core.instants import parse_instant
from halfway.core.rawjson import Record
from halfway.engine.upcoming import annotated
from halfway.words.language import N_, _, ngettext

# A talk's planned step: when it goes out, what it is, whether quiet hours moved it.
Step = tuple[datetime, str, bool]
# A check halfway keeps for itself: its name, when next due (None: off), whether paused then.
Check = tuple[str, datetime | None, bool]


def pause_lines(
    settings: Settings, rows: list[Record], now: datetime, seconds: bool = False
) -> list[str]:
    """One line per pause in force now, e.g. 'paused: my-boundary until Fri 2026-11-27 09:00 CET'
    (with `seconds` when the list it stands in shows them)."""
    lines = []
    for row in sorted(rows, key=lambda r: str(r["id"])):
        nudge_id = row["id"]
        for pause in cursors.in_force(row, now):
            until = pause["until"]
            name = _("every nudge") if nudge_id == "*" else nudge_id
            end = (
                schedule.clock_text(parse_instant(until), settings.tz, seconds)
                if until
                else _("you resume")
            )
            lines.append(_("paused: {name} until {end}").format(name=name, end=end))
    return lines


# What a pause holds back, said after its line (see engine/reminding, talks/planning,
# care/nudging, digest/weekly).
HOLDS_ONE = N_("its fires and reminders are skipped meanwhile")
HOLDS_ALL = N_(
    "nothing is sent meanwhile: fires, reminders, talk steps, care notes and the digest"
    " are skipped, not saved up"
)


def held_lines(
    settings: Settings, rows: list[Record], now: datetime, seconds: bool = False
) -> list[str]:
    """The pauses in force now (see `pause_lines`), each with what it holds back."""
    held = []
    for row in sorted(rows, key=lambda r: str(r["id"])):
        holds = HOLDS_ALL if row["id"] == cursors.ALL else HOLDS_ONE
        held += [f"{line} ({_(holds)})" for line in pause_lines(settings, [row], now, seconds)]
    return held


def render(
    settings: Settings,
    hot: dict[str, list[Record]],
    health: Mapping[str, object] | None,
    now: datetime,
    since: dict[str, datetime],
    steps: Sequence[Step] = (),
    checks: Sequence[Check] = (),
) -> str:
    """The status page: daemon, pauses, next fires (the nudges', the talks' `steps`, the
    weekly `checks`), the outbox, channels, the last 7 days."""
    zone = settings.tz
    deliveries = hot["deliveries"]
    week_ago = now - weeks.LAST_SEVEN_DAYS
    week = [d for d in deliveries if parse_instant(d["scheduled_for"]) >= week_ago]
    gaps = sorted(
        (d for d in week if d["state"] in FINAL_UNSENT),
        key=lambda d: parse_instant(d["scheduled_for"]),
    )
    ahead = next_fires(settings, hot["nudges"], now, since, steps)
    # One precision for the whole page, seconds only if a schedule on it needs them.
    listed = {name for _, name, _ in ahead} | {d["nudge_id"] for d in gaps}
    seconds = any(schedule.needs_seconds(n) for n in settings.nudges if n.id in listed)

    def when(text: str | None) -> str:
        return schedule.clock_text(parse_instant(text), zone, seconds) if text else _("never")

    out: list[str] = []
    address = f"http://{settings.server.listen}/healthz"
    if health is None:
        out.append(_("halfway is NOT running (no answer at {address})").format(address=address))
    elif health.get("status") == "other":
        out.append(not_here(settings.data_dir, address))
    else:
        out.append(running_line(health.get("pid", "?"), health))
        if health.get("status") != "ok":
            out.append(but_line(health))
    out += fire_lines(ahead, zone, seconds)
    paused = held_lines(settings, hot["nudges"], now, seconds)
    if paused:
        out += ["", *paused]
    out += check_lines(checks, zone, seconds)

    waiting = [
        (d, name, result)
        for d in deliveries
        for name, result in d["channels"].items()
        if result["state"] in OPEN
    ]
    out.append("")
    out.append(
        ngettext("outbox: {n} send waiting", "outbox: {n} sends waiting", len(waiting)).format(
            n=len(waiting)
        )
        if waiting
        else _("outbox: empty, all sent")
    )
    for delivery, name, result in waiting:
        line = f"  {delivery['nudge_id']} -> {name}: {result['state']}"
        if result["state"] == FAILED:
            line += " " + _("{n}x, next try {when} ({error})").format(
                n=result["attempts"],
                when=when(result.get("next_attempt")),
                error=result.get("error"),
            )
        out.append(line)
    for delivery in deliveries:
        for name, result in delivery["channels"].items():
            if result["state"] == GAVE_UP and parse_instant(delivery["due_at"]) >= week_ago:
                out.append(
                    "  "
                    + _("gave up: {what}, due {when} ({error})").format(
                        what=f"{delivery['nudge_id']} -> {name}",
                        when=when(delivery["due_at"]),
                        error=result.get("error"),
                    )
                )

    health_of = {row["id"]: row for row in hot["channels"]}
    out.append("")
    out.append(_("last successful send per channel:"))
    for name in settings.channels:
        row = health_of.get(name, {})
        out.append(f"  {name}: {when(row.get('last_sent_at'))}")
        if row.get("failing_since"):
            out.append(
                "    "
                + _("failing since {when}: {error}").format(
                    when=when(row["failing_since"]), error=row.get("error")
                )
            )

    counts = Counter(d["state"] for d in week)
    summary = ", ".join(
        f"{counts[s]} {s}"
        for s in (SENT, LATE, PARTIAL, PENDING, FAILED, MISSED, SKIPPED)
        if counts[s]
    )
    out.append("")
    out.append(_("last 7 days: {summary}").format(summary=summary or _("nothing yet")))
    out += ["  " + gap_line(delivery, zone, seconds) for delivery in gaps]
    return "\n".join(out)


def unread_lines(
    data_dir: Path,
    listen: str,
    held: int | None,
    health: Mapping[str, object] | None,
    unread: list[str],
) -> list[str]:
    """What `status` says while the config does not load: whether a daemon runs on the data
    folder (its lock says, and its /healthz when it answers), what could not be read (the
    defaults stand in), and why nothing more is shown."""
    address = f"http://{listen}/healthz"
    ours = health is not None and health.get("pid", held) == held
    if held is not None and health is not None and ours:
        out = [running_line(held, health)]
        if health.get("status") != "ok":
            out.append(but_line(health))
    elif held is not None:
        said = (
            _("halfway is running on {folder} (pid {pid}), but no answer at {address}")
            if health is None
            else _(
                "halfway is running on {folder} (pid {pid}), but another halfway answers at {address}"
            )
        )
        out = [said.format(folder=data_dir, pid=held, address=address)]
    elif health is not None:
        out = [not_here(data_dir, address)]
    else:
        out = [
            _("halfway is NOT running on {folder} (no answer at {address})").format(
                folder=data_dir, address=address
            )
        ]
    for key, value in (("data_dir", data_dir), ("server.listen", listen)):
        if key in unread:
            out.append(
                "  "
                + _("{key} could not be read from the config: {value} is the default").format(
                    key=key, value=value
                )
            )
    if held is None:
        out.append(
            _("the config has a problem, said below: halfway cannot start until it is fixed")
        )
    else:
        out.append(
            _(
                "the config has a problem, said below: the daemon keeps the config it read at its"
                " start or last reload, and the rest of the status waits until the file is fixed"
            )
        )
    return out


def running_line(pid: object, health: Mapping[str, object]) -> str:
    return _("halfway is running (pid {pid}, version {version})").format(
        pid=pid, version=health.get("version")
    )


def but_line(health: Mapping[str, object]) -> str:
    problem = health.get("problem", _("catching up"))
    return "  " + _("but {state}: {problem}").format(state=health.get("status"), problem=problem)


def not_here(data_dir: Path, address: str) -> str:
    return _(
        "halfway is NOT running on {folder} (another halfway answers at {address}:"
        " is server.listen the same in both?)"
    ).format(folder=data_dir, address=address)


def next_fires(
    settings: Settings,
    rows: list[Record],
    now: datetime,
    since: dict[str, datetime],
    steps: Sequence[Step] = (),
) -> list[Step]:
    """The next five fires, as the planner will send them (a paused nudge's fires are
    skipped, so they are not listed) with the talks' steps among them."""
    zone = settings.tz
    until = now + weeks.NEXT_SEVEN_DAYS
    pauses = cursors.all_pauses(rows, [n.id for n in settings.nudges])
    fires = schedule.upcoming(
        settings.nudges, zone, settings.quiet_hours, now, until, 5, since, pauses
    )[:5]
    talks = [step for step in steps if step[0] <= until]
    return sorted([(f.due_at, f.nudge_id, f.deferred) for f in fires] + talks)[:5]


def fire_lines(ahead: Sequence[Step], zone: tzinfo, seconds: bool) -> list[str]:
    """The next fires under their heading (the pauses are said apart, see `held_lines`)."""
    out = ["", _("next fires:") if ahead else _("next fires: none in the next 7 days")]
    return out + [
        f"  {schedule.clock_text(due, zone, seconds)}  "
        + (annotated(text, _("after quiet hours")) if deferred else text)
        for due, text, deferred in ahead
    ]


def check_lines(checks: Sequence[Check], zone: tzinfo, seconds: bool = False) -> list[str]:
    """When the weekly digest and the care check are next due, e.g.
    'weekly digest: next Mon 2026-12-07 08:00 CET'."""
    out = []
    for name, due, paused in checks:
        if due is None:
            why = (
                _("no channel to send it to")
                if name == "weekly digest"
                else _("every trigger is off")
            )
            out.append(_("{name}: off ({why})").format(name=_(name), why=why))
            continue
        skipped = _(" (skipped: halfway is paused then)") if paused else ""
        out.append(
            _("{name}: next {when}").format(
                name=_(name), when=schedule.clock_text(due, zone, seconds)
            )
            + skipped
        )
    return out


def gap_line(delivery: Record, zone: tzinfo, seconds: bool) -> str:
    """A missed or skipped record: when, how many, and why (if it says)."""

    def when(text: str) -> str:
        return schedule.clock_text(parse_instant(text), zone, seconds)

    count = delivery.get("count", 1)
    span = (
        ngettext(" ({n} fire, to {when})", " ({n} fires, to {when})", count).format(
            n=count, when=when(delivery["last_scheduled"])
        )
        if count > 1
        else ""
    )
    why = delivery.get("why") or delivery.get("reason")
    return (
        f"{delivery['state']}: {delivery['nudge_id']} {when(delivery['scheduled_for'])}{span}"
        + (f": {why}" if why else "")
    )
