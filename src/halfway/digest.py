"""The weekly digest's figures, as pure rules: records, an ISO week and a zone in, one
frozen `Digest` out. Rendering is `digest_render`; reading and sending, `digest_send`.

A week is a local ISO week: Monday 00:00 to the next Monday 00:00 in the user's zone,
whatever daylight saving does in between (instants are compared by their local date).
As in `care`, a reply counts on the day of the nudge it answers, so the evening's
gesture answered after midnight stays with its evening. The trend, the partner's
side and the care notes are `care`'s own weeks and triggers, so the digest and the
care nudges never disagree.

Nothing here reads the clock or the disk: the records and `now` are given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from halfway import asks, care
from halfway.deliveries import MISSED, REACHED, SKIPPED, at

Record = dict[str, Any]

TREND_WEEKS = 8
BALANCE_WEEKS = 12  # the balance looks this far back …
HALF_LIFE_WEEKS = 4  # … each week weighing half as much as the week four weeks later
BALANCE_LINE = (
    "How it is computed: their share of all the reaching out and movement over the last "
    f"{BALANCE_WEEKS} weeks, each week counting half as much as one {HALF_LIFE_WEEKS} weeks "
    "later, so one quiet week never wipes out the rest."
)
MOVEMENT_CODES = ("agreed_time", "acknowledged", "small_change", "none")
NO_MOVEMENT = frozenset({"none", "avoided", "refused"})  # shown together, as "no movement"
NOT_ANSWERS = frozenset({"later", "pause_week"})
NOT_GESTURES = NOT_ANSWERS | {"none"}
OWN = ("digest:", "care:")  # halfway's own messages are not check-ins
WEEK_TEXT = re.compile(r"(\d{4})-W(\d{1,2})")


@dataclass(frozen=True)
class Gesture:
    day: date
    text: str
    by: str | None = None


@dataclass(frozen=True)
class TrendWeek:
    week: str  # "2026-W48"
    monday: date
    movement: int  # movement answered (agreed a time, acknowledged, a small change)
    theirs: int  # the partner's side: their entries and the movement answered
    mine: int  # my side: my own initiations
    active: bool  # anything recorded at all


@dataclass(frozen=True)
class Change:
    name: str
    now: int
    before: int

    @property
    def direction(self) -> str:
        return "up" if self.now > self.before else "down" if self.now < self.before else "same"


@dataclass(frozen=True)
class OpenAsk:
    text: str
    state: str
    since: date


@dataclass(frozen=True)
class Digest:
    """One week's figures. Counts are whole numbers; `balance` a percentage or None."""

    week: str
    monday: date
    sunday: date
    # what I did
    sent: int  # check-ins that reached me
    answered: int
    self_regulation: int  # moments of calm taken (self_regulation nudges answered)
    asks_made: int
    boundaries: Mapping[str, int]  # held, strained, crossed
    my_initiations: int
    # what moved
    movement: Mapping[str, int]  # agreed_time, acknowledged, small_change, none
    moved: int  # the first three together
    partner_initiations: int
    asks_answered: Mapping[str, int]  # agreed, declined, no_answer
    gestures: tuple[Gesture, ...]
    # the pattern
    trend: tuple[TrendWeek, ...]  # TREND_WEEKS, oldest first, this week last
    balance: int | None
    balance_before: int | None
    compared: tuple[Change, ...]
    missed: int
    skipped: int
    open_asks: tuple[OpenAsk, ...]
    care_notes: tuple[str, ...]  # care.REVISIT_BOUNDARIES, care.COUNSELLOR, care.STEP_BACK
    empty: bool  # nothing logged this week


# weeks ---------------------------------------------------------------------------------


