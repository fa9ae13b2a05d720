"""How a talk is shown, the same on both doors (`halfway talk` and the private app):
its head line, a line per step of its chain, and the other talks planned close to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo

from halfway.config.models import Settings
from halfway.core.instants import parse_instant
from halfway.core.plaintext import one_line
from halfway.core.schedule import clock_text
from halfway.store.database import Record
from halfway.talks import planning, rules
from halfway.words.language import N_, _, ngettext, pgettext

# Two talks this close may be one typed twice, or one typed in the wrong place.
NEAR = timedelta(hours=1)
Spans = tuple[tuple[datetime, datetime | None], ...]


def talk_head(talk: Record, zone: tzinfo) -> str:
    """When, about what, and whose idea: `Sat 5 Dec 19:00, about “money”`."""
    topic = _(", about “{topic}”").format(topic=talk["topic"]) if talk.get("topic") else ""
    theirs = _(", their idea") if talk.get("by") == "partner" else ""
    return one_line(f"{clock_text(parse_instant(talk['at']), zone)}{topic}{theirs}")


def chain_steps(
    talk: Record, settings: Settings, now: datetime, spans: Spans = ()
) -> list[tuple[str, str]]:
    """(kind, what of it) per step: its time (as the planner sends it, and whether quiet
    hours moved it, or a pause of everything in `spans` skips it), or what became of it."""
    zone = settings.tz
    chain = talk.get("chain", [])
    timed = (planning.STEP_PLANNED, planning.STEP_SENT)
    seconds = any(parse_instant(e["due_at"]).second for e in chain if e["state"] in timed)
    steps = []
    for entry in chain:
        due = parse_instant(entry["due_at"])
        state, reason = entry["state"], entry.get("reason")
        if state == planning.STEP_PLANNED:
            sends, deferred = planning.sends_at(entry, settings, now)
            later = _(" (after quiet hours)") if deferred else ""
            shown = _("sends now") if sends <= now else clock_text(sends, zone, seconds) + later
            if planning.held_at(due, sends, spans):
                shown = f"{clock_text(sends, zone, seconds)} ({_(planning.PAUSED_AHEAD)})"
        elif state == planning.STEP_LEFT_OUT:
            shown = _("left out: {reason}").format(reason=reason_words(reason or ""))
        elif state == planning.STEP_SENT:
            shown = _("sent {at}").format(at=clock_text(due, zone, seconds))
        else:
            shown = step_state(state) + (f": {reason_words(reason)}" if reason else "")
        steps.append((entry["kind"], shown))
    return steps


def near_talks(talk: Record, others: Iterable[Record], within: timedelta = NEAR) -> list[Record]:
    """The planned talks other than `talk` at most `within` from it, soonest first."""
    when = parse_instant(talk["at"])
    close = [
        other
        for other in others
        if other["state"] == rules.PLANNED
        and other["id"] != talk["id"]
        and abs(parse_instant(other["at"]) - when) <= within
    ]
    return sorted(close, key=lambda other: parse_instant(other["at"]))


def near_warning(other: Record, zone: tzinfo) -> str:
    """The words for another talk planned close to this one (both stay planned)."""
    return _(
        "talk {id} is also planned within an hour of this one ({head}); both stay planned"
    ).format(id=other["id"], head=talk_head(other, zone))


# What the private app calls each step of a talk's chain (the CLI shows the kinds).
STEP_NAMES = {
    rules.CLARITY_ASK: N_("Your clear ask"),
    rules.REFRAME: N_("A kinder look at the story"),
    rules.SELF_REGULATION: N_("A calm minute"),
    rules.TALK_REFLECTION: N_("Looking back"),
}
# Read in the language of the moment (`_`) where it is shown.
WHEN_EXAMPLES = N_("For example: sat 19:00, tomorrow 20:30, in 2 hours, next friday at 7pm.")


# The one stored reason with a number in it (talks/rules._decide).
TOO_CLOSE = re.compile(
    r"the talk is less than ([0-9]+) (hour|minute)s? away, too close for this one"
)


def reason_words(reason: str) -> str:
    """A step's stored reason (English, as kept) in the language of the moment."""
    close = TOO_CLOSE.fullmatch(reason)
    if close is None:
        return _(reason) if reason else ""
    n = int(close[1])
    if close[2] == "hour":
        span = ngettext("{n} hour", "{n} hours", n).format(n=n)
    else:
        span = ngettext("{n} minute", "{n} minutes", n).format(n=n)
    return _("the talk is less than {span} away, too close for this one").format(span=span)


def step_state(state: str) -> str:
    """A step's state other than planned, sent or left out, as lists show it."""
    return pgettext("talk step", "cancelled") if state == planning.STEP_CANCELLED else state


def step_name(kind: str) -> str:
    """What the private app calls a step of `kind`, in the language of the moment."""
    return _(STEP_NAMES[kind]) if kind in STEP_NAMES else kind
