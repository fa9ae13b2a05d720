"""For the tests of halfway in German and Spanish: the English words that must never
show in a page, message or digest written in another language."""

from __future__ import annotations

import re

# Common English words that no German or Spanish text of halfway's contains (checked as
# whole words, any case). "no", "not", "pause" and "online" are left out: German or Spanish too.
ENGLISH = (
    "the", "your", "you", "and", "week", "weeks", "nudge", "nudges", "reply", "talk",
    "talks", "with", "for", "what", "this", "that", "when", "today", "tomorrow",
    "later", "noticed", "ask", "asks", "boundary", "boundaries", "gesture", "open",
    "save", "saved", "here", "back", "next", "last", "how", "note", "nothing", "yet",
)  # fmt: skip
_WORDS = re.compile(r"\b(" + "|".join(ENGLISH) + r")\b", re.IGNORECASE)


def english_words(text: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """The English words in `text`, with the words the test typed itself (`allowed`,
    e.g. a note or a topic) taken out first."""
    for words in allowed:
        text = text.replace(words, " ")
    return _WORDS.findall(text)
