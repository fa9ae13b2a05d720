"""The weekly digest in words: the e-mail's HTML, the private page, a plain-text form and
a short push summary, all from one `figures.Digest` and the templates in `templates/`.

No score anywhere: no percentage, no them-against-you bars, no arrows. The 8 weeks are
one strip, one mark per week (movement noted, small moments noticed, no movement
noted, nothing written down), drawn in HTML as a table of small coloured squares with
their words beside them (mail clients show tables the same everywhere; nothing is
fetched), and in text as one short line per week. The text form is the mail's own
text part too (`digest/weekly` carries it), never converted from the HTML.

The templates come from the one Jinja environment (`words.templates`: HTML autoescaped,
every gesture is text; loaded on first use), trimmed: their block tags' lines leave
nothing in the output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING

from halfway.care import triggers
from halfway.core import plaintext, weeks
from halfway.digest.figures import OWN_MARK, Digest, StripWeek
from halfway.ledger import asks
from halfway.words import catalog, discretion, templates

if TYPE_CHECKING:
    from jinja2 import Template

MARK_WORDS = {
    weeks.MARK_MOVEMENT: "movement noted",
    weeks.MARK_MOMENTS: "small moments noticed",
    weeks.MARK_NO_MOVEMENT: "no movement noted",
    weeks.MARK_NOTHING: "nothing written down",
    OWN_MARK: "something written down",  # the own side only ([partner] record = false)
}
MARK_COLOURS = {  # fill, border
    weeks.MARK_MOVEMENT: ("#3f7d73", "#3f7d73"),
    weeks.MARK_MOMENTS: ("#a9cfc7", "#3f7d73"),
    weeks.MARK_NO_MOVEMENT: ("#ffffff", "#8a9494"),
    weeks.MARK_NOTHING: ("#f5f1ea", "#d9d3c8"),
    OWN_MARK: ("#a9cfc7", "#3f7d73"),
}
MOVEMENT_WORDS = {
    "agreed_time": "they agreed to a time",
    "acknowledged": "they acknowledged your feelings",
    "small_change": "they made a small change",
}
BOUNDARY_WORDS = {"held": "held", "strained": "felt strained", "crossed": "did not hold this time"}
ASK_WORDS = {
    asks.MADE: "waiting for an answer",
    asks.ASKED: "waiting for an answer",
    asks.AGREED: "they said yes",
    asks.DECLINED: "they said no, for now",
    asks.NO_ANSWER: "no answer yet",
    asks.FOLLOWED_UP: "followed up",
    asks.RESTING: "resting",
}
CARE_WORDS = {
    triggers.STEP_BACK: "Your reaching out has been climbing for a few weeks, more than usual. "
    "That is a very common pattern, not a failing. Some of that energy could go into your "
    "own life for a while: a friend, a walk, something that is just yours.",
    triggers.REVISIT_BOUNDARIES: "A few weeks now with no movement on what you asked and no "
    "small moments written down. That can wear on you. It may help to look at your "
    "boundaries again: do they still look after you?",
    triggers.COUNSELLOR: "This has been a long stretch to carry. A counsellor can help, with your "
    "partner or just for you; many people start on their own. Nothing has to be decided "
    "today.",
    triggers.MOVEMENT_RETURNS_NOTE: "Something has been moving: you noted movement in most of the "
    "last few weeks, after a still time. That is worth noticing. If you have wondered about "
    "couples counselling, a time like this, when you are both taking part, can be a good "
    "time to begin.",
    triggers.BOUNDARY_SAFETY: "A boundary that matters to you has not held several times lately. "
    "That is hard, and none of it is on you. You deserve to feel safe and at ease at home.",
    triggers.LONG_QUIET: "Nothing has been written down here for a while, and that is okay; "
    "there is nothing to catch up on. If things feel heavy, a counsellor can help, with your "
    "partner or just for you.",
}
SAFETY_NOTES = frozenset(
    {triggers.BOUNDARY_SAFETY, triggers.LONG_QUIET}
)  # the safety line follows these notes
TITLE = "Your week, gently"


def span(d: Digest) -> str:
    """'23 – 29 Nov 2026', the week's days."""
    first = d.monday.strftime("%-d %b") if d.monday.year == d.sunday.year else _long(d.monday)
    if d.monday.month == d.sunday.month:
        first = d.monday.strftime("%-d")
    return f"{first} – {_long(d.sunday)}"


def _long(day: date) -> str:
    return day.strftime("%-d %b %Y")


