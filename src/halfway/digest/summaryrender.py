"""The summary for a counsellor in words: plain text (`halfway summary` without `--out`),
a page to print (`templates/summary.html`) and a PDF (`digest/summarypdf`), all three
from one list of `Section`s made here, so they never say different things.

Written in the person's own voice (they hand it over): "I", "my partner" never named,
"they" for the partner's side. The strip's marks and colours, the boundaries' and the
asks' words are the digest's (`digest/render`). No percentage, no tally, no score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from halfway.digest import render
from halfway.digest.summary import AskLine, BoundaryLine, Summary, TalkLine
from halfway.ledger import asks
from halfway.words import discretion

TITLE = "Looking back"
INTRO = (
    "What I wrote down over these weeks, to talk it through. "
    "What gets written down is rarely all that happened."
)
REFLECTION_WORDS = {
    "agreed_time": "they agreed to a time",
    "acknowledged": "they acknowledged my feelings",
    "small_change": "they made a small change",
    "none": "no movement noted",
}
STEP_WORDS = {**render.ASK_WORDS, asks.ASKED: "said", asks.MADE: "said"}


@dataclass(frozen=True)
class Section:
    key: str  # weeks, talks, asks, boundaries, notes, hurt
    heading: str
    lines: tuple[str, ...]


def cover(s: Summary) -> str:
    """'Looking back: 1 Sep – 30 Nov 2026'."""
    first = s.first.strftime("%-d %b") if s.first.year == s.last.year else _long(s.first)
    if s.first == s.last:
        return f"{TITLE}: {_long(s.last)}"
    return f"{TITLE}: {first} – {_long(s.last)}"


def _long(day: date) -> str:
    return day.strftime("%-d %b %Y")


def _day(day: date) -> str:
    return day.strftime("%a %-d %b")


def talk_line(t: TalkLine) -> str:
    about = f", about “{t.topic}”" if t.topic else ""
    line = f"{_day(t.day)}{about}: " + ("it took place" if t.done else "planned")
    if t.reflection:
        line += f"; afterwards I noted: {REFLECTION_WORDS.get(t.reflection, t.reflection)}"
    line += "."
    if t.intent:
        line += f" What I hoped for: “{t.intent}”."
    if t.helped:
        line += f" What helped, or what to try next time: “{t.helped}”."
    return line


def ask_line(a: AskLine) -> str:
    steps = "; ".join(
        f"{STEP_WORDS.get(step.state, step.state.replace('_', ' '))} {step.day.strftime('%-d %b')}"
        for step in a.steps
    )
    return f"“{a.text}”: {steps}."


def boundary_line(b: BoundaryLine) -> str:
    felt = "; ".join(
        f"{render.BOUNDARY_WORDS.get(x.value, x.value)} on {x.day.strftime('%-d %b')}"
        + (f" (“{x.note}”)" if x.note else "")
        for x in b.answers
    )
    return f"“{b.text}”: {felt}."


def strip_rows(s: Summary) -> list[dict[str, str]]:
    """Each week of the strip: its date, its mark in words and colours."""
    rows = []
    for w in s.strip:
        fill, border = render.MARK_COLOURS[w.mark]
        words = render.MARK_WORDS[w.mark]
        rows.append(
            {"label": render.week_label(w.monday), "words": words, "fill": fill, "border": border}
        )
    return rows


def sections(s: Summary) -> list[Section]:
    """What the summary says, section by section; the notes and what hurt only when the
    person chose them (left out, they are not mentioned at all)."""
    found = [
        Section("weeks", "The weeks", tuple(f"{r['label']}: {r['words']}" for r in strip_rows(s))),
        Section(
            "talks",
            "Talks",
            tuple(map(talk_line, s.talks)) or ("No talk was written down in these weeks.",),
        ),
        Section(
            "asks",
            "What I asked for",
            tuple(map(ask_line, s.asks)) or ("No ask was said in these weeks.",),
        ),
        Section(
            "boundaries",
            "My boundaries",
            tuple(map(boundary_line, s.boundaries))
            or ("No boundary was checked in on in these weeks.",),
        ),
    ]
    if s.notes is not None:
        lines = tuple(f"{_day(n.day)}: {n.text}" for n in s.notes)
        found.append(Section("notes", "My notes", lines or ("No notes in these weeks.",)))
    if s.hurt is not None:
        lines = tuple(f"{_day(h.day)}: {h.text}" for h in s.hurt)
        found.append(
            Section(
                "hurt",
                "What hurt or worried me",
                lines or ("Nothing was written down here in these weeks.",),
            )
        )
    return found


def text(s: Summary, frame: discretion.Frame | None = None) -> str:
    """The plain-text summary: the cover line, then each section."""
    frame = frame or discretion.Frame()
    parts = [cover(s), INTRO]
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
            cover=cover(s),
            intro=INTRO,
            strip=strip_rows(s),
            sections=sections(s),
            page_title=frame.page_title(cover(s)),
            **frame.footer(page=False),
        )
    )
