"""The config tables around the nudges: quiet hours, the weekly digest, planned talks,
asks, the user's boundaries and the care nudges, the outbox's retries and the IMAP
mailbox; and `Strict`, the base of every table.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from halfway.config.values import Clock, CronText, DayDuration, Duration, LineText, NameId, NameList
from halfway.words.language import _


class Strict(BaseModel):
    """Every nested table refuses keys it does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class QuietHours(Strict):
    start: Clock = Field(description="local time quiet hours begin")
    end: Clock = Field(description="local time they end; fires inside are deferred to it")

    @model_validator(mode="before")
    @classmethod
    def _given(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data:  # e.g. start and end commented out
            raise ValueError(
                _(
                    "has neither start nor end: give both, or leave the [quiet_hours] table out"
                    " to have no quiet hours"
                )
            )
        return data

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError(_("start and end are the same time; leave [quiet_hours] out instead"))
        return self


class Digest(Strict):
    cron: CronText = Field("0 8 * * mon", description="when the weekly digest is mailed")
    channels: NameList = Field(default_factory=list, description="channel names; empty = all")
    full_in_email: bool = Field(
        False, description="when discreet, the whole digest in the mail, not only its link"
    )


class Talks(Strict):
    """A planned talk's chain: when each step comes, where it goes, how long it takes a reply."""

    channels: NameList = Field(default_factory=list, description="channel names; empty = all")
    clarity_ask_at: Clock = Field(time(19, 0), description="the clarity ask, the evening before")
    reframe_at: Clock = Field(time(19, 30), description="the reframe prompt, the evening before")
    self_regulation_before: Duration = Field(
        timedelta(minutes=60), description="the self-regulation nudge, this long before"
    )
    reflection_after: Duration = Field(
        timedelta(hours=2), description="the reflection, this long after the talk begins"
    )
    reply_window: Duration = Field(
        timedelta(days=1), description="how long a step's reply link works"
    )


class Asks(Strict):
    """One ask at a time: when an ask rests on its own, and whether a new one waits."""

    rest_after: Duration = Field(
        timedelta(days=21), description="an ask said (or a draft) with no change rests"
    )
    one_at_a_time: bool = Field(
        True, description="no new clarity-ask nudge while an ask said waits for its answer"
    )


class Encryption(Strict):
    """Encryption at rest (store/atrest): off unless a key is named."""

    key_file: Path | None = Field(
        None, description="the key (mode 0600), outside the data folder; 'halfway encrypt' makes it"
    )
    credential: str | None = Field(
        None, description="a systemd credential's name: the key in $CREDENTIALS_DIRECTORY/NAME"
    )

    @field_validator("key_file")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        if value is not None and not value.expanduser().is_absolute():
            raise ValueError(f"'{value}' is not an absolute path (e.g. /etc/halfway/halfway.key)")
        return value.expanduser() if value is not None else None

    @field_validator("credential")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if (value is not None and not re.fullmatch(r"[A-Za-z0-9_.@-]+", value)) or value in (
            ".",
            "..",
        ):
            raise ValueError(f"'{value}' is not a credential name (e.g. halfway-key)")
        return value

    @property
    def on(self) -> bool:
        return self.key_file is not None or self.credential is not None


class Partner(Strict):
    """Whether halfway records the partner's side at all (see care/engage)."""

    record: bool = Field(
        True,
        description="false: no partner-side choices in the nudges, "
        "the digest shows only your own side",
    )


class Boundary(Strict):
    """One of the user's boundaries, named by the `boundary` nudge in turn."""

    id: NameId = Field(description="unique name, [a-z0-9-]")
    text: str = Field(min_length=1, max_length=300, description="the boundary, in your words")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("is empty; write the boundary in a few words"))
        return " ".join(value.split())


_FULL_DAYS = {
    "mon": "monday",
    "tue": "tuesday",
    "wed": "wednesday",
    "thu": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sun": "sunday",
}


class Care(Strict):
    """The care nudges that notice trends (see halfway.care), each of which can be off."""

    step_back: bool = Field(
        True, description="suggest stepping back when your own reaching out really climbs"
    )
    revisit_boundaries: bool = Field(
        True, description="after 3 still weeks: your boundaries; and when one keeps not holding"
    )
    counsellor: bool = Field(
        True,
        description="after 6 still weeks, when movement returns, or after a long quiet: "
        "once, a counsellor",
    )
    channels: NameList = Field(default_factory=list, description="channel names; empty = all")
    cron: CronText = Field("0 10 * * mon", description="when the weeks are looked at")
    at: str | None = Field(None, description="instead of cron: a weekday and time, 'Mon 09:00'")
    helpline: LineText | None = Field(
        None, description="your own helpline, in every page's footer and every safety note"
    )

    @field_validator("at")
    @classmethod
    def _at_text(cls, value: str | None) -> str | None:
        if value is not None and _weekly_cron(value) is None:
            said = _("'{value}' is not a weekday and a time (e.g. 'Mon 09:00')")
            raise ValueError(said.format(value=value))
        return value

    @model_validator(mode="after")
    def _at(self) -> Care:
        if self.at is None:
            return self
        if "cron" in self.model_fields_set:
            raise ValueError(_("give cron or at, not both"))
        object.__setattr__(self, "cron", _weekly_cron(self.at))
        return self


def _weekly_cron(text: str) -> str | None:
    """'Mon 09:00' or 'monday 9:00' as cron ('0 9 * * mon'), or None if it is not that."""
    match = re.fullmatch(r"([A-Za-z]{3,9})\s+([01]?\d|2[0-3]):([0-5]\d)", text.strip()[:40])
    if match is None:
        return None
    day = match.group(1).lower()
    if day[:3] not in _FULL_DAYS or day not in (day[:3], _FULL_DAYS[day[:3]]):
        return None
    return f"{int(match.group(3))} {int(match.group(2))} * * {day[:3]}"


class Outbox(Strict):
    retry_first: Duration = Field(timedelta(seconds=30), description="wait before the first retry")
    retry_max: Duration = Field(timedelta(hours=1), description="the longest wait between retries")
    give_up_after: Duration = Field(timedelta(days=1), description="stop retrying a send this old")
    alert_after: Duration = Field(
        timedelta(hours=6), description="say so through another channel when one fails this long"
    )


class Imap(Strict):
    host: str = Field(description="IMAP server that receives replies to halfway's e-mails")
    port: int = Field(993, gt=0, lt=65536)
    user: str = Field(description="login name")
    password: str = Field(description="login password (never printed or logged)")
    folder: str = Field("INBOX", description="where replies arrive")
    tls: Literal["ssl", "starttls", "none"] = Field("ssl", description="ssl, starttls or none")
    poll: DayDuration = Field(timedelta(minutes=1), description="how often to look")
    move_to: str | None = Field(None, description="move handled replies to this folder")
