"""The weekly digest in words: the e-mail's HTML, the private page, a plain-text form and
a short push summary, all from one `digest.Digest` and the templates in `templates/`.

Jinja2 (autoescaped: every figure and gesture is text) is loaded on first use. The
8-week trend is drawn as table-based bars: a table cell whose width is the bar's
length, with a background colour. That shows the same in Gmail, Apple Mail,
Thunderbird and Outlook, needs no image to be attached or fetched (nothing is loaded
from anywhere when the mail is opened), and reads as numbers in the text part and to
a screen reader. An inline PNG would need an image library and a multipart/related
mail that apprise does not build for us.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from halfway import digest, discretion
from halfway.digest import Digest

NOT_ADVICE = discretion.NOT_ADVICE  # one footer for every page and digest (discretion.Frame)
MOVEMENT_WORDS = {
    "agreed_time": "agreed to a time",
    "acknowledged": "acknowledged your feelings",
    "small_change": "made a small change",
}
CARE_WORDS = {
    "step_back": "Your reaching out has risen two weeks running while their side has not. "
    "Stepping back a little can leave room, for you and for them.",
    "revisit_boundaries": "It has been three quiet weeks, and that can wear on you. It may be "
    "a good moment to look at your boundaries again: do they still look after you?",
    "counsellor": "Six quiet weeks is a lot to carry alone. A couples counsellor, or a "
    "therapist just for you, can help you think it through.",
}
ARROWS = {"up": "▲ up", "down": "▼ down", "same": "= same"}
TITLE = "Your week, gently"


def span(d: Digest) -> str:
    """'23 – 29 Nov 2026', the week's days."""
    first = d.monday.strftime("%-d %b") if d.monday.year == d.sunday.year else _long(d.monday)
    if d.monday.month == d.sunday.month:
        first = d.monday.strftime("%-d")
    return f"{first} – {_long(d.sunday)}"


def _long(day: date) -> str:
    return day.strftime("%-d %b %Y")


def _times(n: int, one: str, many: str | None = None) -> str:
    if one == "time" and n in (1, 2):
        return ("once", "twice")[n - 1]
    return f"{n} {one if n == 1 else (many or one + 's')}"


def did_lines(d: Digest) -> list[str]:
    lines = []
    if d.sent:
        lines.append(f"You answered {d.answered} of {_times(d.sent, 'check-in')}.")
    if d.self_regulation:
        lines.append(f"You took a calm minute before a talk {_times(d.self_regulation, 'time')}.")
    if d.asks_made:
        lines.append(f"You made {_times(d.asks_made, 'clear ask')}.")
    held = [f"{kind} {n}" for kind, n in d.boundaries.items() if n]
    if held:
        lines.append("Your boundaries: " + ", ".join(held) + ".")
    if d.my_initiations:
        lines.append(f"You reached out {_times(d.my_initiations, 'time')}.")
    return lines or ["A quiet week on your side too, and that is allowed."]


def moved_lines(d: Digest) -> list[str]:
    moved = [f"{MOVEMENT_WORDS[c]} ({n})" for c, n in d.movement.items() if n and c != "none"]
    lines = ["Movement noted: " + ", ".join(moved) + "."] if moved else []
    if not moved and d.movement.get("none"):
        lines.append("You noted no movement this week.")
    if d.partner_initiations:
        lines.append(f"They reached out {_times(d.partner_initiations, 'time')}.")
    answered = [f"{s.replace('_', ' ')} {n}" for s, n in d.asks_answered.items() if n]
    if answered:
        lines.append("Asks answered: " + ", ".join(answered) + ".")
    return lines or ["Nothing was noted on their side this week."]


def gap_line(d: Digest) -> str | None:
    parts = []
    if d.missed:
        parts.append(f"{_times(d.missed, 'check-in')} missed while halfway was not running")
    if d.skipped:
        parts.append(f"{d.skipped} skipped (paused, or eased off)")
    return ("; ".join(parts) + ".").capitalize() if parts else None


