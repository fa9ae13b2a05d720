"""The weekly digest's figures, as pure rules: records, an ISO week and a zone in, one
frozen `Digest` out. Rendering is `digest/render`; reading and sending, `digest/weekly`.

A week is a local ISO week: Monday 00:00 to the next Monday 00:00 in the user's zone,
whatever daylight saving does in between (instants are compared by their local date).
As in `care/triggers`, a reply counts on the day of the nudge it answers, so the evening's
gesture answered after midnight stays with its evening.

No score: the digest keeps no ratio of who tries, no comparison with last week and no
count of what was skipped or missed (those are in `halfway status`). What counts as
movement, as a small moment, and as neither, is one rule (`core/weeks.weeks`), shared
with the care notes, so the strip of weeks and the care notes never disagree. The person's own side is
theirs alone: what they did, and their own energy as their own trend.

Nothing here reads the clock or the disk: the records and `now` are given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from halfway.care import engage, triggers
from halfway.core import weeks
from halfway.core.deliveries import REACHED
from halfway.core.instants import parse_instant
from halfway.core.rawjson import Record
from halfway.ledger import asks
from halfway.words.language import _

STRIP_WEEKS = 8
MOVEMENT_CODES = ("agreed_time", "acknowledged", "small_change", "none")
NO_MOVEMENT = frozenset({"none", "avoided", "refused"})  # shown together, as "no movement"
OWN = ("digest:", "care:")  # halfway's own messages are not check-ins
FIRST_YEAR = 1970  # the first year a week may be asked for
WEEK_TEXT = re.compile(r"(\d{4})-W(\d{1,2})")
SAID = weeks.SAID
OWN_MARK = "written"  # the own-side strip's mark of a week with something written down


@dataclass(frozen=True)
class Gesture:
    day: date
    text: str
    by: str | None = None


@dataclass(frozen=True)
class Hurt:
    """Something that hurt or worried the person: shown, never counted as effort."""

    day: date
    text: str
    by: str | None = None


@dataclass(frozen=True)
class BoundaryCheck:
    text: str
    value: str  # held, strained, crossed


@dataclass(frozen=True)
class StripWeek:
    monday: date
    mark: str  # one of core/weeks.MARKS
    energy: int | None  # the weekly review's 1–5 energy answer, if given


@dataclass(frozen=True)
class LatestAsk:
    text: str
    state: str  # as it stood when the week ended
    since: date


@dataclass(frozen=True)
class Digest:
    """One week: what the person did, what moved, the small moments, the strip of weeks."""

    week: str
    monday: date
    sunday: date
    sent: int  # check-ins that came by (said only when nothing was written down)
    # what you did: your own side, yours alone
    self_regulation: int  # moments of calm taken
    asks_said: int  # asks said to the partner this week (drafts are not)
    boundaries: tuple[BoundaryCheck, ...]  # each check-in on a boundary, in order
    my_initiations: int
    energy: int | None  # this week's energy answer
    # what moved
    movement: Mapping[str, int]  # agreed_time, acknowledged, small_change, none
    asks_agreed: int
    partner_talks: int  # talks or plans the partner began
    moved: int  # all movement together: the strip's rule
    # the small moments, and what hurt
    partner_initiations: int
    gestures: tuple[Gesture, ...]
    hurt: tuple[Hurt, ...]
    # the weeks
    strip: tuple[StripWeek, ...]  # STRIP_WEEKS, oldest first, this week last
    moved_weeks: int  # weeks of the strip with movement noted
    latest_ask: LatestAsk | None
    resting_asks: int  # earlier asks that rest
    care_notes: tuple[str, ...]  # care.TRIGGERS this digest carries
    empty: bool  # nothing written down this week
    partner: bool = True  # False: only the person's own side (`[partner] record = false`)

    @property
    def mark(self) -> str:
        return self.strip[-1].mark


# weeks ---------------------------------------------------------------------------------


def week_name(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def last_complete_week(now: datetime, zone: tzinfo) -> str:
    return week_name(weeks.last_whole_week(now, zone))


def monday_of(week: str, now: datetime, zone: tzinfo) -> date:
    """The Monday of `week` ('2026-W48'); ValueError, one line, for an impossible week or
    one that has not begun yet in `zone` at `now`."""
    found = WEEK_TEXT.fullmatch(week.strip())
    if found is None:
        raise ValueError(_("'{week}' is not a week like 2026-W48").format(week=week))
    year, number = int(found[1]), int(found[2])
    if year < FIRST_YEAR:  # nothing is kept from before; and a week of year 1 overflows
        said = _("{week}: halfway has no weeks before {first}")
        raise ValueError(said.format(week=week, first=FIRST_YEAR))
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        said = _("{week}: {year} has no week {number}")
        raise ValueError(said.format(week=week, year=year, number=number)) from None
    if monday > weeks.week_of(now, zone):
        raise ValueError(_("{week} has not begun yet").format(week=week))
    return monday


def months_needed(monday: date) -> tuple[str, str]:
    """The archive months (UTC) that can hold what the digest of `monday`'s week reads:
    care's look-back, to the day after the week (a zone is at most a day off)."""
    first = monday - timedelta(weeks=weeks.LOOK_BACK_WEEKS, days=1)
    last = monday + timedelta(days=8)
    return first.strftime("%Y-%m"), last.strftime("%Y-%m")


