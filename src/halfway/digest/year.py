"""A gentle year in review, as pure rules and words: records, a year and a zone in, one
frozen `Year` out (or None), and its text (`halfway digest --year 2026`, the app's
`/year/2026`). Reading the store is `read`; the January offer, `digest/yearly`.

- *a year's weeks*: the weeks (`core/weeks`) whose Monday falls in the year; a week
  counts in the month, and the year, of its Monday, so every week is in one month;
- *a month's mark*: the strongest mark among its weeks, by the strip's own order
  (`weeks.MARKS`): movement noted if any of its weeks had movement, else small moments
  noticed if any had moments, else no movement noted if anything was written down,
  else nothing written down. A month not yet begun is not shown;
- *none*: a year with fewer than `MIN_WEEKS` weeks with anything written down has no
  review (`build` answers None): too little to look back on kindly;
- *the talks had*: talks marked done, on a day of the year, with their topics;
- *the boundaries kept*: each boundary, and how many times the person said it held
  (never what did not hold: nothing here counts what was missed);
- *for themselves*: the calm minutes taken (self-regulation answers) and the entries
  they wrote in their log;
- *the small moments*: the gestures noticed (the digest's own rule), a count and a few
  of them (the first, one from the middle, the last) in the person's own words.

No score: no percentage, no ratio, no comparison of one month with another. Every word
is English marked for the catalogs, said in the configured language; months and days
through `words/dates`.
Nothing here reads the clock; only `read` reads the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from halfway.core import plaintext, weeks
from halfway.core.instants import parse_instant
from halfway.core.rawjson import Record
from halfway.digest import figures
from halfway.digest.render import MARK_COLOURS, MARK_WORDS, first_up, times
from halfway.words import dates, discretion, templates
from halfway.words.language import N_, _, current, ngettext

if TYPE_CHECKING:
    from halfway.store.database import Store

MIN_WEEKS = 8  # weeks with something written down, for a year to have a review
FEW = 3  # the small moments quoted
TITLE = N_("Your year, gently")
DONE = "done"  # a talk had (talks.rules.DONE, named again: digest sits beside talks)
HELD = "held"
TOO_LITTLE = N_(
    "There is not enough written down in {year} for a look back yet: "
    "a year in review comes once at least 8 weeks have something in them."
)
MONTH_RULE = N_("Each month shows the strongest mark among its weeks.")


@dataclass(frozen=True)
class Month:
    first: date  # its first day
    mark: str  # one of core/weeks.MARKS


@dataclass(frozen=True)
class Talk:
    day: date
    topic: str | None


@dataclass(frozen=True)
class Year:
    """One year, in what the person wrote down."""

    year: int
    months: tuple[Month, ...]  # January to the month of now (or December)
    written_weeks: int  # weeks with anything written down
    talks: tuple[Talk, ...]  # talks had, in order
    boundaries: tuple[tuple[str, int], ...]  # (boundary, times it held), as first held
    calm: int  # calm minutes taken: self-regulation answers
    entries: int  # entries written in the log
    moments: tuple[figures.Gesture, ...]  # the small moments noticed, in order


def year_of(text: str, now: datetime, zone: tzinfo) -> int:
    """The year '2026' names; ValueError (one line) for one that cannot be or has not begun."""
    if not (text.strip().isdigit() and len(text.strip()) == 4):
        raise ValueError(_("'{text}' is not a year like 2026").format(text=text))
    year = int(text)
    if year < figures.FIRST_YEAR:
        said = _("{year}: halfway has no years before {first}")
        raise ValueError(said.format(year=year, first=figures.FIRST_YEAR))
    if year > now.astimezone(zone).year:
        raise ValueError(_("{year} has not begun yet").format(year=year))
    return year


def mondays(year: int) -> list[date]:
    """The Mondays that fall in `year`: its weeks."""
    first = date(year, 1, 1)
    first += timedelta(days=(7 - first.weekday()) % 7)
    return [
        first + timedelta(weeks=i) for i in range(53) if (first + timedelta(weeks=i)).year == year
    ]


def month_mark(marks: Iterable[str]) -> str:
    """The strongest of `marks` by the strip's order; nothing written down when none."""
    found = set(marks)
    return next((mark for mark in weeks.MARKS if mark in found), weeks.MARK_NOTHING)


