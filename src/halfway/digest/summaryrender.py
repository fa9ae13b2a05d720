"""The summary for a counsellor in words: plain text (`halfway summary` without `--out`),
a page to print (`templates/summary.html`) and a PDF (`digest/summarypdf`), all three
from one list of `Section`s made here, so they never say different things.

Written in the person's own voice (they hand it over): "I", "my partner" never named,
"they" for the partner's side. The strip's marks and colours, the boundaries' and the
asks' words are the digest's (`digest/render`). No percentage, no tally, no score.
Every word is English marked for the catalogs, said in the configured language; dates
through `words/dates`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from halfway.digest import render
from halfway.digest.summary import AskLine, BoundaryLine, Summary, TalkLine
from halfway.ledger import asks
from halfway.words import dates, discretion
from halfway.words.language import N_, _, current

TITLE = N_("Looking back")
INTRO = N_(
    "What I wrote down over these weeks, to talk it through. "
    "What gets written down is rarely all that happened."
)
REFLECTION_WORDS = {
    "agreed_time": N_("they agreed to a time"),
    "acknowledged": N_("they acknowledged my feelings"),
    "small_change": N_("they made a small change"),
    "none": N_("no movement noted"),
}
STEP_WORDS = {**render.ASK_WORDS, asks.ASKED: N_("said"), asks.MADE: N_("said")}


def _words(table: dict[str, str], code: str) -> str:
    """`code`'s words from `table`, in the language of the moment (an unknown code as is)."""
    return _(table[code]) if code in table else code.replace("_", " ")


@dataclass(frozen=True)
class Section:
    key: str  # weeks, talks, asks, boundaries, notes, hurt
    heading: str
    lines: tuple[str, ...]


def cover(s: Summary) -> str:
    """'Looking back: 1 Sep – 30 Nov 2026'."""
    last = dates.day_month_year(s.last)
    if s.first == s.last:
        return _("{title}: {days}").format(title=_(TITLE), days=last)
    same = s.first.year == s.last.year
    first = dates.day_month(s.first) if same else dates.day_month_year(s.first)
    return _("{title}: {days}").format(title=_(TITLE), days=f"{first} – {last}")


def _day(day: date) -> str:
    return render.first_up(dates.weekday_day(day))


def talk_line(t: TalkLine) -> str:
    how = _("it took place") if t.done else _("planned")
    if t.topic:
        line = _("{day}, about “{topic}”: {how}").format(day=_day(t.day), topic=t.topic, how=how)
    else:
        line = _("{day}: {how}").format(day=_day(t.day), how=how)
    if t.reflection:
        noted = _words(REFLECTION_WORDS, t.reflection)
        line = _("{line}; afterwards I noted: {noted}").format(line=line, noted=noted)
    line += "."
    if t.intent:
        line += " " + _("What I hoped for: “{words}”.").format(words=t.intent)
    if t.helped:
        line += " " + _("What helped, or what to try next time: “{words}”.").format(words=t.helped)
    return line


def ask_line(a: AskLine) -> str:
    steps = "; ".join(
        _("{state} {day}").format(
            state=_words(STEP_WORDS, step.state), day=dates.day_month(step.day)
        )
        for step in a.steps
    )
    return _sentence(_("“{text}”: {steps}.").format(text=a.text, steps=steps))


def boundary_line(b: BoundaryLine) -> str:
    felt = "; ".join(
        _("{felt} on {day}").format(
            felt=_words(render.BOUNDARY_WORDS, x.value), day=dates.day_month(x.day)
        )
        + (" " + _("(“{note}”)").format(note=x.note) if x.note else "")
        for x in b.answers
    )
    return _sentence(_("“{text}”: {steps}.").format(text=b.text, steps=felt))


def _sentence(line: str) -> str:
    """One full stop where a date that ends in one ('13. Okt.') ends the sentence."""
    return re.sub(r"(?<!\.)\.\.$", ".", line)


def strip_rows(s: Summary) -> list[dict[str, str]]:
    """Each week of the strip: its date, its mark in words and colours."""
    rows = []
    for w in s.strip:
        fill, border = render.MARK_COLOURS[w.mark]
        words = _(render.MARK_WORDS[w.mark])
        rows.append(
            {"label": render.week_label(w.monday), "words": words, "fill": fill, "border": border}
        )
    return rows


def sections(s: Summary) -> list[Section]:
    """What the summary says, section by section; the notes and what hurt only when the
    person chose them (left out, they are not mentioned at all)."""
    weeks = tuple(f"{r['label']}: {r['words']}" for r in strip_rows(s))
    found = [
        Section("weeks", _("The weeks"), weeks),
        Section(
            "talks",
            _("Talks"),
            tuple(map(talk_line, s.talks)) or (_("No talk was written down in these weeks."),),
        ),
        Section(
            "asks",
            _("What I asked for"),
            tuple(map(ask_line, s.asks)) or (_("No ask was said in these weeks."),),
        ),
        Section(
            "boundaries",
            _("My boundaries"),
            tuple(map(boundary_line, s.boundaries))
            or (_("No boundary was checked in on in these weeks."),),
        ),
    ]
    if s.notes is not None:
        lines = tuple(f"{_day(n.day)}: {n.text}" for n in s.notes)
        found.append(Section("notes", _("My notes"), lines or (_("No notes in these weeks."),)))
    if s.hurt is not None:
        lines = tuple(f"{_day(h.day)}: {h.text}" for h in s.hurt)
        found.append(
            Section(
                "hurt",
                _("What hurt or worried me"),
                lines or (_("Nothing was written down here in these weeks."),),
            )
        )
    return found


def text(s: Summary, frame: discretion.Frame | None = None) -> str:
    """The plain-text summary: the cover line, then each section."""
    frame = frame or discretion.Frame()
    parts = [cover(s), _(INTRO)]
    for section in sections(s):
        parts.append(section.heading.upper() + "\n" + "\n".join(f"- {x}" for x in section.lines))
    footer = frame.footer(page=False)
    parts.append(f"{footer['not_advice']}\n{footer['safety']}")
    return "\n\n".join(parts) + "\n"


def html(s: Summary, frame: discretion.Frame | None = None) -> str:
    """The page to print (`templates/summary.html`): no script, nothing fetched."""
    from halfway.words import templates

    frame = frame or discretion.Frame()
    page = templates.template("summary.html", trim=True)
    return str(
        page.render(
            lang=current(),
            cover=cover(s),
            intro=_(INTRO),
            strip=strip_rows(s),
            sections=sections(s),
            page_title=frame.page_title(cover(s)),
            **frame.footer(page=False),
        )
    )
