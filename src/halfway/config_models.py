"""The settings models: each table of config.toml with its defaults and checks, the
checks across tables, and pydantic's errors turned into plain 'key: problem' lines.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from halfway.config_types import (
    CHANNEL_NAME,
    NAME,
    Clock,
    CronText,
    Duration,
    NameList,
    as_list,
)

Kind = Literal[
    "self_regulation",
    "clarity_ask",
    "reframe",
    "boundary",
    "gesture_log",
    "talk_reflection",
    "pattern_review",
    "custom",
]
KINDS: tuple[str, ...] = get_args(Kind)

# The check a caller lends to validation for channel URLs: URL -> problem or None.
_url_check: ContextVar[Callable[[str], str | None] | None] = ContextVar("url_check", default=None)


class Strict(BaseModel):
    """Every nested table refuses keys it does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Server(Strict):
    listen: str = Field("127.0.0.1:8470", description="host:port for the reply page and /healthz")
    public_url: str = Field(
        "", description="base of the links put in messages; default: http://{listen}"
    )

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"'{value}' is not host:port (e.g. '127.0.0.1:8470')")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if value and not re.match(r"https?://[^/\s]+", value):
            raise ValueError(f"'{value}' is not an http:// or https:// address")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _link_base(self) -> Server:
        if not self.public_url:  # links then point where the server listens
            object.__setattr__(self, "public_url", f"http://{self.listen}")
        return self

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


class QuietHours(Strict):
    start: Clock = Field(description="local time quiet hours begin")
    end: Clock = Field(description="local time they end; fires inside are deferred to it")

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end are the same time; leave [quiet_hours] out instead")
        return self


class Nudge(Strict):
    id: str = Field(description="unique name, [a-z0-9-]")
    kind: Kind = Field(description="which practice this nudge is")
    cron: CronText | None = Field(None, description="five-field cron, local time")
    every: Duration | None = Field(None, description="interval, e.g. '3d'")
    at: datetime | None = Field(None, description="one fire at this date-time")
    channels: NameList = Field(default_factory=list, description="channel names; empty = all")
    text: str | None = Field(None, description="words that replace the kind's default")
    catch_up: Duration = Field(timedelta(hours=6), description="how late a fire may still go")
    remind_after: Duration | None = Field(None, description="remind if unanswered after this")
    remind_max: int = Field(1, ge=0, description="at most this many reminders")
    reply_window: Duration = Field(timedelta(days=7), description="how long the reply link works")
    snooze: Duration = Field(
        timedelta(hours=1), description="a 'later' reply asks again after this"
    )
    reply: Literal["text", "choices", "none"] | None = Field(
        None, description="the reply this nudge takes; default: its kind's"
    )
    choices: list[str] | None = Field(None, description="your own choices, as short codes")

    @field_validator("choices")
    @classmethod
    def _choices(cls, value: list[str] | None) -> list[str] | None:
        for code in value or []:
            if not NAME.fullmatch(code.replace("_", "-")):
                raise ValueError(f"'{code}' may only use a-z, 0-9, '_' and '-'")
        return value

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not NAME.fullmatch(value):
            raise ValueError(f"'{value}' may only use a-z, 0-9 and '-'")
        return value

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(
                    f"'{value}' is not an ISO date-time (e.g. '2026-12-01T09:00')"
                ) from None
        return value

    @model_validator(mode="after")
    def _one_timing(self) -> Nudge:
        given = [name for name in ("cron", "every", "at") if getattr(self, name) is not None]
        if len(given) != 1:
            found = f"found {' and '.join(given)}" if given else "found none"
            raise ValueError(f"needs exactly one of cron, every or at ({found})")
        return self


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
    poll: Duration = Field(timedelta(minutes=1), description="how often to look")
    move_to: str | None = Field(None, description="move handled replies to this folder")


class Digest(Strict):
    cron: CronText = Field("0 8 * * mon", description="when the weekly digest is mailed")
    channels: NameList = Field(default_factory=list, description="channel names; empty = all")


