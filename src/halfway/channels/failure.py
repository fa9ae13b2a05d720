"""Why a send failed, in words: the most specific reason apprise's captured log lines
give (its warning, and the exception it logged after it). Pure: `sending` hands the
lines in; secrets are blanked there (`sending.redact`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable

# "Socket Exception: SMTP AUTH extension not supported by server." and the like: what
# apprise logs at DEBUG right after its WARNING that something failed.
EXCEPTION_LINE = re.compile(r"^[A-Za-z ]*(?:Exception|Error): *(?P<detail>\S.*)$", re.DOTALL)
MAX_DETAIL = 300
MAX_LINE = 2000


class LogLine(Protocol):
    """One captured log line of a service (apprise's NotifyLogEntry)."""

    @property
    def level(self) -> str: ...

    @property
    def message(self) -> object: ...


def reason(entries: Iterable[LogLine]) -> str | None:
    """One failed service's reason from its captured log lines: each warning, with the
    exception logged after it (the specific cause), e.g. 'Connection error while
    submitting email to "smtp.example.net": SMTP AUTH extension not supported by server.'"""
    parts: list[str] = []
    for entry in entries:
        message = " ".join(str(entry.message)[:MAX_LINE].split())  # a server's words: bounded
        if entry.level in ("WARNING", "ERROR", "CRITICAL"):
            parts.append(message)
            continue
        found = EXCEPTION_LINE.match(message) if entry.level == "DEBUG" else None
        if found is None:
            continue
        detail = found["detail"][:MAX_DETAIL]
        if not parts:
            parts.append(detail)
        elif detail not in parts[-1]:
            parts[-1] = f"{parts[-1].rstrip('.')}: {detail}"
    return "; ".join(dict.fromkeys(parts)) or None
