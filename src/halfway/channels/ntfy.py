"""ntfy's own JSON form: a nudge published with its tap target and reply buttons.

Apprise's ntfy plugin can pass actions only as one opaque header string; `sending`
hands the plugin apprise made for an ntfy URL here, and this publishes to ntfy
directly with the plugin's server, credentials and URL options. Needs no apprise.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol, TypeGuard

NTFY_ACTIONS = 3  # ntfy shows at most this many buttons on a notification


@dataclass(frozen=True)
class Push:
    """What a push service can show beyond title and body: a tap target and buttons."""

    click: str  # the reply page
    action_url: str  # where a button POSTs its reply
    buttons: tuple[tuple[str, str], ...] = ()  # (label, value) posted back
    open_label: str | None = None  # a first button that opens the page (`click`)

    def ntfy_actions(self) -> list[dict[str, str | bool | dict[str, str]]]:
        """ntfy's actions: the open button first, then as many reply buttons as fit."""
        actions: list[dict[str, str | bool | dict[str, str]]] = []
        if self.open_label and self.click:
            actions.append(
                {"action": "view", "label": self.open_label, "url": self.click, "clear": True}
            )
        return actions + [
            {
                "action": "http",
                "label": label,
                "url": self.action_url,
                "method": "POST",
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"value": value, "via": "push"}),
                "clear": True,
            }
            for label, value in self.buttons[: NTFY_ACTIONS - len(actions)]
        ]


class Ntfy(Protocol):
    """Apprise's NotifyNtfy (`sending` hands it in): what is read of it here."""

    topics: list[str]
    mode: object
    host: str | None
    port: int | None
    secure: bool
    auth: object
    token: str | None
    user: str | None
    password: str | None
    priority: object

    def url(self, privacy: bool = False) -> str: ...

    @staticmethod
    def parse_url(url: str) -> dict[str, object] | None: ...


def is_ntfy(plugin: object) -> TypeGuard[Ntfy]:
    """Whether `plugin` is apprise's ntfy plugin (told by name: apprise is not loaded here)."""
    return type(plugin).__name__ == "NotifyNtfy"


# ntfy's JSON form takes the priority as a number.
NTFY_PRIORITY = {"min": 1, "low": 2, "default": 3, "normal": 3, "high": 4, "max": 5, "urgent": 5}


def ntfy_options(plugin: Ntfy) -> dict[str, int | str | list[str]]:
    """The options of an ntfy URL (`?priority=high&tags=heart&delay=10m` …) that
    apprise would send as headers, as fields of ntfy's JSON form."""
    options: dict[str, int | str | list[str]] = {}
    priority = NTFY_PRIORITY.get(str(plugin.priority).lower())
    if priority is not None and priority != 3:
        options["priority"] = priority
    # apprise keeps the tags in a private attribute; its public round trip (the plugin's
    # own URL, read back by the plugin's own parser) gives them
    tags = (plugin.parse_url(plugin.url()) or {}).get("xtags")  # a list (apprise's parse_list)
    if tags and isinstance(tags, list):
        options["tags"] = [str(tag) for tag in tags]
    for name in ("delay", "email", "attach", "filename"):
        value = getattr(plugin, name, None)
        if value:
            options[name] = str(value)
    return options


def publish_ntfy(plugin: Ntfy, title: str, body: str, push: Push, timeout: float) -> str | None:
    """Publish to ntfy in its JSON form; apprise's ntfy plugin can pass actions only as
    one opaque header string, while the JSON form carries click and http actions
    with their method, headers and body as ntfy documents them. None if it went."""
    if plugin.mode == "cloud" or not plugin.host:
        base = "https://ntfy.sh"
    else:
        scheme = "https" if plugin.secure else "http"
        base = f"{scheme}://{plugin.host}" + (f":{plugin.port}" if plugin.port else "")
    headers = {"Content-Type": "application/json"}
    if plugin.auth == "token" and plugin.token:
        headers["Authorization"] = f"Bearer {plugin.token}"
    elif plugin.user:
        pair = f"{plugin.user}:{plugin.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    problems = []
    for topic in plugin.topics:
        payload = {
            "topic": topic,
            "title": title,
            "message": body,
            **({"click": push.click, "actions": push.ntfy_actions()} if push.click else {}),
            **ntfy_options(plugin),
        }
        request = urllib.request.Request(  # noqa: S310 - the user's configured ntfy server
            base + "/", data=json.dumps(payload).encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout):  # noqa: S310
                pass
        except urllib.error.HTTPError as error:
            problems.append(f"ntfy answered {error.code} {error.reason}")
        except (OSError, ValueError) as error:
            problems.append(
                f"could not reach ntfy at {plugin.host or 'ntfy.sh'}: "
                f"{getattr(error, 'reason', error)}"
            )
    return "; ".join(problems) or None