# the week's records --------------------------------------------------------------------


class _Week:
    """The records that fall in one local week, found once."""

    def __init__(self, records: Mapping[str, Iterable[Record]], monday: date, zone: tzinfo):
        self.monday, self.zone = monday, zone
        deliveries = {d["id"]: d for d in records.get("deliveries", ()) if "id" in d}
        self.sent = [
            d
            for d in deliveries.values()
            if self.inside(d.get("scheduled_for"))
            and d.get("state") in REACHED
            and not d.get("reminder_of")
            and not str(d.get("nudge_id", "")).startswith(OWN)
        ]
        self.replies: list[tuple[Record, Record]] = []  # (reply, its delivery)
        for reply in records.get("replies", ()):
            delivery = deliveries.get(reply.get("delivery_id", ""), {})
            when = delivery.get("scheduled_for") or reply.get("received_at")
            if self.inside(when) and reply.get("value") not in weeks.NOT_ANSWERS:
                self.replies.append((reply, delivery))
        self.entries = sorted(
            (e for e in records.get("entries", ()) if self.inside(e.get("at"))),
            key=lambda e: parse_instant(e["at"]),
        )

    def inside(self, instant: str | None) -> bool:
        return (
            bool(instant) and weeks.week_of(parse_instant(str(instant)), self.zone) == self.monday
        )

    def day(self, instant: str) -> date:
        return parse_instant(instant).astimezone(self.zone).date()

    def replies_to(self, kind: str) -> list[Record]:
        return [r for r, d in self.replies if d.get("kind") == kind]

    def movement(self) -> dict[str, int]:
        counts = dict.fromkeys(MOVEMENT_CODES, 0)
        for kind in sorted(weeks.ASKS_MOVEMENT):
            for reply in self.replies_to(kind):
                value = str(reply.get("value"))
                code = "none" if value in NO_MOVEMENT else value
                if code in counts:
                    counts[code] += 1
        return counts

    def initiations(self, by: str) -> int:
        return sum(
            1 for e in self.entries if e.get("kind") == "initiation" and (e.get("by") or "me") == by
        )

    def gestures(self) -> tuple[Gesture, ...]:
        found = [
            (parse_instant(e["at"]), Gesture(self.day(e["at"]), str(e["text"]), e.get("by")))
            for e in self.entries
            if e.get("kind") == "gesture" and e.get("text")
        ]
        for reply, delivery in self.replies:
            if weeks.is_gesture_answer(delivery, reply.get("value")):
                when = delivery.get("scheduled_for") or reply["received_at"]
                found.append(
                    (parse_instant(when), Gesture(self.day(when), str(reply["value"]).strip()))
                )
        return tuple(g for _, g in sorted(found, key=lambda pair: pair[0]))

    def hurt(self) -> tuple[Hurt, ...]:
        return tuple(
            Hurt(self.day(e["at"]), str(e["text"]), e.get("by"))
            for e in self.entries
            if e.get("kind") == "hurt" and e.get("text")
        )


def _boundary_checks(records: Mapping[str, Iterable[Record]], week: _Week) -> list[BoundaryCheck]:
    found = [
        (
            parse_instant(answer["at"]),
            BoundaryCheck(str(boundary.get("text", "")), str(answer["value"])),
        )
        for boundary in records.get("boundaries", ())
        for answer in boundary.get("answers", ())
        if answer.get("value") in ("held", "strained", "crossed") and week.inside(answer.get("at"))
    ]
    return [check for _, check in sorted(found, key=lambda pair: pair[0])]


def _state_then(ask: Record, end: date, zone: tzinfo) -> str:
    then = [
        h
        for h in ask.get("history", ())
        if h.get("state") and parse_instant(h["at"]).astimezone(zone).date() < end
    ]
    return str(then[-1]["state"] if then else ask.get("state", asks.ASKED))


def _asks(
    records: Mapping[str, Iterable[Record]], end: date, zone: tzinfo
) -> tuple[LatestAsk | None, int]:
    """The latest ask said by the week's end (not a draft), and how many earlier rest."""
    said = []
    for ask in records.get("asks", ()):
        since = parse_instant(ask["at"]).astimezone(zone).date()
        state = _state_then(ask, end, zone)
        if since < end and state != asks.DRAFT:  # a draft is only the person's own
            said.append((parse_instant(ask["at"]), LatestAsk(str(ask["text"]), state, since)))
    if not said:
        return None, 0
    said.sort(key=lambda pair: pair[0])
    latest = said[-1][1]
    return latest, sum(1 for _, a in said[:-1] if a.state == asks.RESTING)