def week_label(monday: date) -> str:
    """'week of 23 Nov': a week by its date, never by its ISO code."""
    return f"week of {monday.strftime('%-d %b')}"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _count(n: int, one: str, many: str) -> str:
    return one if n == 1 else f"{n} {many}"


def boundary_line(d: Digest) -> str | None:
    """That they checked in on their boundaries, and how each felt: no tallies."""
    felt: dict[str, list[str]] = {}
    for check in d.boundaries:
        felt.setdefault(plaintext.one_line(check.text), []).append(
            BOUNDARY_WORDS.get(check.value, check.value)
        )
    if not felt:
        return None
    parts = [
        f"“{text}” {', then '.join(how)}" if text else ", then ".join(how)
        for text, how in felt.items()
    ]
    return "You checked in with your boundaries: " + "; ".join(parts) + "."


def did_lines(d: Digest) -> list[str]:
    lines = []
    if d.self_regulation:
        lines.append(f"You took a calm minute for yourself {_times(d.self_regulation)}.")
    if d.asks_said:
        lines.append(f"You put {_count(d.asks_said, 'one clear ask', 'clear asks')} into words.")
    if line := boundary_line(d):
        lines.append(line)
    if d.my_initiations:
        lines.append(f"You reached out {_times(d.my_initiations)}.")
    if d.energy is not None:
        lines.append(f"The energy you gave to reaching out: {d.energy} of 5.")
    if not lines and d.hurt:
        lines.append("You put into words what hurt or worried you. That is looking after yourself.")
    return lines or ["A restful week on your side. Rest is part of this too."]


def moved_lines(d: Digest) -> list[str]:
    moved = [
        MOVEMENT_WORDS[code] + ("" if n == 1 else f" ({_times(n)})")
        for code, n in d.movement.items()
        if n and code in MOVEMENT_WORDS
    ]
    lines = ["You noted movement: " + "; ".join(moved) + "."] if moved else []
    if d.asks_agreed:
        lines.append(f"They said yes to {_count(d.asks_agreed, 'an ask', 'asks')}.")
    if d.partner_talks:
        lines.append("They began a talk or a plan.")
    if not d.moved and d.movement.get("none"):
        lines.append("You noted no movement this week.")
    if not lines and not (d.gestures or d.partner_initiations or d.hurt):
        lines.append(
            "Nothing was written down on their side this week. "
            "What gets written down is rarely all that happened."
        )
    return lines


def moments_line(d: Digest) -> str | None:
    if not d.partner_initiations:
        return None
    return f"They reached out {_times(d.partner_initiations)}."


def strip(d: Digest) -> list[dict[str, str | bool]]:
    """Each week of the strip: its date, its mark in words and colours."""
    return [_strip_week(w, w.monday == d.monday) for w in d.strip]


def _strip_week(w: StripWeek, current: bool) -> dict[str, str | bool]:
    fill, border = MARK_COLOURS[w.mark]
    return {
        "label": week_label(w.monday),
        "short": w.monday.strftime("%-d %b"),
        "mark": w.mark,
        "words": MARK_WORDS[w.mark],
        "fill": fill,
        "border": border,
        "current": current,
    }


def strip_line(d: Digest) -> str:
    """'Movement noted in 3 of the last 8 weeks.'; on the own side, what the strip is."""
    if not d.partner:
        return "Your own side only, as you chose: the weeks you wrote something down."
    return f"Movement noted in {d.moved_weeks} of the last {len(d.strip)} weeks."


def energy_line(d: Digest) -> str | None:
    """The person's own energy over the weeks, as their own trend: no arrows, no verdict."""
    if all(w.energy is None for w in d.strip):
        return None
    values = " · ".join("–" if w.energy is None else str(w.energy) for w in d.strip)
    return (
        f"The energy you gave to reaching out, week by week: {values} "
        "(1 a little, 5 a lot). Yours to read; less is not a drop."
    )


def asks_lines(d: Digest) -> list[str]:
    if d.latest_ask is None:
        return []
    a = d.latest_ask
    state = ASK_WORDS.get(a.state, a.state.replace("_", " "))
    lines = [
        f"Your latest ask: “{plaintext.one_line(a.text)}”, said {a.since.strftime('%-d %b')}: {state}."
    ]
    if d.resting_asks == 1:
        lines.append("One earlier ask is resting. You don't need to carry it into every week.")
    elif d.resting_asks:
        lines.append(
            f"{d.resting_asks} earlier asks are resting. "
            "You don't need to carry them into every week."
        )
    return lines


def care_lines(notes: Iterable[str], helpline: str | None = None) -> list[str]:
    return [
        CARE_WORDS[n] + (f" {catalog.safety_line(helpline)}" if n in SAFETY_NOTES else "")
        for n in notes
        if n in CARE_WORDS
    ]