class Settings(BaseSettings):
    """The whole configuration. Field order matters: channels before their users."""

    model_config = SettingsConfigDict(
        env_prefix="HALFWAY_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    timezone: str = Field(default_factory=lambda: _local_zone(), description="IANA zone name")
    data_dir: Path = Field(default_factory=lambda: default_data_dir(), description="data folder")
    send_timeout: Duration = Field(timedelta(seconds=30), description="longest one send may take")
    heartbeat_url: str | None = Field(None, description="pinged while halfway runs")
    heartbeat_every: Duration = Field(timedelta(minutes=5), description="how often to ping it")
    server: Server = Field(default_factory=Server)
    outbox: Outbox = Field(default_factory=Outbox)
    discreet: bool = Field(True, description="lock-screen safe titles and first lines")
    imap: Imap | None = None
    quiet_hours: QuietHours | None = None
    channels: dict[str, NameList] = Field(default_factory=dict)
    nudges: list[Nudge] = Field(default_factory=list)
    digest: Digest = Field(default_factory=Digest)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's contents arrive as init values; the environment wins over them.
        return (env_settings, init_settings)

    @field_validator("heartbeat_url")
    @classmethod
    def _heartbeat(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"https?://[^/\s]+", value):
            raise ValueError("is not an http:// or https:// address")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is not an IANA time zone (e.g. 'Europe/Berlin')") from None
        return value

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        problems = []
        check = _url_check.get()
        for name, urls in value.items():
            if not CHANNEL_NAME.fullmatch(name):
                problems.append(f"channels.{name}: a channel name may only use a-z, 0-9, _ and -")
            if not urls:
                problems.append(f"channels.{name}: has no URL")
            for url in urls:
                problem = check(url) if check else None
                if problem:
                    problems.append(f"channels.{name}: {problem}")
        if problems:
            raise ValueError("\n".join(problems))
        return value

    @field_validator("nudges", mode="wrap")
    @classmethod
    def _nudges(cls, value: Any, handler: Any, info: ValidationInfo) -> list[Nudge]:
        # Wrapped, so duplicate ids and unknown channels are reported together
        # with any error inside a nudge, not only once those are fixed.
        problems: list[str] = []
        nudges: list[Nudge] = []
        try:
            nudges = handler(value)
        except ValidationError as error:
            problems = explain(error, prefix=("nudges",))
        raw = value if isinstance(value, list) else []
        seen: set[str] = set()
        known = info.data.get("channels")
        for index, item in enumerate(raw):
            item = item.model_dump() if isinstance(item, Nudge) else item
            if not isinstance(item, dict):
                continue
            if isinstance(item.get("id"), str):
                if item["id"] in seen:
                    problems.append(
                        f"nudges[{index}].id: '{item['id']}' is used by an earlier nudge"
                    )
                seen.add(item["id"])
            names = as_list(item.get("channels", []))
            if known is not None and isinstance(names, list):
                problems += _unknown_channels(f"nudges[{index}].channels", names, known)
        if problems:
            raise ValueError("\n".join(sorted(problems, key=_nudge_order)))
        return nudges

    @field_validator("digest")
    @classmethod
    def _digest(cls, value: Digest, info: ValidationInfo) -> Digest:
        known = info.data.get("channels")
        problems = _unknown_channels("digest.channels", value.channels, known or {})
        if known is not None and problems:
            raise ValueError("\n".join(problems))
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def db_path(self) -> Path:
        return self.data_dir / "halfway.json"

    def nudge(self, nudge_id: str) -> Nudge | None:
        return next((n for n in self.nudges if n.id == nudge_id), None)

    def channels_of(self, names: list[str]) -> dict[str, list[str]]:
        """The named channels with their URLs; no names means every channel."""
        return {name: self.channels[name] for name in (names or list(self.channels))}


def _unknown_channels(where: str, names: list[str], known: dict[str, Any]) -> list[str]:
    return [
        f"{where}: no channel named '{name}' in [channels]" for name in names if name not in known
    ]


def _local_zone() -> str:
    from tzlocal import get_localzone_name

    try:
        return get_localzone_name() or "UTC"
    except Exception:  # an odd /etc/localtime is no reason to refuse to start
        return "UTC"


def default_data_dir() -> Path:
    """systemd's StateDirectory, else /var/lib/halfway for root, else the XDG state dir."""
    if state := os.environ.get("STATE_DIRECTORY"):
        return Path(state.split(":")[0])
    if os.geteuid() == 0:
        return Path("/var/lib/halfway")
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "halfway"


@contextmanager
def checking_urls(check: Callable[[str], str | None] | None) -> Iterator[None]:
    """Within this block, channel URLs are checked with `check` (None: not checked)."""
    token = _url_check.set(check)
    try:
        yield
    finally:
        _url_check.reset(token)


def _nudge_order(line: str) -> int:
    match = re.match(r"nudges\[(\d+)\]", line)
    return int(match.group(1)) if match else -1


def explain(error: ValidationError, prefix: tuple[str, ...] = ()) -> list[str]:
    """Turn pydantic's errors into 'key: what is wrong' lines, without codes or links."""
    lines: list[str] = []
    for item in error.errors(include_url=False):
        where = _location(prefix + tuple(item["loc"]))
        kind = item["type"]
        if kind == "extra_forbidden":
            message = "unknown key (check the spelling)"
        elif kind == "missing":
            message = "is required"
        elif kind == "literal_error":
            message = f"'{item['input']}' is not one of: {', '.join(KINDS)}"
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
        for part in message.split("\n"):
            # Lines from the cross-checks already name their own key.
            nested = re.match(r"(channels\.|nudges\[|digest\.)", part)
            lines.append(part if nested else f"{where}: {part}" if where else part)
    return lines


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part.startswith("function-") or part in ("str", "list[str]"):
            continue
        else:
            text += f".{part}" if text else part
    return text
