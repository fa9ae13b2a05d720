"""The built-in nudge kinds: their default words and the shape of reply they take.

Short, warm drafts in halfway's voice (see shared/PRACTICES.md): concrete,
never a diagnosis of the partner, and always skippable. Choices are stored
as stable codes; the labels are only for people.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MOVEMENT = (
    ("agreed_time", "Agreed to a time"),
    ("acknowledged", "Acknowledged my feelings"),
    ("small_change", "Made a small change"),
    ("none", "No movement"),
)
LATER = "later"  # any reply can be "later": ask again after the nudge's snooze time
MAX_TEXT = 2000
DISCREET_TITLE = "halfway · a small check-in"
DISCREET_BODY = "Something small is waiting for you, whenever you have a minute."


@dataclass(frozen=True)
class Practice:
    title: str
    text: str
    choices: tuple[tuple[str, str], ...] = ()
    free_text: bool = False  # the value may be the user's own words
    scale: str | None = None  # a 1–5 question, asked beside the value
    note: bool = False  # a note field beside the value
    text_label: str = "Your words"


PRACTICES: dict[str, Practice] = {
    "self_regulation": Practice(
        "A minute for you, before the talk",
        "Three slow breaths. Name what you feel, just to yourself. Then one sentence of"
        " what you hope for. Calm and clear is enough; you don't have to get it perfect.",
        choices=(("ready", "I'm ready"), ("need_more_time", "I need more time")),
    ),
    "clarity_ask": Practice(
        "One small, clear ask",
        "What is one specific thing you'd like to ask for? Small and doable works best,"
        " like twenty minutes this weekend about what makes you both feel close.",
        free_text=True,
        text_label="Your ask",
    ),
    "reframe": Practice(
        "An invitation, not a problem",
        'Try it as an invitation to build something together: "I feel … when … I would'
        ' love …". Jot down a draft if you like.',
        free_text=True,
        text_label="Your draft",
    ),
    "boundary": Practice(
        "Your boundary, for your own well-being",
        "A gentle reminder of the boundary you chose for yourself. How has it been lately?",
        choices=(("held", "Held"), ("strained", "Strained"), ("crossed", "Crossed")),
        note=True,
    ),
    "gesture_log": Practice(
        "A small moment today?",
        "Was there one small gesture or moment of connection you noticed today?"
        ' Anything counts, and "none today" is a fine answer too.',
        choices=(("none", "None today"),),
        free_text=True,
        text_label="What you noticed",
    ),
    "talk_reflection": Practice(
        "How did the talk go?",
        "However it went, you showed up. Did anything move, like agreeing to a time,"
        " acknowledging feelings, or a small change?",
        choices=(*MOVEMENT[:3], ("avoided", "Avoided it"), ("refused", "Refused"), MOVEMENT[3]),
        note=True,
    ),
    "pattern_review": Practice(
        "Your week, gently",
        "Looking back over this week: any movement from your partner, how much you"
        " reached out, and how the pursuing felt. No right answers.",
        choices=MOVEMENT,
        scale="How much were you pursuing this week? (1 barely – 5 all the time)",
        note=True,
    ),
    "custom": Practice(
        "A note from halfway", "A small check-in from you, for you.", free_text=True
    ),
}


@dataclass(frozen=True)
class Shape:
    """What a delivery accepts as a reply (a practice, adjusted by the nudge's config)."""

    choices: tuple[tuple[str, str], ...] = ()
    free_text: bool = False
    scale: str | None = None
    note: bool = False
    text_label: str = "Your words"
    takes_reply: bool = field(default=True)

    def problem(self, value: str, scale: str | None = None) -> str | None:
        """Why `value` (and `scale`) is not a reply this shape takes, or None if it is."""
        if not self.takes_reply:
            return "this nudge does not take a reply"
        value = value.strip()
        if not value:
            return "the reply is empty"
        if len(value) > MAX_TEXT:
            return f"the reply is longer than {MAX_TEXT} characters"
        if scale not in (None, "") and (
            self.scale is None or scale not in "12345" or len(scale) != 1
        ):
            return "the scale takes a number from 1 to 5"
        codes = [code for code, _ in self.choices]
        if value == LATER or value in codes or self.free_text:
            return None
        return f"'{value}' is not one of: {', '.join([*codes, LATER])}"

    def label(self, value: str) -> str:
        """The words a person reads for a stored value."""
        if value == LATER:
            return "Later"
        if value == "pause_week":
            return "Pause this for a week"
        return dict(self.choices).get(value, value)


def shape(kind: str, choices: list[str] | None = None, reply: str | None = None) -> Shape:
    """The reply shape of a nudge: its kind's, or the choices and reply mode its config gives."""
    practice = PRACTICES[kind]
    if reply == "none":
        return Shape(takes_reply=False)
    own = tuple((code, code.replace("_", " ").capitalize()) for code in choices or [])
    return Shape(
        choices=own or practice.choices,
        free_text=practice.free_text if not own else reply == "text",
        scale=practice.scale,
        note=practice.note or bool(own),
        text_label=practice.text_label,
    )


def render(kind: str, text: str | None) -> tuple[str, str]:
    """The (title, words) of a nudge: its own words if given, else its kind's."""
    practice = PRACTICES[kind]
    return practice.title, (text or practice.text).strip()


REMINDER_LINE = "A gentle second ask, only if you have a minute."
PAUSE_OFFER = (
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
) -> tuple[str, str]:
    """The (title, body) that leaves the machine. Discreet: nothing personal on a lock screen."""
    extra = [REMINDER_LINE] if reminder else []
    if discreet:
        lines = [DISCREET_BODY, *extra, *([PAUSE_OFFER] if offer_pause else [])]
        return DISCREET_TITLE, "\n".join(lines) + (f"\n{link}" if link else "")
    lines = [*extra, words, *([PAUSE_OFFER] if offer_pause else [])]
    return title, "\n\n".join(lines) + (f"\n\nReply: {link}" if link else "")
