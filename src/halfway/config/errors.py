"""Problems in the settings as plain lines: pydantic's errors as 'key: what is wrong', and
each line named after where its value came from — the config file, or the HALFWAY_*
variable that set it. Also the source that reads those variables, so that one which is
not valid JSON is a problem like any other instead of a crash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import EnvSettingsSource

from halfway.words import language
from halfway.words.language import N_, _

PREFIX = "HALFWAY_"
#: HALFWAY_* variables that are read by halfway but are not settings.
NOT_SETTINGS = frozenset({"HALFWAY_CONFIG", "HALFWAY_TEST_KILL", "HALFWAY_TEST_SWITCHES"})
UNKNOWN_KEY = N_("unknown key (check the spelling)")
# What leaving out a whole optional table means, said beside a key it is missing.
_OPTIONAL = {
    "quiet_hours": N_(" (or leave the [quiet_hours] table out to have no quiet hours)"),
    "imap": N_(" (or leave the [imap] table out to take no replies by e-mail)"),
}
# pydantic's own words for the problems a config shows most, as pydantic says them in
# English (placeholders from the error's ctx), said in another language (English keeps
# pydantic's own message).
PYDANTIC = {
    "string_type": N_("Input should be a valid string"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary"),
    "model_attributes_type": N_(
        "Input should be a valid dictionary or object to extract fields from"
    ),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "too_short": N_("should have at least {min_length} items, not {actual_length}"),
    "too_long": N_("should have at most {max_length} items, not {actual_length}"),
}


class NotJson:
    """What a HALFWAY_* variable for a whole table becomes when it is not valid JSON:
    validation then fails on that key, and `explain` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"NotJson({self.reason!r})"


class Environment(EnvSettingsSource):
    """The HALFWAY_* variables, read as pydantic-settings reads them; but a table's variable
    that is not valid JSON becomes a problem on that key, reported with all the others."""

    def prepare_field_value(
        self, field_name: str, field: FieldInfo, value: Any, value_is_complex: bool
    ) -> Any:
        try:
            return super().prepare_field_value(field_name, field, value, value_is_complex)
        except ValueError as error:
            return NotJson(_("is not valid JSON ({reason})").format(reason=error))


def explain(error: ValidationError, prefix: tuple[str, ...] = ()) -> list[str]:
    """Turn pydantic's errors into 'key: what is wrong' lines, without codes or links."""
    lines: list[str] = []
    for item in error.errors(include_url=False):
        where = _location(prefix + tuple(item["loc"]))
        kind = item["type"]
        if isinstance(item.get("input"), NotJson):
            message = item["input"].reason
        elif kind == "extra_forbidden":
            message = _(UNKNOWN_KEY)
        elif kind == "missing":
            table = _OPTIONAL.get(str(item["loc"][0]) if item["loc"] else "")
            message = _("is required") + (_(table) if table else "")
        elif kind == "literal_error":
            allowed = re.findall(r"'([^']*)'", str(item.get("ctx", {}).get("expected", "")))
            message = _("'{value}' is not one of: {allowed}").format(
                value=item["input"], allowed=", ".join(allowed)
            )
        elif kind in PYDANTIC and language.current() != language.SOURCE:
            message = _(PYDANTIC[kind]).format_map(_Context(item.get("ctx") or {}))
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
        for part in message.split("\n"):
            # Lines from the cross-checks already name their own key.
            nested = re.match(r"(channels\.|nudges\[|digest\.)", part)
            lines.append(part if nested else f"{where}: {part}" if where else part)
    return list(dict.fromkeys(lines))  # a problem found twice is said once


class _Context(dict[str, object]):
    """An error's ctx, for `str.format_map`: a placeholder it lacks stays as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


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


def in_order(lines: Iterable[str], keys: list[str]) -> list[str]:
    """Lines sorted as the settings are laid out (`keys`, the top-level keys in order),
    nudges by their index; lines of one key keep their order."""

    def place(line: str) -> tuple[int, int]:
        top = re.match(r"[a-z_]+", line)
        index = re.match(r"nudges\[(\d+)\]", line)
        rank = keys.index(top.group()) if top and top.group() in keys else len(keys)
        return rank, int(index.group(1)) if index else -1

    return sorted(lines, key=place)


def blame(line: str, source: str, environ: Mapping[str, str]) -> str:
    """One problem line ('key: what is wrong') named after the HALFWAY_* variable that set
    its key, else after `source` (the config file)."""
    key, sep, message = line.partition(": ")
    variable = variable_for(key, environ) if sep else None
    if variable is None:
        return f"{source}: {line}"
    name, exact = variable
    if message == _(UNKNOWN_KEY):
        return f"{name}: " + _("unknown key {key}").format(key=key)
    return f"{name}: {message}" if exact else f"{name}: {key}: {message}"


def variable_for(key: str, environ: Mapping[str, str]) -> tuple[str, bool] | None:
    """The HALFWAY_* variable whose value holds `key` ('server.listen', 'nudges[0].at'), and
    whether it names exactly that key; None when the key's value came from the file."""
    path = tuple(re.findall(r"[^.\[\]]+", key.lower()))
    best: tuple[str, bool] | None = None
    longest = 0
    for name, value in environ.items():
        parts = setting_path(name)
        if not parts or len(parts) > len(path) or path[: len(parts)] != parts:
            continue
        if len(parts) > longest and _holds(value, path[len(parts) :]):
            best, longest = (name, len(parts) == len(path)), len(parts)
    return best


def setting_path(name: str) -> tuple[str, ...]:
    """The key a HALFWAY_* variable sets ('HALFWAY_SERVER__LISTEN' -> ('server', 'listen')),
    read as pydantic-settings reads it (any case); () for any other variable."""
    if not name.upper().startswith(PREFIX) or name.upper() in NOT_SETTINGS:
        return ()
    return tuple(name[len(PREFIX) :].lower().split("__"))


def _holds(value: str, rest: tuple[str, ...]) -> bool:
    """Whether a variable's value (JSON for a whole table) reaches the key path `rest`."""
    if not rest:
        return True
    try:
        node: Any = json.loads(value)
    except ValueError:
        return False
    for part in rest:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True