def build(
    records: Mapping[str, Iterable[Record]], year: int, zone: tzinfo, now: datetime
) -> Year | None:
    """The review of `year` as it stands at `now`; None with fewer than `MIN_WEEKS`
    weeks written down. `records` holds the tables of `layout.TABLES`."""
    tables = {name: list(rows) for name, rows in records.items()}
    today = now.astimezone(zone).date()
    shown = [m for m in mondays(year) if m <= today]
    if not shown:
        return None
    by_week = weeks.weeks(tables, zone, shown[-1], count=len(shown))
    written = [w for w in by_week.values() if w.active]
    if len(written) < MIN_WEEKS:
        return None
    last_month = 12 if year < today.year else today.month
    months = tuple(
        Month(
            date(year, n, 1),
            month_mark(w.mark for w in by_week.values() if w.monday.month == n),
        )
        for n in range(1, last_month + 1)
    )
    inside = {m for m in shown}

    def in_year(instant: object) -> bool:
        return bool(instant) and weeks.week_of(parse_instant(str(instant)), zone) in inside

    talks = sorted(
        (parse_instant(t["at"]), Talk(_day(t["at"], zone), t.get("topic")))
        for t in tables.get("talks", ())
        if t.get("state") == DONE and in_year(t.get("at"))
    )
    held: dict[str, int] = {}
    answers = sorted(
        (parse_instant(a["at"]), plaintext.one_line(str(b.get("text", ""))))
        for b in tables.get("boundaries", ())
        for a in b.get("answers", ())
        if a.get("value") == HELD and in_year(a.get("at"))
    )
    for _at, text in answers:
        held[text] = held.get(text, 0) + 1
    calm, moments = 0, list[figures.Gesture]()
    for monday in shown:
        week = figures._Week(tables, monday, zone)  # the digest's own week: one rule
        calm += len(week.replies_to("self_regulation"))
        moments += week.gestures()
    entries = sum(1 for e in tables.get("entries", ()) if in_year(e.get("at")))
    return Year(
        year=year,
        months=months,
        written_weeks=len(written),
        talks=tuple(t for _at, t in talks),
        boundaries=tuple(held.items()),
        calm=calm,
        entries=entries,
        moments=tuple(moments),
    )


def _day(instant: str, zone: tzinfo) -> date:
    return parse_instant(instant).astimezone(zone).date()


def read(store: Store, year: int, zone: tzinfo, now: datetime) -> Year | None:
    """The review of `year` from the store: only the archive months around it."""
    found = store.everything(since_month=f"{year - 1}-12", until_month=f"{year + 1}-01")
    return build(found, year, zone, now)


# words -------------------------------------------------------------------------------