def balance_line(d: Digest) -> str:
    if d.balance is None:
        return "Balance: not enough reaching out recorded yet to say."
    was = f" (last week {d.balance_before} %)" if d.balance_before is not None else ""
    return f"Balance: {d.balance} % from their side{was}."


def bars(d: Digest) -> list[dict[str, Any]]:
    """Each trend week with its two bars' widths, in % of the largest figure."""
    top = max([1, *(w.theirs for w in d.trend), *(w.mine for w in d.trend)])
    return [
        {
            "label": w.monday.strftime("%-d %b"),
            "week": w.week,
            "theirs": w.theirs,
            "mine": w.mine,
            "theirs_width": max(2, round(88 * w.theirs / top)) if w.theirs else 0,
            "mine_width": max(2, round(88 * w.mine / top)) if w.mine else 0,
            "current": w.week == d.week,
        }
        for w in d.trend
    ]


def context(
    d: Digest, link: str | None = None, frame: discretion.Frame | None = None, page: bool = False
) -> dict[str, Any]:
    """What every form of the digest shows, in words and numbers, and the frame around it
    (the footer: not advice, the safety line and helpline; on a page, the quick exit)."""
    frame = frame or discretion.Frame()
    return {
        "d": d,
        "title": TITLE,
        "span": span(d),
        "did": did_lines(d),
        "moved": moved_lines(d),
        "gestures": [
            {"day": g.day.strftime("%a %-d %b"), "text": g.text, "by": g.by} for g in d.gestures
        ],
        "compared": [
            {"name": c.name, "now": c.now, "before": c.before, "arrow": ARROWS[c.direction]}
            for c in d.compared
        ],
        "balance": balance_line(d),
        "balance_how": digest.BALANCE_LINE,
        "trend_how": "Each week: their side (movement noted, and anything they began) "
        "beside your own reaching out.",
        "bars": bars(d),
        "gaps": gap_line(d),
        "open_asks": [
            {"text": a.text, "state": a.state, "since": a.since.strftime("%-d %b")}
            for a in d.open_asks
        ],
        "care": [CARE_WORDS[n] for n in d.care_notes],
        "link": link,
        **frame.footer(page),
        "page_title": frame.page_title(f"halfway · {TITLE} · {span(d)}"),
    }


def mail_html(d: Digest, link: str | None, frame: discretion.Frame | None = None) -> str:
    return str(_template("digest_mail.html").render(**context(d, link, frame)))


def page_html(
    d: Digest, earlier: list[tuple[str, str]], here: str, frame: discretion.Frame | None = None
) -> str:
    """The private page: this digest, and links (week, url) to earlier weeks."""
    found = context(d, frame=frame, page=True)
    return str(_template("digest_page.html").render(**found, earlier=earlier, here=here))


def missing_html(message: str, frame: discretion.Frame | None = None) -> str:
    """A private page that is not there: `message`, in every page's frame."""
    frame = frame or discretion.Frame()
    found = {**frame.footer(), "page_title": frame.page_title("halfway"), "message": message}
    return str(_template("page_missing.html").render(**found))


def text(d: Digest, link: str | None = None, frame: discretion.Frame | None = None) -> str:
    return str(_template("digest.txt").render(**context(d, link, frame))).strip() + "\n"


def push(d: Digest, link: str) -> tuple[str, str]:
    """A push channel's (title, body) when not discreet: what the person noticed, and
    that the look back is ready; never a tally of them against their partner. (Discreet:
    `discretion.digest_body`, see digest_send.)"""
    noticed = len(d.gestures)
    if d.empty:
        summary = "Nothing was written down this week, and that's okay. "
    elif noticed:
        summary = f"You noticed {_times(noticed, 'small moment')} this week. "
    else:
        summary = ""
    return f"{TITLE} · {span(d)}", f"{summary}Your look back is ready.\n\n{link}"


@cache
def _template(name: str) -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("halfway", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(name)
