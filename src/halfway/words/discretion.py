"""Discretion and safety: the one home of the discreet words, and the frame around every
page halfway serves.

halfway is for someone who may share a home, a phone or a server with the partner it
records. With `discreet = true` (the default) nothing on a lock screen, in a mail
preview, a browser tab or a calendar says what it is about: every push and e-mail is
titled with the user's own `discreet_title` and says only one of the lines below and
its link. The lines name no practice, no partner and no app, and read as the person's
own reminder, never as a message from someone else (which could start jealousy).

Every page (the reply page, the private digest pages) carries the same `Frame`: a
neutral `<title>` when discreet, the footer (`templates/footer.html`: not professional
advice, the safety line with the `[care] helpline`), and a quick-exit link to
`quick_exit_url`. Pure: imports only `words/catalog` and `words/language`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from halfway.words.catalog import safety_line
from halfway.words.language import N_, _

#: The default `discreet_title`: a plain everyday word, the title of every discreet message,
#: shown in the person's language (`shown_title`); a title of their own is shown as written.
TITLE = N_("Reminder")
#: The default `quick_exit_url`: a weather page, dull to anyone looking over a shoulder.
QUICK_EXIT_URL = "https://www.bbc.com/weather"

# What a discreet push or e-mail says, besides its link.
NUDGE = N_("A reminder you set for yourself. Open it when you have a minute.")
AGAIN = N_("Your own reminder again, in case the first one slipped by.")
EASE = N_("Your own reminder. If these come too often, you can pause them from the link.")
DIGEST = N_("Your weekly page is ready, from the reminder you set for yourself.")

CHANNEL_DOWN = N_(  # the alert that a channel has failed since {since}
    "Your reminders could not reach your '{name}' channel since {since}. "
    "They are waiting and will go out once it works again."
)
TEST = N_("A test of your reminders")  # `halfway test-channel`, before what it says

# The push buttons a discreet message may carry: open the page, and later.
OPEN = N_("Open")
LATER = N_("Later")

# Calendar event titles when not discreet (when discreet: the `discreet_title`).
CALENDAR_TALK = N_("Time set aside")
CALENDAR_REVIEW = N_("A few minutes for yourself")

# Every page's footer and its quick exit.
NOT_ADVICE = N_(
    "These reminders are a companion, not professional advice: not therapy, counselling "
    "or a crisis service, and not here to tell you to stay or to leave."
)
QUICK_EXIT = N_("Leave quickly")


def lines() -> tuple[str, ...]:
    """Every discreet word a person can read, in the language of the moment (the voice
    test reads them)."""
    said = (
        TITLE,
        NUDGE,
        AGAIN,
        EASE,
        DIGEST,
        CHANNEL_DOWN,
        TEST,
        OPEN,
        LATER,
        CALENDAR_TALK,
        CALENDAR_REVIEW,
        NOT_ADVICE,
        QUICK_EXIT,
    )
    return tuple(_(line) for line in said)


def shown_title(own: str) -> str:
    """The title a discreet message or page shows: the default (TITLE, which the person
    left as it was) in their language, a `discreet_title` of their own as they wrote it."""
    return _(TITLE) if own == TITLE else own


def nudge_body(link: str | None, reminder: bool = False, offer_pause: bool = False) -> str:
    """A discreet nudge's body: one neutral line, and its link."""
    line = _(EASE if offer_pause else AGAIN if reminder else NUDGE)
    return f"{line}\n{link}" if link else line


def digest_body(link: str) -> str:
    """A discreet digest's body, in a push and in both parts of its e-mail."""
    return f"{_(DIGEST)}\n{link}"


class _Care(Protocol):
    @property
    def helpline(self) -> str | None: ...


class _Settings(Protocol):
    @property
    def discreet(self) -> bool: ...
    @property
    def discreet_title(self) -> str: ...
    @property
    def quick_exit_url(self) -> str: ...
    @property
    def care(self) -> _Care: ...


@dataclass(frozen=True)
class Frame:
    """What every page halfway serves carries around its content."""

    discreet: bool = True
    title: str = TITLE
    helpline: str | None = None
    quick_exit_url: str = QUICK_EXIT_URL

    def page_title(self, own: str) -> str:
        """The page's `<title>`: the neutral title when discreet, else `own`."""
        return shown_title(self.title) if self.discreet else own

    def footer(self, page: bool = True) -> dict[str, str | None]:
        """What `templates/footer.html` shows; an e-mail (`page=False`) has no quick exit."""
        return {
            "not_advice": _(NOT_ADVICE),
            "safety": safety_line(self.helpline),
            "quick_exit_url": self.quick_exit_url if page else None,
            "quick_exit": _(QUICK_EXIT),
        }


def frame(settings: _Settings) -> Frame:
    """The frame the settings ask for."""
    return Frame(
        discreet=settings.discreet,
        title=settings.discreet_title,
        helpline=settings.care.helpline,
        quick_exit_url=settings.quick_exit_url,
    )
