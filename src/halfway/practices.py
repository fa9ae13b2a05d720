"""The built-in nudge kinds: their default words and the shape of reply they take.

These are short first drafts in halfway's voice (see shared/PRACTICES.md):
warm, concrete, never a diagnosis of the partner, and always skippable.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Practice:
    title: str
    text: str
    reply: str  # "choices", "text", "choices+note", "scale+note" or "none"
    choices: tuple[str, ...] = ()


PRACTICES: dict[str, Practice] = {
    "self_regulation": Practice(
        "A minute for you, before the talk",
        "Three slow breaths. Name what you feel, just to yourself. Then one sentence of"
        " what you hope for. Calm and clear is enough; you don't have to get it perfect.",
        "choices",
        ("ready", "need_more_time"),
    ),
    "clarity_ask": Practice(
        "One small, clear ask",
        "What is one specific thing you'd like to ask for? Small and doable works best,"
        " like twenty minutes this weekend about what makes you both feel close.",
        "text",
    ),
    "reframe": Practice(
        "An invitation, not a problem",
        'Try it as an invitation to build something together: "I feel … when … I would'
        ' love …". Jot down a draft if you like.',
        "text",
    ),
    "boundary": Practice(
        "Your boundary, for your own well-being",
        "A gentle reminder of the boundary you chose for yourself. How has it been lately?",
        "choices+note",
        ("held", "strained", "crossed"),
    ),
    "gesture_log": Practice(
        "A small moment today?",
        "Was there one small gesture or moment of connection you noticed today?"
        ' Anything counts, and "none today" is a fine answer too.',
        "text",
    ),
    "talk_reflection": Practice(
        "How did the talk go?",
        "However it went, you showed up. Did anything move, like agreeing to a time,"
        " acknowledging feelings, or a small change?",
        "choices+note",
        ("agreed_time", "acknowledged", "small_change", "none"),
    ),
    "pattern_review": Practice(
        "Your week, gently",
        "Looking back over this week: any movement from your partner, how much you"
        " reached out, and how the pursuing felt. No right answers.",
        "scale+note",
        ("agreed_time", "acknowledged", "small_change", "none"),
    ),
    "custom": Practice("A note from halfway", "A small check-in from you, for you.", "text"),
}


def render(kind: str, text: str | None) -> tuple[str, str]:
    """The (title, body) of a nudge: its own words if given, else its kind's."""
    practice = PRACTICES[kind]
    return practice.title, (text or practice.text).strip()