def week_name(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def last_complete_week(now: datetime, zone: tzinfo) -> str:
    return week_name(care.last_whole_week(now, zone))


def monday_of(week: str, now: datetime, zone: tzinfo) -> date:
    """The Monday of `week` ('2026-W48'); ValueError, one line, for an impossible week or
    one that has not begun yet in `zone` at `now`."""
    found = WEEK_TEXT.fullmatch(week.strip())
    if found is None:
        raise ValueError(f"'{week}' is not a week like 2026-W48")
    year, number = int(found[1]), int(found[2])
    try:
        monday = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ValueError(f"{week}: {year} has no week {number}") from None
    if monday > care.week_of(now, zone):
        raise ValueError(f"{week} has not begun yet")
    return monday


def months_needed(monday: date) -> tuple[str, str]:
    """The archive months (UTC) that can hold what the digest of `monday`'s week reads:
    BALANCE_WEEKS + 1 weeks back, to the day after the week (a zone is at most a day off)."""
    first = monday - timedelta(weeks=BALANCE_WEEKS + 1, days=1)
    last = monday + timedelta(days=8)
    return first.strftime("%Y-%m"), last.strftime("%Y-%m")


# the figures -------------------------------------------------------------------------


class _Week:
    """The records that fall in one local week, found once."""

    def __init__(self, records: Mapping[str, Iterable[Record]], monday: date, zone: tzinfo):
        self.monday, self.zone = monday, zone
        self.deliveries = {d["id"]: d for d in records.get("deliveries", ()) if "id" in d}
        self.sent = [
            d
            for d in self.deliveries.values()
            if self.inside(d.get("scheduled_for"))
            and d.get("state") in REACHED
            and not d.get("reminder_of")
            and not str(d.get("nudge_id", "")).startswith(OWN)
        ]
        self.replies: list[tuple[Record, Record]] = []  # (reply, its delivery)
        for reply in records.get("replies", ()):
            delivery = self.deliveries.get(reply.get("delivery_id", ""), {})
            when = delivery.get("scheduled_for") or reply.get("received_at")
            if self.inside(when) and reply.get("value") not in NOT_ANSWERS:
                self.replies.append((reply, delivery))
        self.entries = [e for e in records.get("entries", ()) if self.inside(e.get("at"))]

    def inside(self, instant: str | None) -> bool:
        return bool(instant) and care.week_of(at(str(instant)), self.zone) == self.monday

    def day(self, instant: str) -> date:
        return at(instant).astimezone(self.zone).date()

    def answered(self) -> int:
        sent = {d["id"] for d in self.sent}
        return len({r["delivery_id"] for r, _ in self.replies if r.get("delivery_id") in sent})

    def replies_to(self, kind: str) -> list[Record]:
        return [r for r, d in self.replies if d.get("kind") == kind]

    def movement(self) -> dict[str, int]:
        counts = dict.fromkeys(MOVEMENT_CODES, 0)
        for kind in sorted(care.ASKS_MOVEMENT):
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
            (at(e["at"]), Gesture(self.day(e["at"]), str(e["text"]), e.get("by")))
            for e in self.entries
            if e.get("kind") == "gesture" and e.get("text")
        ]
        for reply, delivery in self.replies:
            value = str(reply.get("value") or "").strip()
            if delivery.get("kind") == "gesture_log" and value and value not in NOT_GESTURES:
                when = delivery.get("scheduled_for") or reply["received_at"]
                found.append((at(when), Gesture(self.day(when), value)))
        return tuple(g for _, g in sorted(found, key=lambda pair: pair[0]))

    def gaps(self, state: str) -> int:
        return sum(
            int(d.get("count", 1))
            for d in self.deliveries.values()
            if d.get("state") == state and self.inside(d.get("scheduled_for"))
        )


def _boundary_answers(records: Mapping[str, Iterable[Record]], week: _Week) -> dict[str, int]:
    counts = {"held": 0, "strained": 0, "crossed": 0}
    for boundary in records.get("boundaries", ()):
        for answer in boundary.get("answers", ()):
            if answer.get("value") in counts and week.inside(answer.get("at")):
                counts[answer["value"]] += 1
    return counts


def _asks_answered(records: Mapping[str, Iterable[Record]], week: _Week) -> dict[str, int]:
    """Each ask's last answer given inside the week, by state."""
    counts = dict.fromkeys(asks.RESPONSES, 0)
    for ask in records.get("asks", ()):
        inside = [h for h in ask.get("history", ()) if week.inside(h.get("at"))]
        answers = [h["state"] for h in inside if h.get("state") in counts]
        if answers:
            counts[answers[-1]] += 1
    return counts


