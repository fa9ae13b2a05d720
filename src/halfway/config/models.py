"""The settings models: each table of config.toml with its defaults and checks, the
checks across tables, and pydantic's errors turned into plain 'key: problem' lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from halfway.config.defaults import default_data_dir, local_date_order, local_zone
from halfway.config.errors import Environment, explain, in_order
from halfway.config.practices import (
    Asks,
    Boundary,
    Care,
    Digest,
    Encryption,
    Imap,
    Outbox,
    Partner,
    QuietHours,
    Strict,
    Talks,
)
from halfway.config.sources import FileValues
from halfway.config.values import (
    CHANNEL_NAME,
    NAME,
    CronText,
    DateOrder,
    DayDuration,
    Duration,
    HourDuration,
    Kind,
    NameId,
    NameList,
    TitleText,
    WebAddress,
    as_list,
    at_most,
    instant_problem,
    not_web,
)
from halfway.words import discretion
from halfway.words.catalog import MAX_VARIANT
from halfway.words.language import Language, _, local_language
from halfway.words.overrides import check_overrides

# The check a caller lends to validation for channel URLs: URL -> problem or None.
_url_check: ContextVar[Callable[[str], str | None] | None] = ContextVar("url_check", default=None)


class Server(Strict):
    listen: str = Field("127.0.0.1:8470", description="host:port for the reply page and /healthz")
    public_url: str = Field(
        "", description="base of the links put in messages; default: http://{listen}"
    )
    session: Duration = Field(timedelta(days=30), description="how long a sign-in lasts")

    @field_validator("listen")
    @classmethod
    def _listen(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(
                _("'{value}' is not host:port (e.g. '127.0.0.1:8470')").format(value=value)
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if value and not re.match(r"https?://[^/\s]+", value):
            raise ValueError(not_web(value))
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


class Nudge(Strict):
    id: NameId = Field(description="unique name, [a-z0-9-]")
    kind: Kind = Field(description="which practice this nudge is")
    cron: CronText | None = Field(None, description="five-field cron, local time")
    every: Duration | None = Field(None, description="interval, e.g. '3d'")
    at: datetime | None = Field(None, description="one fire at this date-time")
    channels: NameList = Field(default_factory=list, description="channel names; empty = all")
    text: str | None = Field(None, description="words that replace the kind's default")
    catch_up: Duration = Field(timedelta(hours=6), description="how late a fire may still go")
    remind_after: Duration | None = Field(None, description="remind if unanswered after this")
    remind_max: int = Field(1, ge=0, le=20, description="at most this many reminders")
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
                raise ValueError(_("'{code}' may only use a-z, 0-9, '_' and '-'").format(code=code))
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        # the same bound as a kind's own words ([words]): the text is stored with every fire
        if value is not None and len(value.strip()) > MAX_VARIANT:
            raise ValueError(at_most(MAX_VARIANT, len(value.strip())))
        return value

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                said = _("'{value}' is not an ISO date-time (e.g. '2026-12-01T09:00')")
                raise ValueError(said.format(value=value)) from None
        return value

    @field_validator("at")
    @classmethod
    def _at_in_range(cls, value: datetime | None) -> datetime | None:
        problem = instant_problem(value) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _one_timing(self) -> Nudge:
        problem = _timing_problem({"cron": self.cron, "every": self.every, "at": self.at})
        if problem:
            raise ValueError(problem)
        return self


def _timing_problem(item: dict[str, Any]) -> str | None:
    """A nudge needs exactly one of cron, every and at; checked on raw values too."""
    given = [name for name in ("cron", "every", "at") if item.get(name) is not None]
    if len(given) == 1:
        return None
    found = _("found {keys}").format(keys=_(" and ").join(given)) if given else _("found none")
    return _("needs exactly one of cron, every or at ({found})").format(found=found)


class Settings(BaseSettings):
    """The whole configuration. Field order matters: channels before their users."""

    model_config = SettingsConfigDict(
        env_prefix="HALFWAY_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    timezone: str = Field(default_factory=lambda: local_zone(), description="IANA zone name")
    language: Language = Field(default_factory=lambda: local_language(), description="en, de, es")
    date_order: DateOrder = Field(
        default_factory=lambda: local_date_order(), description="a typed date: dmy, mdy or ymd"
    )
    data_dir: Path = Field(default_factory=lambda: default_data_dir(), description="data folder")
    send_timeout: HourDuration = Field(
        timedelta(seconds=30), description="longest one send may take"
    )
    heartbeat_url: str | None = Field(None, description="pinged while halfway runs")
    heartbeat_every: DayDuration = Field(timedelta(minutes=5), description="how often to ping it")
    server: Server = Field(default_factory=Server)
    outbox: Outbox = Field(default_factory=Outbox)
    discreet: bool = Field(True, description="nothing personal on a lock screen or preview")
    discreet_title: TitleText = Field(
        discretion.TITLE, description="the title of every discreet message and page"
    )
    quick_exit_url: WebAddress = Field(
        discretion.QUICK_EXIT_URL, description="where every page's quick-exit link goes"
    )
    imap: Imap | None = None
    quiet_hours: QuietHours | None = None
    channels: dict[str, NameList] = Field(default_factory=dict)
    nudges: list[Nudge] = Field(default_factory=list)
    digest: Digest = Field(default_factory=Digest)
    care: Care = Field(default_factory=Care)
    words: dict[str, Any] = Field(default_factory=dict, description="your own words per kind")
    boundaries: list[Boundary] = Field(default_factory=list)
    talks: Talks = Field(default_factory=Talks)
    asks: Asks = Field(default_factory=Asks)
    partner: Partner = Field(default_factory=Partner)
    encryption: Encryption = Field(default_factory=Encryption)

    @field_validator("boundaries")
    @classmethod
    def _boundaries(cls, value: list[Boundary]) -> list[Boundary]:
        doubled = sorted({b.id for b in value if [c.id for c in value].count(b.id) > 1})
        if doubled:
            said = _("the id '{id}' is used by more than one boundary")
            raise ValueError(said.format(id=doubled[0]))
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's contents arrive as init values; the environment wins over them, and
        # a variable replaces the file's value at its key whole (a table too, not merged).
        return (Environment(settings_cls), FileValues(settings_cls, init_settings))

    @model_validator(mode="wrap")
    @classmethod
    def _across_tables(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        # Channel names are checked on the raw values, so a nudge naming a missing channel
        # is reported even when something else (a bad URL, a bad nudge) fails too.
        problems = _channel_references(data) if isinstance(data, dict) else []
        if isinstance(data, dict) and isinstance(data.get("words"), dict):
            problems += check_overrides(data["words"], "words")  # one line per key
        try:
            settings = handler(data)
        except ValidationError as error:
            if not problems:
                raise
            problems = in_order(explain(error) + problems, list(cls.model_fields))
            raise ValueError("\n".join(problems)) from None
        if problems:
            raise ValueError("\n".join(problems))
        return settings

    @field_validator("heartbeat_url")
    @classmethod
    def _heartbeat(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"https?://[^/\s]+", value):
            raise ValueError(_("is not an http:// or https:// address"))
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            said = _("'{value}' is not an IANA time zone (e.g. 'Europe/Berlin')")
            raise ValueError(said.format(value=value)) from None
        return value

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        problems = []
        check = _url_check.get()
        for name, urls in value.items():
            if not CHANNEL_NAME.fullmatch(name):
                said = _("a channel name may only use a-z, 0-9, _ and -")
                problems.append(f"channels.{name}: {said}")
            if not urls:
                problems.append(f"channels.{name}: " + _("has no URL"))
            for url in urls:
                problem = check(url) if check else None
                if problem:
                    problems.append(f"channels.{name}: {problem}")
        if problems:
            raise ValueError("\n".join(problems))
        return value

    @field_validator("nudges", mode="wrap")
    @classmethod
    def _nudges(cls, value: Any, handler: Any) -> list[Nudge]:
        # Wrapped, so duplicate ids and a nudge's timing are reported together
        # with any other error inside a nudge, not only once those are fixed.
        problems: list[str] = []
        nudges: list[Nudge] = []
        try:
            nudges = handler(value)
        except ValidationError as error:
            problems = explain(error, prefix=("nudges",))
        seen: set[str] = set()
        for index, item in enumerate(_raw_nudges(value)):
            if isinstance(item.get("id"), str):
                if item["id"] in seen:
                    said = _("'{id}' is used by an earlier nudge").format(id=item["id"])
                    problems.append(f"nudges[{index}].id: {said}")
                seen.add(item["id"])
            timing = _timing_problem(item)
            if timing and f"nudges[{index}]: {timing}" not in problems:
                problems.append(f"nudges[{index}]: {timing}")
        if problems:
            raise ValueError("\n".join(in_order(problems, ["nudges"])))
        return nudges

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


def check_nudge(nudge_id: str, cron: str, channels: list[str]) -> Nudge:
    """A schedule of halfway's own (the digest, the care check): unvalidated, its parts checked."""
    return Nudge.model_construct(
        id=nudge_id, kind="custom", cron=cron, every=None, at=None, channels=channels
    )


