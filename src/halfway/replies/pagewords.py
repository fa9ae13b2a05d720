"""The reply page's own words, in the configured language: its messages (marked here,
read with `_` where shown), an answer's label, and a moment (when the page closes, when
a check-in comes back) as a person reads it. English reads as it always has.

Pure: the language of the moment, and the zone it is given.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from halfway.core import kinds, reminders, schedule
from halfway.words import dates
from halfway.words.language import N_, _, current

TROUBLE = N_("Something went wrong on halfway's side. Nothing was changed; please try again later.")
NOT_SAVED = N_("Your answer could not be saved just now. Please try again in a little while.")
TOO_MANY = N_("That is a lot of answers in a short time. Please wait a minute, then try again.")
UNCHECKED = N_("This form could not be checked. Please open the link again.")
TOO_LONG = N_("That reply is too long to take.")
NOT_NOTED = N_("That could not be noted ({why}).")
# The answers every page offers besides its own (a shape's own labels are stored in the
# language the nudge was sent in).
OWN_LABELS = {reminders.LATER: N_("Later"), reminders.PAUSE_WEEK: N_("Pause this for a week")}
AT = N_("{day} at {time}")  # a moment: 'Mi., 2. Dez. um 21:15'


def label(shape: kinds.Shape, value: str) -> str:
    """The words a person reads for a stored answer."""
    own = OWN_LABELS.get(value)
    return _(own) if own else shape.label(value)


def moment(when: datetime, zone: tzinfo) -> str:
    """A moment in `zone` as a person reads it: 'Wed 2026-12-02 21:15 CET' in English
    (as halfway has always said it), 'Mi., 2. Dez. um 21:15' in German."""
    if current() == "en":
        return schedule.clock_text(when, zone)
    local = when.astimezone(zone)
    return _(AT).format(day=dates.weekday_day(local), time=dates.clock(local))
