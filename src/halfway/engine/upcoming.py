"""What comes next, as the daemon will send it: the nudges' fires (from their cursors,
out of quiet hours, not inside a pause), the talks' steps and the weekly checks (the
digest, the care check). Read by `halfway upcoming` and `status`, and by the private
app's home page: every time shown is computed by the code that fires it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from halfway.care.nudging import CARE_ID, CareNudges
from halfway.config.models import Settings
from halfway.core import cursors, schedule
from halfway.core.instants import parse_instant
from halfway.digest.weekly import DIGEST_ID, DigestNudges
from halfway.engine.planner import Planner
from halfway.store.database import Store, View
from halfway.talks import planning
from halfway.words.language import N_, _


class Ahead(NamedTuple):
    """One thing that comes: when, what (in a few words), whether quiet hours moved it,
    and whether its schedule needs seconds to be told apart."""

    due: datetime
    text: str
    deferred: bool
    exact: bool = False
    kind: str | None = None  # a nudge's or a talk step's practice (None: a weekly check)
    of_talk: bool = False  # a step of a planned talk


def annotated(text: str, note: str) -> str:
    """`text` with `note` said after it: inside its closing parenthesis when it ends with
    one, so a line reads 'evening (gesture_log, after quiet hours)', never two in a row."""
    if text.endswith(")"):
        return f"{text[:-1]}, {note})"
    return f"{text} ({note})"


def cursor_times(settings: Settings, view: View, now: datetime) -> dict[str, datetime]:
    """Each nudge's cursor, so upcoming fires are counted as the daemon will fire them."""
    return {
        n.id: cursors.since(view.get("nudges", n.id), n, settings.tz, now) for n in settings.nudges
    }


def fires(
    settings: Settings, view: View | None, now: datetime, until: datetime, limit: int
) -> list[Ahead]:
    """The nudges' next fires up to `until`, at most `limit` (`view`: None before the
    daemon's first start)."""
    since = cursor_times(settings, view, now) if view is not None else {}
    rows = view.records("nudges") if view is not None else []
    pauses = cursors.all_pauses(rows, [n.id for n in settings.nudges])
    zone, quiet = settings.tz, settings.quiet_hours
    found = schedule.upcoming(settings.nudges, zone, quiet, now, until, limit, since, pauses)
    kinds = {n.id: n.kind for n in settings.nudges}
    exact = {n.id for n in settings.nudges if schedule.needs_seconds(n)}
    return [
        Ahead(
            f.due_at,
            f"{f.nudge_id} ({kinds[f.nudge_id]})",
            f.deferred,
            f.nudge_id in exact,
            kinds[f.nudge_id],
        )
        for f in found
    ]


def planned(
    settings: Settings, store: Store | None, now: datetime, until: datetime, limit: int
) -> list[Ahead]:
    """Everything that comes up to `until`, soonest first: at most `limit` fires of the
    nudges, every talk step, the weekly checks not skipped by a pause (`store`: None
    before the daemon's first start)."""
    view = store.view() if store is not None else None
    ahead = fires(settings, view, now, until, limit)
    if store is not None:
        ahead += [s for s in talk_steps(settings, store, now) if s.due <= until]
        ahead += [
            Ahead(due, name, False)
            for name, due, paused in weekly_checks(settings, store, now)
            if due is not None and due <= until and not paused  # skipped: not listed
        ]
        ahead.sort(key=lambda row: row.due)
    return ahead


def talk_steps(settings: Settings, store: Store, now: datetime) -> list[Ahead]:
    """Each planned step of a talk: when the planner sends it, what it is, and whether
    quiet hours moved it; a step inside a pause of everything says it is skipped."""
    view = store.view()
    spans = planning.paused_all(view.records("nudges"))
    steps = []
    for _due, talk, entry in planning.upcoming(view, datetime.max.replace(tzinfo=UTC)):
        sends, deferred = planning.sends_at(entry, settings, now)
        text = planning.step_text(talk, entry)
        if planning.held_at(parse_instant(entry["due_at"]), sends, spans):
            text, deferred = annotated(text, _(planning.PAUSED_AHEAD)), False
        steps.append(Ahead(sends, text, deferred, kind=entry["kind"], of_talk=True))
    return sorted(steps, key=lambda step: step.due)


def weekly_checks(
    settings: Settings, store: Store, now: datetime
) -> list[tuple[str, datetime | None, bool]]:
    """The weekly digest and the [care] check: when each is next due, as the daemon wakes
    for it (None: it is off), and whether a pause skips it then."""

    def clock() -> datetime:
        return now

    planner = Planner(settings, store, clock, b"")  # no key: nothing is made or sent here
    wakes = (
        (N_("weekly digest"), DIGEST_ID, DigestNudges(settings, store, clock).next_wake()),
        (N_("care check"), CARE_ID, CareNudges(settings, store, clock, planner).next_wake()),
    )
    by_id = {row["id"]: row for row in store.view().records("nudges")}
    return [
        (name, due, due is not None and schedule.paused_at(due, cursors.pauses(by_id, key)))
        for name, key, due in wakes
    ]