def _raw_nudges(value: Any) -> list[dict[str, Any]]:
    """The nudge tables as written, for the checks that must see past a nudge's errors."""
    items = value if isinstance(value, list) else []
    return [
        i.model_dump() if isinstance(i, BaseModel) else i
        for i in items
        if isinstance(i, (dict, BaseModel))
    ]


def _channel_references(data: dict[str, Any]) -> list[str]:
    """Every channel name a nudge or the digest uses that [channels] does not have."""
    known = data.get("channels", {})
    if not isinstance(known, dict):
        return []  # [channels] itself is wrong, and says so
    uses = [
        (f"nudges[{i}].channels", n.get("channels"))
        for i, n in enumerate(_raw_nudges(data.get("nudges")))
    ]
    digest = data.get("digest", {})
    if isinstance(digest, (dict, BaseModel)):
        digest = digest.model_dump() if isinstance(digest, BaseModel) else digest
        uses.append(("digest.channels", digest.get("channels")))
    talks = data.get("talks", {})
    if isinstance(talks, (dict, BaseModel)):
        talks = talks.model_dump() if isinstance(talks, BaseModel) else talks
        uses.append(("talks.channels", talks.get("channels")))
    care = data.get("care", {})
    if isinstance(care, (dict, BaseModel)):
        care = care.model_dump() if isinstance(care, BaseModel) else care
        uses.append(("care.channels", care.get("channels")))
    problems = []
    for where, names in uses:
        names = as_list(names or [])
        for name in names if isinstance(names, list) else []:
            if isinstance(name, str) and name not in known:
                said = _("no channel named '{name}' in [channels]").format(name=name)
                problems.append(f"{where}: {said}")
    return problems


@contextmanager
def checking_urls(check: Callable[[str], str | None] | None) -> Iterator[None]:
    """Within this block, channel URLs are checked with `check` (None: not checked)."""
    token = _url_check.set(check)
    try:
        yield
    finally:
        _url_check.reset(token)
