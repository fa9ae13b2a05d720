"""The config file's values as a settings source, less what a HALFWAY_* variable gives whole.

pydantic-settings merges its sources deeply: a table from the environment is laid over
the file's table key by key, so `HALFWAY_CHANNELS='{}'` would leave every channel of the
file in place. Here a variable replaces the file's value at the key it names:
`HALFWAY_CHANNELS='{}'` clears [channels], `HALFWAY_SERVER='{"listen": …}'` is the whole
[server], and `HALFWAY_SERVER__LISTEN` replaces only server.listen (the file's
server.public_url stays).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from halfway.config.errors import setting_path


class FileValues(PydanticBaseSettingsSource):
    """The file's values (`init`, the values the settings were made with), without the
    keys the sources before it (the environment) set from a variable of their own."""

    def __init__(self, settings_cls: type[BaseSettings], init: PydanticBaseSettingsSource) -> None:
        super().__init__(settings_cls)
        self.init = init

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ gives the values whole

    def __call__(self) -> dict[str, Any]:
        values = self.init()
        for name in os.environ:
            path = setting_path(name)
            if path and _has(self.current_state, path):
                values = _without(values, path)
        return values


def _has(node: Any, path: tuple[str, ...]) -> bool:
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _without(values: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """`values` with the key at `path` left out (copied along the path, never changed)."""
    head, rest = path[0], path[1:]
    if head not in values:
        return values
    copy = dict(values)
    if not rest:
        del copy[head]
    elif isinstance(copy[head], Mapping):
        copy[head] = _without(dict(copy[head]), rest)
    return copy