def _asks_said(records: Mapping[str, Iterable[Record]], week: _Week) -> int:
    """Asks said this week: made (or marked asked) inside the week; drafts are not."""
    count = 0
    for ask in records.get("asks", ()):
        history = ask.get("history") or [{"state": ask.get("state"), "at": ask.get("at")}]
        if any(h.get("state") in SAID and week.inside(h.get("at")) for h in history):
            count += 1
    return count


def _asks_agreed(records: Mapping[str, Iterable[Record]], week: _Week) -> int:
    return sum(
        1
        for ask in records.get("asks", ())
        if any(week.inside(instant) for instant in weeks.asks_agreed(ask))
    )


def build(
    records: Mapping[str, Iterable[Record]],
    week: str,
    zone: tzinfo,
    now: datetime,
    care_notes: Iterable[str] = (),
    partner: bool = True,
) -> Digest:
    """The digest of `week` ('2026-W48') in `zone`, carrying `care_notes` (the care
    triggers it was given to say); ValueError (one line) for a week that cannot be or
    has not begun at `now`. `records` holds the tables of `layout.TABLES`.

    Without `partner` (`[partner] record = false`) it reads only the person's own side
    (`care.engage.own_side`): nothing moved or noticed of the partner is counted, and
    each week of the strip is marked only as written down (OWN_MARK) or not."""
    monday = monday_of(week, now, zone)
    tables = {name: list(rows) for name, rows in records.items()}
    if not partner:
        tables = engage.own_side(tables)
    this = _Week(tables, monday, zone)
    by_week = weeks.weeks(tables, zone, monday, count=weeks.LOOK_BACK_WEEKS)
    strip = tuple(
        StripWeek(w.monday, _mark(w, partner), w.energy)
        for w in list(by_week.values())[-STRIP_WEEKS:]
    )
    if not partner:
        return _own(tables, this, by_week[monday], strip, care_notes)
    latest, resting = _asks(tables, monday + timedelta(weeks=1), zone)
    partner_talks = sum(
        1
        for t in tables.get("talks", ())
        if t.get("by") == "partner" and this.inside(t.get("created_at") or t.get("at"))
    )
    return Digest(
        week=week_name(monday),
        monday=monday,
        sunday=monday + timedelta(days=6),
        sent=len(this.sent),
        self_regulation=len(this.replies_to("self_regulation")),
        asks_said=_asks_said(tables, this),
        boundaries=tuple(_boundary_checks(tables, this)),
        my_initiations=this.initiations("me"),
        energy=by_week[monday].energy,
        movement=this.movement(),
        asks_agreed=_asks_agreed(tables, this),
        partner_talks=partner_talks,
        moved=by_week[monday].movement,
        partner_initiations=this.initiations("partner"),
        gestures=this.gestures(),
        hurt=this.hurt(),
        strip=strip,
        moved_weeks=sum(1 for w in strip if w.mark == weeks.MARK_MOVEMENT),
        latest_ask=latest,
        resting_asks=resting,
        care_notes=tuple(n for n in triggers.TRIGGERS if n in set(care_notes)),
        empty=not by_week[monday].active,
    )


def _mark(w: weeks.Week, partner: bool) -> str:
    """A week's mark on the strip: `core/weeks`'s; on the own side, written or not."""
    if partner:
        return weeks.week_mark(w)
    return OWN_MARK if w.active else weeks.MARK_NOTHING


def _own(
    tables: Mapping[str, list[Record]],
    this: _Week,
    week: weeks.Week,
    strip: tuple[StripWeek, ...],
    care_notes: Iterable[str],
) -> Digest:
    """The digest of the person's own side: the partner's figures left at nothing."""
    latest, resting = _asks(tables, this.monday + timedelta(weeks=1), this.zone)
    return Digest(
        week=week_name(this.monday),
        monday=this.monday,
        sunday=this.monday + timedelta(days=6),
        sent=len(this.sent),
        self_regulation=len(this.replies_to("self_regulation")),
        asks_said=_asks_said(tables, this),
        boundaries=tuple(_boundary_checks(tables, this)),
        my_initiations=this.initiations("me"),
        energy=week.energy,
        movement={},
        asks_agreed=0,
        partner_talks=0,
        moved=0,
        partner_initiations=0,
        gestures=(),
        hurt=this.hurt(),
        strip=strip,
        moved_weeks=0,
        latest_ask=latest,
        resting_asks=resting,
        care_notes=tuple(n for n in triggers.TRIGGERS if n in set(care_notes)),
        empty=not week.active,
        partner=False,
    )