def _and(parts: list[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return _("{some} and {last}").format(some=", ".join(parts[:-1]), last=parts[-1])


def few(moments: tuple[figures.Gesture, ...]) -> list[figures.Gesture]:
    """A few of the moments: the first, one from the middle, the last."""
    if len(moments) <= FEW:
        return list(moments)
    return [moments[0], moments[len(moments) // 2], moments[-1]]


def sections(y: Year) -> list[tuple[str, list[str]]]:
    """(heading, sentences) of the review, in the order it is told; the months come as
    their own strip (`strip`)."""
    moved = [dates.month(m.first) for m in y.months if m.mark == weeks.MARK_MOVEMENT]
    n = y.written_weeks
    written = ngettext(
        "You wrote something down in {n} week of the year.",
        "You wrote something down in {n} weeks of the year.",
        n,
    )
    months = [written.format(n=n)]
    if moved:
        months.append(_("Movement was noted in {months}.").format(months=_and(moved)))
    talks = [
        (_("On {day}, about {topic}.") if t.topic else _("On {day}.")).format(
            day=dates.day_full_month(t.day), topic=plaintext.one_line(t.topic or "")
        )
        for t in y.talks
    ]
    had_talks = ngettext("You had a talk:", "You had {n} talks:", len(y.talks))
    had = (
        [had_talks.format(n=len(y.talks)), *talks]
        if y.talks
        else [_("No talk was marked as had this year. Getting ready for one counts too.")]
    )
    kept = [
        (_("“{text}” held {times}.") if text else _("A boundary held {times}.")).format(
            text=text, times=times(n)
        )
        for text, n in y.boundaries
    ]
    boundaries = (
        [_("You held to your boundaries:"), *kept]
        if kept
        else [_("No boundary was checked in on as held this year.")]
    )
    own = []
    if y.calm:
        own.append(_("You took a calm minute for yourself {times}.").format(times=times(y.calm)))
    if y.entries:
        own.append(_("You wrote in your log {times}.").format(times=times(y.entries)))
    own = own or [_("Looking after yourself does not always get written down, and that is fine.")]
    if n := len(y.moments):
        noticed = ngettext(
            "You noticed a small moment. In your own words:",
            "You noticed {n} small moments. In your own words:",
            n,
        )
        moments = [noticed.format(n=n)] + [
            f"{dates.day_full_month(g.day)}: {plaintext.one_line(g.text)}" for g in few(y.moments)
        ]
    else:
        moments = [_("No small moment was written down this year. Small ones count too.")]
    return [
        (_("The months"), months),  # told after the strip
        (_("Talks you had"), had),
        (_("Boundaries you kept"), boundaries),
        (_("What you did for yourself"), own),
        (_("Small moments noticed"), moments),
    ]


def strip(y: Year) -> list[dict[str, str]]:
    """Each month of the strip: its name, its mark in words and colours (the digest's)."""
    return [
        {
            "label": first_up(dates.month(m.first)),
            "short": dates.month_short(m.first),
            "mark": m.mark,
            "words": _(MARK_WORDS[m.mark]),
            "fill": MARK_COLOURS[m.mark][0],
            "border": MARK_COLOURS[m.mark][1],
        }
        for m in y.months
    ]


def text(y: Year, frame: discretion.Frame | None = None) -> str:
    """The plain-text review (`halfway digest --year`)."""
    frame = frame or discretion.Frame()
    lines = [f"{_(TITLE)} · {y.year}", "", _("The months").upper(), _(MONTH_RULE)]
    lines += [f"{m['label']}: {m['words']}" for m in strip(y)]
    (_heading, months), *others = sections(y)
    lines += months
    for heading, sentences in others:
        listed = sentences[0].endswith(":")  # a lead, then a list; else sentences
        lines += ["", heading.upper(), sentences[0]]
        lines += [f"- {s}" if listed else s for s in sentences[1:]]
    footer = frame.footer(page=False)
    lines += ["", "--", str(footer["not_advice"]), str(footer["safety"])]
    return "\n".join(lines) + "\n"


def too_little(year: int) -> str:
    return _(TOO_LITTLE).format(year=year)


def context(y: Year) -> dict[str, object]:
    """What the year's HTML shows (`templates/digest_year_body.html`)."""
    (_heading, months), *others = sections(y)
    return {
        "y": y,
        "lang": current(),
        "heading": _(TITLE),
        "month_rule": _(MONTH_RULE),
        "strip": strip(y),
        "months": months,
        "sections": others,
    }


def file_html(y: Year, frame: discretion.Frame | None = None) -> str:
    """The review as a page of its own, in every private page's frame (`--out`)."""
    frame = frame or discretion.Frame()
    page = templates.template("digest_year.html", trim=True)
    own = f"{_(TITLE)} · {y.year}"
    found = {**context(y), **frame.footer(), "page_title": frame.page_title(own)}
    return str(page.render(**found))
