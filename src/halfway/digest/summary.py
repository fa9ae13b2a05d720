"""The summary for a counsellor, as pure rules: the records of a period, its first and last
day and a zone in, one frozen `Summary` out (`halfway summary`; words and files in
`digest/summaryrender`).

What it holds, and nothing else: the weeks of the period as one strip (the digest's rule,
`core/weeks`: each week that touches the period, whole), the talks with their topics and
what was noted after them, the asks said and what became of them, the boundaries and how
they felt, and only when the person chooses: their own notes (`notes`: notes logged, the
notes beside answers, a talk's intent and what helped) and what hurt (`hurt`). Drafts of
asks are the person's own and never appear. No count of what was skipped, no ratio, no
score.

A day is a local date in the person's zone; a reply belongs to the day of the nudge it
answers, as in the digest. Nothing here reads the clock or the disk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from halfway.core import plaintext, weeks
from halfway.core.instants import parse_instant
from halfway.core.rawjson import Record
from halfway.digest.figures import FIRST_YEAR, NO_MOVEMENT, StripWeek
from halfway.ledger import asks
from halfway.talks import rules
from halfway.words.language import _


@dataclass(frozen=True)
class TalkLine:
    day: date
    topic: str | None
    done: bool  # it took place (else it was planned, and not marked done)
    reflection: str | None  # the code noted after it: agreed_time … or "none"
    intent: str | None  # the person's own words: only with notes
    helped: str | None  # the reflection's note: only with notes


@dataclass(frozen=True)
class AskStep:
    day: date
    state: str  # asked, agreed, declined, no_answer, resting, followed_up


@dataclass(frozen=True)
class AskLine:
    text: str
    steps: tuple[AskStep, ...]  # its changes inside the period, the first one said


@dataclass(frozen=True)
class BoundaryAnswer:
    day: date
    value: str  # held, strained, crossed
    note: str | None  # only with notes


@dataclass(frozen=True)
class BoundaryLine:
    text: str
    answers: tuple[BoundaryAnswer, ...]


@dataclass(frozen=True)
class Written:
    """A note or something that hurt: a day and the person's words."""

    day: date
    text: str


@dataclass(frozen=True)
class Summary:
    first: date
    last: date
    strip: tuple[StripWeek, ...]  # each week touching the period, oldest first
    talks: tuple[TalkLine, ...]
    asks: tuple[AskLine, ...]
    boundaries: tuple[BoundaryLine, ...]
    notes: tuple[Written, ...] | None  # None: the person left their notes out
    hurt: tuple[Written, ...] | None  # None: left out


def period(first: date, last: date, today: date) -> None:
    """ValueError (one line) for a period that cannot be summed up."""
    if first.year < FIRST_YEAR:
        raise ValueError(_("halfway has nothing from before {first}").format(first=FIRST_YEAR))
    if last < first:
        said = _("--to {last} is before --from {first}")
        raise ValueError(said.format(last=last, first=first))
    if first > today:
        raise ValueError(_("--from {first} has not come yet").format(first=first))


def months_needed(first: date, last: date) -> tuple[str, str]:
    """The archive months (UTC) that can hold the period's records, whole weeks and a day
    each side (a zone is at most a day off)."""
    begin = first - timedelta(days=first.weekday() + 1)
    end = last + timedelta(days=8 - last.weekday())
    return begin.strftime("%Y-%m"), end.strftime("%Y-%m")


class _Period:
    def __init__(self, first: date, last: date, zone: tzinfo) -> None:
        self.first, self.last, self.zone = first, last, zone

    def day(self, instant: object) -> date | None:
        if not instant:
            return None
        return parse_instant(str(instant)).astimezone(self.zone).date()

    def inside(self, instant: object) -> bool:
        day = self.day(instant)
        return day is not None and self.first <= day <= self.last


def _words(text: object) -> str | None:
    words = plaintext.one_line(str(text or "")).strip()
    return words or None


def _reflections(tables: Mapping[str, list[Record]]) -> dict[str, Record]:
    """Each talk's reflection reply, by the talk's id (its latest answer)."""
    reflection_of = {
        d["id"]: d["talk_id"]
        for d in tables.get("deliveries", ())
        if d.get("kind") == rules.TALK_REFLECTION and d.get("talk_id") and "id" in d
    }
    found: dict[str, Record] = {}
    for reply in sorted(tables.get("replies", ()), key=lambda r: parse_instant(r["received_at"])):
        talk_id = reflection_of.get(reply.get("delivery_id", ""))
        if talk_id and reply.get("value") not in weeks.NOT_ANSWERS:
            found[talk_id] = reply
    return found


