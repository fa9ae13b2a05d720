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

Every word is English marked for the catalogs (`N_` for the tables here, read with `_`
where they are used), so each form is written in the configured language; dates go
through `words/dates`. A count is said with `ngettext`, never as a tally.
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
from halfway.words import catalog, dates, discretion, templates
from halfway.words.language import N_, _, current, ngettext

if TYPE_CHECKING:
    from jinja2 import Template

MARK_WORDS = {
    weeks.MARK_MOVEMENT: N_("movement noted"),
    weeks.MARK_MOMENTS: N_("small moments noticed"),
    weeks.MARK_NO_MOVEMENT: N_("no movement noted"),
    weeks.MARK_NOTHING: N_("nothing written down"),
    OWN_MARK: N_("something written down"),  # the own side only ([partner] record = false)
}
MARK_COLOURS = {  # fill, border
    weeks.MARK_MOVEMENT: ("#3f7d73", "#3f7d73"),
    weeks.MARK_MOMENTS: ("#a9cfc7", "#3f7d73"),
    weeks.MARK_NO_MOVEMENT: ("#ffffff", "#8a9494"),
    weeks.MARK_NOTHING: ("#f5f1ea", "#d9d3c8"),
    OWN_MARK: ("#a9cfc7", "#3f7d73"),
}
MOVEMENT_WORDS = {
    "agreed_time": N_("they agreed to a time"),
    "acknowledged": N_("they acknowledged your feelings"),
    "small_change": N_("they made a small change"),
}
BOUNDARY_WORDS = {
    "held": N_("held"),
    "strained": N_("felt strained"),
    "crossed": N_("did not hold this time"),
}
ASK_WORDS = {
    asks.MADE: N_("waiting for an answer"),
    asks.ASKED: N_("waiting for an answer"),
    asks.AGREED: N_("they said yes"),
    asks.DECLINED: N_("they said no, for now"),
    asks.NO_ANSWER: N_("no answer yet"),
    asks.FOLLOWED_UP: N_("followed up"),
    asks.RESTING: N_("resting"),
}
CARE_WORDS = {
    triggers.STEP_BACK: N_(
        "Your reaching out has been climbing for a few weeks, more than usual. "
        "That is a very common pattern, not a failing. Some of that energy could go into your "
        "own life for a while: a friend, a walk, something that is just yours."
    ),
    triggers.REVISIT_BOUNDARIES: N_(
        "A few weeks now with no movement on what you asked and no "
        "small moments written down. That can wear on you. It may help to look at your "
        "boundaries again: do they still look after you?"
    ),
    triggers.COUNSELLOR: N_(
        "This has been a long stretch to carry. A counsellor can help, with your "
        "partner or just for you; many people start on their own. Nothing has to be decided "
        "today."
    ),
    triggers.MOVEMENT_RETURNS_NOTE: N_(
        "Something has been moving: you noted movement in most of the "
        "last few weeks, after a still time. That is worth noticing. If you have wondered about "
        "couples counselling, a time like this, when you are both taking part, can be a good "
        "time to begin."
    ),
    triggers.BOUNDARY_SAFETY: N_(
        "A boundary that matters to you has not held several times lately. "
        "That is hard, and none of it is on you. You deserve to feel safe and at ease at home."
    ),
    triggers.LONG_QUIET: N_(
        "Nothing has been written down here for a while, and that is okay; "
        "there is nothing to catch up on. If things feel heavy, a counsellor can help, with your "
        "partner or just for you."
    ),
}
SAFETY_NOTES = frozenset(
    {triggers.BOUNDARY_SAFETY, triggers.LONG_QUIET}
)  # the safety line follows these notes
TITLE = N_("Your week, gently")


def span(d: Digest) -> str:
    """'23 – 29 Nov 2026', '23.–29. Nov. 2026', '23–29 nov 2026': the week's days."""
    from babel.dates import format_interval

    found = format_interval(d.monday, d.sunday, "yMMMd", locale=dates.locale())
    found = found.replace("\u2009", " ")  # a thin space: every mail client and font has " "
    return re.sub(r"\bSept\b", "Sep", found) if current() == "en" else found  # see words/dates


