"""The built-in nudge kinds: their words and the shape of reply they take.

The words themselves (titles, variants, choice labels) are data, in words.toml,
read and checked by `halfway.words`; this module renders them into a nudge, the
reply shape a delivery takes, and the message that leaves the machine. Short,
warm and concrete (see shared/PRACTICES.md), never a diagnosis of the partner,
always skippable. Choices are stored as stable codes; the labels are for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import cast

from halfway.core.records import ReplyShape
from halfway.words import discretion
from halfway.words.catalog import (
    LATER,
    NOTE_LABEL,
    PAUSE_WEEK,
    PLACEHOLDER,
    PRACTICES,
    TEXT_LABEL,
    Practice,
    WordsError,
    fill,
    kinds,
    pick,
    safety_line,
    shipped,
)
from halfway.words.language import N_, _
from halfway.words.overrides import check_overrides, merge, with_overrides

__all__ = [
    "LATER",
    "MAX_TEXT",
    "MOVEMENT",
    "OWN_WORDS",
    "PARTNER_CHOICES",
    "PARTNER_KINDS",
    "PAUSE_OFFER",
    "PAUSE_WEEK",
    "PRACTICES",
    "REMINDER_LINE",
    "Practice",
    "Shape",
    "WordsError",
    "check_overrides",
    "kinds",
    "merge",
    "message",
    "render",
    "safety_line",
    "shape",
    "stored_shape",
    "with_overrides",
]

MOVEMENT = (  # as words.toml words them (the labels are its msgids)
    ("agreed_time", N_("Agreed to a time")),
    ("acknowledged", N_("Acknowledged my feelings")),
    ("small_change", N_("Made a small change")),
    ("none", N_("No movement")),
)
MAX_TEXT = 2000
# The partner's side of a reply: what the partner did or did not do, asked by the kinds
# that ask about movement. `[partner] record = false` leaves these choices out of the
# next nudges (see `shape`); everything else a nudge asks is the person's own.
PARTNER_KINDS = frozenset({"pattern_review", "talk_reflection"})
PARTNER_CHOICES = frozenset({code for code, _label in MOVEMENT} | {"avoided", "refused"})
OWN_WORDS = N_("How you are doing, in your own words")
# What these kinds say instead while the partner's side is not recorded: nothing of the
# partner's movement, only the person's own side (the scale and the note stay).
OWN_SIDE = {
    "pattern_review": N_(
        "A calm look back at your week: how you are doing, and how much of your energy"
        " went into reaching out. No right answers."
    ),
    "talk_reflection": N_(
        "You showed up for that talk. What helped, or what would you try next time?"
        " A few words for yourself are enough."
    ),
}


def render(
    kind: str,
    text: str | None = None,
    seed: str | None = None,
    fields: Mapping[str, str | None] | None = None,
    catalogue: Mapping[str, Practice] | None = None,
    helpline: str | None = None,
    record_partner: bool = True,
) -> tuple[str, str]:
    """The (title, words) of a nudge: its own `text` if given, else a variant of its kind's
    picked by `seed` (the delivery's id), with `fields` (e.g. boundary, topic) filled in.
    A variant that names a field is picked only when that field is given (a calm minute
    with no talk never says "your talk"), unless every variant names one. A kind with
    the safety line ends with it (and the user's `helpline`)."""
    practice = (catalogue or PRACTICES)[kind]
    if not record_partner and kind in OWN_SIDE and not (text or "").strip():
        text = _(OWN_SIDE[kind])  # `[partner] record = false`: nothing of the partner's side
    body = fill((text or "").strip() or pick(_fitting(practice.variants, fields), seed), fields)
    if practice.safety:
        body = f"{body}\n\n{safety_line(helpline)}"
    return practice.title, body


def _fitting(variants: tuple[str, ...], fields: Mapping[str, str | None] | None) -> tuple[str, ...]:
    """The variants whose every placeholder has words in `fields` (all, if none has).
    A placeholder whose empty form says nothing (`helped`) adds words when given and
    never decides the pick."""
    given = {name for name, value in (fields or {}).items() if value and value.strip()}
    given |= {name for name, spec in shipped().placeholders.items() if not spec.empty}
    fitting = tuple(v for v in variants if set(PLACEHOLDER.findall(v)) <= given)
    return fitting or variants


@dataclass(frozen=True)
class Shape:
    """What a delivery accepts as a reply (a practice, adjusted by the nudge's config)."""

    choices: tuple[tuple[str, str], ...] = ()
    free_text: bool = False
    scale: str | None = None
    note: bool = False
    # the words over the box and over the note field, in the language of the moment when
    # the shape is made (a delivery stores its shape with them)
    text_label: str = field(default_factory=lambda: _(TEXT_LABEL))
    takes_reply: bool = field(default=True)
    note_label: str = field(default_factory=lambda: _(NOTE_LABEL))

    def problem(self, value: str, scale: str | None = None) -> str | None:
        """Why `value` (and `scale`) is not a reply this shape takes, or None if it is."""
        if not self.takes_reply:
            return _("this nudge does not take a reply")
        value = value.strip()
        if not value:
            return _("the reply is empty")
        if len(value) > MAX_TEXT:
            return _("the reply is longer than {n} characters").format(n=MAX_TEXT)
        if scale not in (None, "") and (
            self.scale is None or scale not in "12345" or len(scale) != 1
        ):
            return _("the scale takes a number from 1 to 5")
        codes = [code for code, _label in self.choices]
        if value == LATER or value in codes or self.free_text:
            return None
        return _("'{value}' is not one of: {codes}").format(
            value=value, codes=", ".join([*codes, LATER])
        )

    def label(self, value: str) -> str:
        """The words a person reads for a stored value."""
        if value == LATER:
            return _("Later")
        if value == PAUSE_WEEK:
            return _("Pause this for a week")
        return dict(self.choices).get(value, value)


def stored_shape(shape: Shape) -> ReplyShape:
    """The shape as a delivery stores it (`reply`)."""
    return cast(ReplyShape, asdict(shape))


def shape(
    kind: str,
    choices: list[str] | None = None,
    reply: str | None = None,
    catalogue: Mapping[str, Practice] | None = None,
    record_partner: bool = True,
) -> Shape:
    """The reply shape of a nudge: its kind's, or the choices and reply mode its config gives.

    Without `record_partner` (`[partner] record = false`), a kind that asks about the
    partner's movement (PARTNER_KINDS) offers none of the partner's choices: the person
    answers in their own words (the reflection's note label, or OWN_WORDS), the weekly
    review keeps its energy scale, and nothing else changes."""
    practice = (catalogue or PRACTICES)[kind]
    if reply == "none":
        return Shape(takes_reply=False)
    own = tuple((code, code.replace("_", " ").capitalize()) for code in choices or [])
    if not record_partner and kind in PARTNER_KINDS:
        kept = tuple(c for c in own or practice.choices if c[0] not in PARTNER_CHOICES)
        label = practice.note_label if practice.note_label != _(NOTE_LABEL) else _(OWN_WORDS)
        return Shape(
            choices=kept,
            free_text=True,
            scale=practice.scale,
            note=False,
            text_label=label,
            note_label=practice.note_label,
        )
    return Shape(
        choices=own or practice.choices,
        free_text=practice.free_text if not own else reply == "text",
        scale=practice.scale,
        note=practice.note or bool(own),
        text_label=practice.text_label,
        note_label=practice.note_label,
    )


REMINDER_LINE = N_("A gentle second ask, only if you have a minute.")
PAUSE_OFFER = N_(
    "A few of these have gone by unanswered, and that's okay. Would a break help?"
    " You can pause this one for a week from the link."
)


def message(
    title: str,
    words: str,
    link: str | None,
    discreet: bool,
    reminder: bool = False,
    offer_pause: bool = False,
    discreet_title: str = discretion.TITLE,
) -> tuple[str, str]:
    """The (title, body) that leaves the machine. Discreet: exactly `discreet_title`, and
    one neutral line with the link (see `halfway.discretion`); nothing on a lock screen
    or in a mail preview says what the nudge is about. In the language of the moment
    (`words` and `title` come rendered in it, see `render`); the default title too."""
    if discreet:
        shown = discretion.shown_title(discreet_title)
        return shown, discretion.nudge_body(link, reminder, offer_pause)
    extra = [_(REMINDER_LINE)] if reminder else []
    lines = [*extra, words, *([_(PAUSE_OFFER)] if offer_pause else [])]
    reply = "\n\n" + _("Reply: {link}").format(link=link) if link else ""
    return title, "\n\n".join(lines) + reply