def _talks(tables: Mapping[str, list[Record]], p: _Period, notes: bool) -> list[TalkLine]:
    reflections = _reflections(tables)
    found = []
    for talk in tables.get("talks", ()):
        if talk.get("state") == rules.CANCELLED or not p.inside(talk.get("at")):
            continue
        reply = reflections.get(talk["id"])
        value = str(reply["value"]) if reply else None
        found.append(
            (
                parse_instant(talk["at"]),
                TalkLine(
                    day=p.day(talk["at"]) or p.first,
                    topic=_words(talk.get("topic")),
                    done=talk.get("state") == rules.DONE,
                    reflection="none" if value in NO_MOVEMENT else value,
                    intent=_words(talk.get("intent")) if notes else None,
                    helped=_words(talk.get("helped")) if notes else None,
                ),
            )
        )
    return [line for _, line in sorted(found, key=lambda pair: pair[0])]


def _asks(tables: Mapping[str, list[Record]], p: _Period) -> list[AskLine]:
    found = []
    for ask in map(asks.read, tables.get("asks", ())):
        history = ask.get("history") or [{"state": ask.get("state"), "at": ask.get("at")}]
        said = [h for h in history if h.get("state") != asks.DRAFT]
        if not said or (p.day(said[0].get("at")) or p.last) > p.last:
            continue  # a draft is only the person's own; said after the period: not yet
        steps = tuple(
            AskStep(p.day(h["at"]) or p.first, str(h["state"]))
            for h in said
            if p.inside(h.get("at"))
        )
        if steps:
            found.append((parse_instant(said[0]["at"]), AskLine(_words(ask["text"]) or "", steps)))
    return [line for _, line in sorted(found, key=lambda pair: pair[0])]


def _boundaries(tables: Mapping[str, list[Record]], p: _Period, notes: bool) -> list[BoundaryLine]:
    found = []
    for boundary in tables.get("boundaries", ()):
        answers = sorted(
            (
                a
                for a in boundary.get("answers", ())
                if a.get("value") in ("held", "strained", "crossed") and p.inside(a.get("at"))
            ),
            key=lambda a: parse_instant(a["at"]),
        )
        if answers:
            line = BoundaryLine(
                _words(boundary.get("text")) or "",
                tuple(
                    BoundaryAnswer(
                        p.day(a["at"]) or p.first,
                        str(a["value"]),
                        _words(a.get("note")) if notes else None,
                    )
                    for a in answers
                ),
            )
            found.append((parse_instant(answers[0]["at"]), line))
    return [line for _, line in sorted(found, key=lambda pair: pair[0])]


def _entries(tables: Mapping[str, list[Record]], p: _Period, kind: str) -> list[Written]:
    found = [
        (parse_instant(e["at"]), Written(p.day(e["at"]) or p.first, words))
        for e in tables.get("entries", ())
        if e.get("kind") == kind and p.inside(e.get("at")) and (words := _words(e.get("text")))
    ]
    return [w for _, w in sorted(found, key=lambda pair: pair[0])]


def _reply_notes(tables: Mapping[str, list[Record]], p: _Period) -> list[Written]:
    """The notes written beside answers, on the day of the nudge each answers (a talk's
    reflection note is shown with its talk, a boundary's with its boundary)."""
    sent = {d["id"]: d for d in tables.get("deliveries", ()) if "id" in d}
    found = []
    for reply in tables.get("replies", ()):
        delivery = sent.get(reply.get("delivery_id", ""), {})
        if delivery.get("kind") in (rules.TALK_REFLECTION, "boundary"):
            continue
        when = delivery.get("scheduled_for") or reply.get("received_at")
        words = _words(reply.get("note"))
        if words and p.inside(when):
            found.append((parse_instant(str(when)), Written(p.day(when) or p.first, words)))
    return [w for _, w in sorted(found, key=lambda pair: pair[0])]


def build(
    records: Mapping[str, Iterable[Record]],
    first: date,
    last: date,
    zone: tzinfo,
    now: datetime,
    notes: bool = False,
    hurt: bool = False,
) -> Summary:
    """The summary of the local days `first` to `last` (both in); ValueError (one line)
    for a period that cannot be (see `period`)."""
    period(first, last, now.astimezone(zone).date())
    tables = {name: list(rows) for name, rows in records.items()}
    p = _Period(first, last, zone)
    first_monday = first - timedelta(days=first.weekday())
    last_monday = last - timedelta(days=last.weekday())
    count = (last_monday - first_monday).days // 7 + 1
    by_week = weeks.weeks(tables, zone, last_monday, count=count)
    strip = tuple(StripWeek(w.monday, weeks.week_mark(w), w.energy) for w in by_week.values())
    own_notes = None
    if notes:
        own_notes = tuple(
            sorted([*_entries(tables, p, "note"), *_reply_notes(tables, p)], key=lambda w: w.day)
        )
    return Summary(
        first=first,
        last=last,
        strip=strip,
        talks=tuple(_talks(tables, p, notes)),
        asks=tuple(_asks(tables, p)),
        boundaries=tuple(_boundaries(tables, p, notes)),
        notes=own_notes,
        hurt=tuple(_entries(tables, p, "hurt")) if hurt else None,
    )