def week_label(monday: date) -> str:
    """'week of 23 Nov': a week by its date, never by its ISO code."""
    return _("week of {day}").format(day=dates.day_month(monday))


def first_up(words: str) -> str:
    """`words` with a capital first letter: a date that begins a line ('mié, 25 nov')."""
    return words[:1].upper() + words[1:]


def times(n: int) -> str:
    """'once', 'twice', '3 times', in the language of the moment."""
    if n == 1:
        return _("once")
    if n == 2:
        return _("twice")
    return ngettext("{n} time", "{n} times", n).format(n=n)


def boundary_line(d: Digest) -> str | None:
    """That they checked in on their boundaries, and how each felt: no tallies."""
    felt: dict[str, list[str]] = {}
    for check in d.boundaries:
        felt.setdefault(plaintext.one_line(check.text), []).append(
            _(BOUNDARY_WORDS[check.value]) if check.value in BOUNDARY_WORDS else check.value
        )
    if not felt:
        return None
    then = _(", then ")
    parts = [
        _("“{text}” {felt}").format(text=text, felt=then.join(how)) if text else then.join(how)
        for text, how in felt.items()
    ]
    return _("You checked in with your boundaries: {felt}.").format(felt="; ".join(parts))


def did_lines(d: Digest) -> list[str]:
    lines = []
    if d.self_regulation:
        said = _("You took a calm minute for yourself {times}.")
        lines.append(said.format(times=times(d.self_regulation)))
    if n := d.asks_said:
        said = ngettext(
            "You put one clear ask into words.", "You put {n} clear asks into words.", n
        )
        lines.append(said.format(n=n))
    if line := boundary_line(d):
        lines.append(line)
    if d.my_initiations:
        lines.append(_("You reached out {times}.").format(times=times(d.my_initiations)))
    if d.energy is not None:
        said = _("The energy you gave to reaching out: {energy} of 5.")
        lines.append(said.format(energy=d.energy))
    if not lines and d.hurt:
        lines.append(
            _("You put into words what hurt or worried you. That is looking after yourself.")
        )
    return lines or [_("A restful week on your side. Rest is part of this too.")]


def moved_lines(d: Digest) -> list[str]:
    moved = [
        _(MOVEMENT_WORDS[code]) + ("" if n == 1 else f" ({times(n)})")
        for code, n in d.movement.items()
        if n and code in MOVEMENT_WORDS
    ]
    said = _("You noted movement: {moved}.")
    lines = [said.format(moved="; ".join(moved))] if moved else []
    if n := d.asks_agreed:
        lines.append(
            ngettext("They said yes to an ask.", "They said yes to {n} asks.", n).format(n=n)
        )
    if d.partner_talks:
        lines.append(_("They began a talk or a plan."))
    if not d.moved and d.movement.get("none"):
        lines.append(_("You noted no movement this week."))
    if not lines and not (d.gestures or d.partner_initiations or d.hurt):
        lines.append(
            _(
                "Nothing was written down on their side this week. "
                "What gets written down is rarely all that happened."
            )
        )
    return lines


def moments_line(d: Digest) -> str | None:
    if not d.partner_initiations:
        return None
    return _("They reached out {times}.").format(times=times(d.partner_initiations))


def strip(d: Digest) -> list[dict[str, str | bool]]:
    """Each week of the strip: its date, its mark in words and colours."""
    return [_strip_week(w, w.monday == d.monday) for w in d.strip]


def _strip_week(w: StripWeek, current: bool) -> dict[str, str | bool]:
    fill, border = MARK_COLOURS[w.mark]
    return {
        "label": week_label(w.monday),
        "short": dates.day_month(w.monday),
        "mark": w.mark,
        "words": _(MARK_WORDS[w.mark]),
        "fill": fill,
        "border": border,
        "current": current,
    }