def _open_asks(records: Mapping[str, Iterable[Record]], end: date, zone: tzinfo) -> list[OpenAsk]:
    """The asks still open when the week ended (as their history stood then), oldest first."""
    found = []
    for ask in records.get("asks", ()):
        if at(ask["at"]).astimezone(zone).date() >= end:
            continue
        then = [
            h
            for h in ask.get("history", ())
            if at(h["at"]).astimezone(zone).date() < end and h.get("state")
        ]
        state = then[-1]["state"] if then else ask.get("state", asks.MADE)
        if state != asks.FOLLOWED_UP:
            since = at(ask["at"]).astimezone(zone).date()
            found.append(OpenAsk(str(ask["text"]), str(state).replace("_", " "), since))
    return sorted(found, key=lambda a: a.since)


def _balance(by_week: Mapping[date, care.Week], last: date) -> int | None:
    """Their share of all reaching out, weighted by a half-life (see BALANCE_LINE)."""
    theirs = total = 0.0
    for age in range(BALANCE_WEEKS):
        week = by_week.get(last - timedelta(weeks=age))
        if week is None:
            break
        weight = 0.5 ** (age / HALF_LIFE_WEEKS)
        theirs += weight * week.theirs
        total += weight * (week.theirs + week.mine)
    return round(100 * theirs / total) if total else None


def _care_notes(by_week: Mapping[date, care.Week], monday: date) -> tuple[str, ...]:
    """The care notes that apply this week: each the week its run reaches its length,
    so a note comes once, gently, not every week after."""
    notes = []
    rising = care.rising_run(by_week, monday)
    if rising and rising[1] == care.RISING_WEEKS:
        notes.append(care.STEP_BACK)
    still = care.still_run(by_week, monday)
    if still and still[1] == care.STILL_WEEKS[care.COUNSELLOR]:
        notes.append(care.COUNSELLOR)
    elif still and still[1] == care.STILL_WEEKS[care.REVISIT_BOUNDARIES]:
        notes.append(care.REVISIT_BOUNDARIES)
    return tuple(notes)


def build(
    records: Mapping[str, Iterable[Record]], week: str, zone: tzinfo, now: datetime
) -> Digest:
    """The digest of `week` ('2026-W48') in `zone`; ValueError (one line) for a week that
    cannot be or has not begun at `now`. `records` holds the tables of `layout.TABLES`."""
    monday = monday_of(week, now, zone)
    tables = {name: list(rows) for name, rows in records.items()}
    this, before = _Week(tables, monday, zone), _Week(tables, monday - timedelta(weeks=1), zone)
    by_week = care.weeks(tables, zone, monday, count=max(care.LOOK_BACK_WEEKS, BALANCE_WEEKS + 1))
    trend = tuple(
        TrendWeek(week_name(w.monday), w.monday, w.movement, w.theirs, w.mine, w.active)
        for w in list(by_week.values())[-TREND_WEEKS:]
    )
    movement = this.movement()
    moved = sum(n for code, n in movement.items() if code != "none")
    last_week = by_week[monday - timedelta(weeks=1)]
    gestures = this.gestures()
    boundaries = _boundary_answers(tables, this)
    asks_answered = _asks_answered(tables, this)
    asks_made = sum(1 for a in tables.get("asks", ()) if this.inside(a.get("at")))
    compared = (
        Change("movement", by_week[monday].movement, last_week.movement),
        Change("their side", by_week[monday].theirs, last_week.theirs),
        Change("my reaching out", by_week[monday].mine, last_week.mine),
        Change("check-ins answered", this.answered(), before.answered()),
        Change("gestures noticed", len(gestures), len(before.gestures())),
    )
    logged = (
        this.replies
        or this.entries
        or asks_made
        or any(asks_answered.values())
        or any(boundaries.values())
    )
    return Digest(
        week=week_name(monday),
        monday=monday,
        sunday=monday + timedelta(days=6),
        sent=len(this.sent),
        answered=this.answered(),
        self_regulation=len(this.replies_to("self_regulation")),
        asks_made=asks_made,
        boundaries=boundaries,
        my_initiations=this.initiations("me"),
        movement=movement,
        moved=moved,
        partner_initiations=this.initiations("partner"),
        asks_answered=asks_answered,
        gestures=gestures,
        trend=trend,
        balance=_balance(by_week, monday),
        balance_before=_balance(by_week, monday - timedelta(weeks=1)),
        compared=compared,
        missed=this.gaps(MISSED),
        skipped=this.gaps(SKIPPED),
        open_asks=tuple(_open_asks(tables, monday + timedelta(weeks=1), zone)),
        care_notes=_care_notes(by_week, monday),
        empty=not logged,
    )
