"""Five-field cron expressions, read the way crontab(5) reads them.

APScheduler's CronTrigger does the field arithmetic, but three of its habits
differ from crontab and would surprise a user:

- numeric weekdays count from Monday (crontab: 0 and 7 are Sunday), so
  weekdays are rewritten to names here;
- when both day of month and weekday are restricted, it fires only on a day
  that matches both, where crontab fires on a day that matches either:
  `0 9 1 * mon` is 09:00 on the 1st *and* on every Monday. So such an
  expression becomes two triggers, one per day field, and its fire times are
  their union. A field counts as restricted, as in crontab, unless it begins
  with `*`: with `*/2` in one day field, a day must still match both;
- it evaluates times in an aware zone, which repeats a fire on the night the
  clocks go back, so a trigger is only ever asked about *wall clock* time (a
  naive local time dressed as UTC); `schedule` maps wall times to instants itself.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from halfway.words.language import N_, _

FIELDS = (
    ("minute", N_("minute"), 0, 59),
    ("hour", N_("hour"), 0, 23),
    ("day", N_("day of month"), 1, 31),
    ("month", N_("month"), 1, 12),
    ("day_of_week", N_("weekday"), 0, 7),
)
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


class CronError(ValueError):
    """An expression that cron would not accept; the message says why."""


def _weekday_number(token: str) -> int:
    token = token.strip().lower()
    if token in WEEKDAYS:
        return WEEKDAYS.index(token)
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    raise CronError(_("weekday must be 0-7 or sun-sat, not '{token}'").format(token=token))


def _weekdays(field: str) -> str:
    """Rewrite a crontab weekday field (0/7 = Sunday) as APScheduler names."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        span, _slash, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(
                    _("weekday step must be a positive number, not '{step}'").format(step=step_text)
                )
            step = int(step_text)
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            low, high = span.split("-", 1)
            first, last = _weekday_number(low), _weekday_number(high)
            if high.strip() == "7":
                last = 7
            if last < first:
                raise CronError(_("weekday range '{span}' runs backwards").format(span=span))
        else:
            first = last = _weekday_number(span)
            if step_text:
                last = 6
        days.update(day % 7 for day in range(first, last + 1, step))
    # APScheduler counts mon=0; list names so no number is misread.
    return ",".join(WEEKDAYS[day] for day in sorted(days))


# A wall-clock search starts here to learn whether a trigger ever fires: the calendar
# repeats within 28 years for any day a five-field expression can name (29 February too).
_EVER_FROM = datetime(2000, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=1024)  # parsed once per expression, not on every call
def parse(expression: str) -> BaseTrigger:
    """Given a five-field crontab expression, return a wall-clock trigger.

    With both day fields restricted, the trigger fires when either matches (see above).
    Raises CronError with a short reason naming the field that is wrong.
    """
    fields = expression.split()
    if len(fields) != len(FIELDS):
        raise CronError(
            _("needs 5 fields (minute hour day month weekday), found {n}").format(n=len(fields))
        )
    values: dict[str, str] = {}
    for (key, label, low, high), value in zip(FIELDS, fields, strict=True):
        if key == "day_of_week":
            value = _weekdays(value)
        try:
            CronTrigger(**{key: value}, timezone=UTC)
        except ValueError as error:
            raise CronError(_reason(label, low, high, key, str(error))) from None
        values[key] = value
    if _restricted(fields[2]) and _restricted(fields[4]):
        either = [
            CronTrigger(second="0", timezone=UTC, **(values | {"day_of_week": "*"})),
            CronTrigger(second="0", timezone=UTC, **(values | {"day": "*"})),
        ]
        # A day of month that never comes (31 February) leaves the weekdays alone; asked
        # again and again, its search to the year 9999 would cost a third of a second.
        firing = [t for t in either if t.get_next_fire_time(None, _EVER_FROM) is not None]
        return firing[0] if len(firing) == 1 else OrTrigger(firing)
    return CronTrigger(second="0", timezone=UTC, **values)


def _restricted(field: str) -> bool:
    """Whether a day field narrows the days, as crontab(5) tells: it does not begin with '*'."""
    return not field.startswith(("*", "?"))


def _reason(label: str, low: int, high: int, key: str, detail: str) -> str:
    if "name" in detail.lower() or "unrecognized" in detail.lower():
        if key == "month":
            return _("{field} must be {low}-{high} or jan-dec").format(
                field=_(label), low=low, high=high
            )
        return _("{field} has a value cron does not know").format(field=_(label))
    return _("{field} must be {low}-{high}").format(field=_(label), low=low, high=high)


def next_wall_time(trigger: BaseTrigger, after: datetime) -> datetime | None:
    """The first naive wall-clock time strictly after `after` that matches."""
    probe = after.replace(tzinfo=UTC) + timedelta(microseconds=1)
    found = trigger.get_next_fire_time(None, probe)
    return None if found is None else found.replace(tzinfo=None)