def strip_line(d: Digest) -> str:
    """'Movement noted in 3 of the last 8 weeks.'; on the own side, what the strip is."""
    if not d.partner:
        return _("Your own side only, as you chose: the weeks you wrote something down.")
    said = ngettext(
        "Movement noted in {moved} of the last {n} week.",
        "Movement noted in {moved} of the last {n} weeks.",
        len(d.strip),
    )
    return said.format(moved=d.moved_weeks, n=len(d.strip))


def energy_line(d: Digest) -> str | None:
    """The person's own energy over the weeks, as their own trend: no arrows, no verdict."""
    if all(w.energy is None for w in d.strip):
        return None
    values = " · ".join("–" if w.energy is None else str(w.energy) for w in d.strip)
    return _(
        "The energy you gave to reaching out, week by week: {values} "
        "(1 a little, 5 a lot). Yours to read; less is not a drop."
    ).format(values=values)


def asks_lines(d: Digest) -> list[str]:
    if d.latest_ask is None:
        return []
    a = d.latest_ask
    state = _(ASK_WORDS[a.state]) if a.state in ASK_WORDS else a.state.replace("_", " ")
    said = _("Your latest ask: “{text}”, said {day}: {state}.")
    day = dates.day_month(a.since)
    lines = [said.format(text=plaintext.one_line(a.text), day=day, state=state)]
    if n := d.resting_asks:
        resting = ngettext(
            "One earlier ask is resting. You don't need to carry it into every week.",
            "{n} earlier asks are resting. You don't need to carry them into every week.",
            n,
        )
        lines.append(resting.format(n=n))
    return lines


def care_lines(notes: Iterable[str], helpline: str | None = None) -> list[str]:
    return [
        _(CARE_WORDS[n]) + (f" {catalog.safety_line(helpline)}" if n in SAFETY_NOTES else "")
        for n in notes
        if n in CARE_WORDS
    ]


def empty_lines(d: Digest) -> list[str]:
    lines = [
        _(
            "Nothing was written down this week, and that is okay. Some weeks are for living, "
            "not logging."
        ),
        _("If a small moment comes back to you, you can still note it. Next week is a fresh page."),
    ]
    if n := d.sent:
        came = ngettext(
            "One check-in came by; none of them needed anything from you.",
            "{n} check-ins came by; none of them needed anything from you.",
            n,
        )
        lines.append(came.format(n=n))
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
        "lang": current(),
        "title": _(TITLE),
        "span": span(d),
        "empty_lines": empty_lines(d),
        "did": did_lines(d),
        "moved": moved_lines(d),
        "moments": moments_line(d),
        "gestures": [
            {"day": first_up(dates.weekday_day(g.day)), "text": one_line(g.text), "by": g.by}
            for g in d.gestures
        ],
        "hurt": [
            {"day": first_up(dates.weekday_day(h.day)), "text": one_line(h.text)} for h in d.hurt
        ],
        "hurt_how": _(
            "You also wrote down what hurt or worried you. It matters as much as the "
            "good moments; a kind moment does not cancel it out."
        ),
        "strip": strip(d),
        "strip_line": strip_line(d),
        "energy_line": energy_line(d),
        "asks": asks_lines(d),
        "care": care_lines(d.care_notes, frame.helpline),
        "link": link,
        **frame.footer(page),
        "page_title": frame.page_title(f"halfway · {_(TITLE)} · {span(d)}"),
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
        summary = _("Nothing was written down this week, and that's okay.")
    elif d.mark == weeks.MARK_MOVEMENT:
        summary = _("You noted some movement this week.")
    elif n := len(d.gestures):
        said = ngettext("You noticed a small moment.", "You noticed {n} small moments.", n)
        summary = said.format(n=n)
    elif d.mark == weeks.MARK_MOMENTS:
        summary = _("You noticed a small moment.")
    elif not d.partner:
        summary = _("You wrote your week down.")
    else:
        summary = _("You wrote your week down; no movement was noted.")
    ready = _("Your look back is ready.")
    return f"{_(TITLE)} · {span(d)}", f"{summary} {ready}\n\n{link}"


def _template(name: str) -> Template:
    return templates.template(name, trim=True)
