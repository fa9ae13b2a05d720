"""What the weekly pattern review shows beside its question, so the answer rests on
what was recorded rather than on the mood of the evening: the latest ask (and how many
earlier ones are resting: never a list of every ask), and the gestures noted in the
seven days before the review was sent.

Pure: it reads one version of the hot file (a `View`) and takes the zone.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from halfway.core import weeks
from halfway.core.instants import parse_instant
from halfway.ledger import asks
from halfway.store.database import Record, View
from halfway.words import dates
from halfway.words.language import N_, _

KIND = "pattern_review"
# Not a week (what a week is: core/weeks, Monday to Sunday): the seven days up to the
# moment the review was sent, whatever the day, so that what it shows is what came just
# before its question.
LOOK_BACK = weeks.LAST_SEVEN_DAYS
MAX_SHOWN = 20  # a page, not an archive: the most recent this many gestures
NOT_GESTURES = frozenset({"none", "later", "pause_week"})  # gesture_log answers that say none
# An open ask's state as the page says it: "(no answer, since Thu 3 Dec)".
STATES = {
    asks.DRAFT: N_("draft"),
    asks.ASKED: N_("asked"),
    asks.AGREED: N_("agreed"),
    asks.DECLINED: N_("declined"),
    asks.NO_ANSWER: N_("no answer"),
    asks.RESTING: N_("resting"),
    asks.FOLLOWED_UP: N_("followed up"),
}


def _when(instant: datetime, zone: tzinfo) -> str:
    return dates.weekday_day(instant.astimezone(zone))


def gestures(view: View, start: datetime, end: datetime, zone: tzinfo) -> list[dict[str, str]]:
    """The gestures noted in (start, end], oldest first: `log gesture` entries, and the
    words of the evening gesture check-in's answers."""
    found: list[tuple[datetime, str]] = []
    for entry in view.records("entries"):
        if entry.get("kind") == "gesture" and entry.get("at") and entry.get("text"):
            found.append((parse_instant(entry["at"]), str(entry["text"])))
    kinds = {d["id"]: d.get("kind") for d in view.records("deliveries")}
    for reply in view.records("replies"):
        value = str(reply.get("value") or "").strip()
        if kinds.get(reply.get("delivery_id")) == "gesture_log" and value not in NOT_GESTURES:
            found.append((parse_instant(reply["received_at"]), value))
    inside = sorted((when, text) for when, text in found if start < when <= end)
    return [{"when": _when(when, zone), "text": text} for when, text in inside[-MAX_SHOWN:]]


def state(name: str) -> str:
    """An ask's state in words, in the language of the moment."""
    return _(STATES[name]) if name in STATES else name.replace("_", " ")


def grounding(view: View, delivery: Record, zone: tzinfo) -> dict[str, object] | None:
    """For a pattern review delivery: the latest open ask, how many asks rest, and the
    week's gestures (None for any other delivery)."""
    if delivery.get("kind") != KIND or not delivery.get("scheduled_for"):
        return None
    end = parse_instant(delivery["scheduled_for"])
    last, resting = asks.latest(view.asks())
    return {
        "latest": {
            "text": last["text"],
            "state": state(str(last["state"])),
            "since": _when(parse_instant(last["at"]), zone),
        }
        if last
        else None,
        "resting": resting,
        "gestures": gestures(view, end - LOOK_BACK, end, zone),
    }