def empty_lines(d: Digest) -> list[str]:
    lines = [
        "Nothing was written down this week, and that is okay. Some weeks are for living, "
        "not logging.",
        "If a small moment comes back to you, you can still note it. Next week is a fresh page.",
    ]
    if d.sent:
        came = _count(d.sent, "One check-in", "check-ins")
        lines.append(f"{came} came by; none of them needed anything from you.")
    return lines


def context(
    d: Digest, link: str | None = None, frame: discretion.Frame | None = None, page: bool = False
) -> dict[str, object]:
    """What every form of the digest shows, in words, and the frame around it (the
    footer: not advice, the safety line and helpline; on a page, the quick exit)."""
    one_line = plaintext.one_line  # what was stored raw before words were made plain
    frame = frame or discretion.Frame()
    return {
        "d": d,
        "title": TITLE,
        "span": span(d),
        "empty_lines": empty_lines(d),
        "did": did_lines(d),
        "moved": moved_lines(d),
        "moments": moments_line(d),
        "gestures": [
            {"day": g.day.strftime("%a %-d %b"), "text": one_line(g.text), "by": g.by}
            for g in d.gestures
        ],
        "hurt": [{"day": h.day.strftime("%a %-d %b"), "text": one_line(h.text)} for h in d.hurt],
        "hurt_how": "You also wrote down what hurt or worried you. It matters as much as the "
        "good moments; a kind moment does not cancel it out.",
        "strip": strip(d),
        "strip_line": strip_line(d),
        "energy_line": energy_line(d),
        "asks": asks_lines(d),
        "care": care_lines(d.care_notes, frame.helpline),
        "link": link,
        **frame.footer(page),
        "page_title": frame.page_title(f"halfway · {TITLE} · {span(d)}"),
    }


def mail_html(d: Digest, link: str | None, frame: discretion.Frame | None = None) -> str:
    return str(_template("digest_mail.html").render(**context(d, link, frame)))


def page_html(
    d: Digest,
    earlier: list[tuple[str, str]],
    here: str,
    frame: discretion.Frame | None = None,
    pause: Mapping[str, object] | None = None,
    home: Mapping[str, object] | None = None,
) -> str:
    """The private page: this digest, links (week, url) to earlier weeks, each shown by its
    date ('week of 16 Nov'), and the "pause everything" form's state (see `app/digest`;
    templates/pause_form.html); on the app's home, what comes next above it (`home`,
    templates/app_home.html)."""
    shown = [(_label_of(week), url) for week, url in earlier]
    found = context(d, frame=frame, page=True)
    page = _template("digest_page.html")
    return str(page.render(**found, earlier=shown, here=here, pause=pause, home=home))


def _label_of(week: str) -> str:
    try:
        year, number = week.split("-W")
        return week_label(date.fromisocalendar(int(year), int(number), 1))
    except ValueError:
        return week


def missing_html(message: str, frame: discretion.Frame | None = None) -> str:
    """A private page that is not there: `message`, in every page's frame."""
    frame = frame or discretion.Frame()
    found = {**frame.footer(), "page_title": frame.page_title("halfway"), "message": message}
    return str(_template("page_missing.html").render(**found))


def text(d: Digest, link: str | None = None, frame: discretion.Frame | None = None) -> str:
    """The plain-text digest (`halfway digest`, and the e-mail's text part)."""
    made = str(_template("digest.txt").render(**context(d, link, frame)))
    made = "\n".join(line.rstrip() for line in made.splitlines())
    return re.sub(r"\n{3,}", "\n\n", made).strip() + "\n"


def push(d: Digest, link: str) -> tuple[str, str]:
    """A push channel's (title, body) when not discreet: what the person noticed, and
    that the look back is ready; never a tally of them against their partner. (Discreet:
    `discretion.digest_body`, see digest/weekly.)"""
    if d.empty:
        summary = "Nothing was written down this week, and that's okay."
    elif d.mark == weeks.MARK_MOVEMENT:
        summary = "You noted some movement this week."
    elif d.gestures:
        summary = f"You noticed {_count(len(d.gestures), 'a small moment', 'small moments')}."
    elif d.mark == weeks.MARK_MOMENTS:
        summary = "You noticed a small moment."
    elif not d.partner:
        summary = "You wrote your week down."
    else:
        summary = "You wrote your week down; no movement was noted."
    return f"{TITLE} · {span(d)}", f"{summary} Your look back is ready.\n\n{link}"


def _template(name: str) -> Template:
    return templates.template(name, trim=True)
