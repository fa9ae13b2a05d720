"""Log lines: their format, and a filter that keeps secrets out of every one of them.

Only the standard library: a command that sends nothing sets up its logs without
loading apprise. The secrets to hide come from a function the caller picks:
`url_secrets` here for the obvious ones, or deliver's apprise-aware `secrets_in`.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlsplit

# Query keys whose values are credentials, matched as parts of the key's name
# (`apikey`, `access_token`, `pass`, `client_secret` …).
CREDENTIAL_KEYS = ("pass", "token", "secret", "key")
# Shorter values would blank out ordinary words and digits all over a line.
MIN_SECRET = 4


def setup_logging(debug: bool) -> None:
    """Log to stderr, at debug level with --debug; quiet the chatty libraries."""
    # Under systemd, journald stamps each line; in a terminal, a time helps.
    stamp = "" if os.environ.get("JOURNAL_STREAM") else "%(asctime)s "
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format=f"{stamp}%(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("aiohttp", "apscheduler", "asyncio", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Apprise's own lines are captured per send and logged by halfway with the
    # channel's name; printed raw they would repeat it and may echo a URL.
    for handler in logging.getLogger().handlers:
        handler.addFilter(lambda record: not record.name.startswith("apprise"))


class Redactor(logging.Filter):
    """A log filter that blanks out every known secret, whatever logged it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "****")
            record.msg, record.args = message, None
        return True


def url_secrets(url: str) -> set[str]:
    """The obvious credentials in a URL: the password of user:password@, a "port"
    that is not a number (a bot's token: tgram://123:token), the values of
    query keys that name one (pass, token, key, secret …), and ntfy topics."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:  # e.g. a bracket out of place: nothing to go on
        return set()
    found = {password} if password else set()
    host = parts.netloc.rpartition("@")[2]
    port = host.rpartition(":")[2] if ":" in host and not host.endswith("]") else ""
    if port and not port.isdigit():
        found.add(port)
    for pair in parts.query.split("&"):
        key, _, value = pair.partition("=")
        if any(word in unquote(key).lower() for word in CREDENTIAL_KEYS):
            found.add(value)
    if parts.scheme in ("ntfy", "ntfys"):  # a public server's topic is the secret
        found |= {topic for topic in parts.path.split("/") if topic}
    # A log line may show a value as written or decoded: hide both.
    found |= {unquote(value) for value in found}
    return {value for value in found if len(value) >= MIN_SECRET}


def install_redactor(
    urls: Iterable[str],
    passwords: Iterable[str] = (),
    secrets_in: Callable[[str], set[str]] = url_secrets,
) -> None:
    """Hide the secrets of `urls` (found by `secrets_in`) and `passwords` in every log line."""
    secrets = {p for p in passwords if len(p) >= MIN_SECRET}
    for url in urls:
        secrets |= secrets_in(url)
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, Redactor)]:
            handler.removeFilter(old)  # a reload replaces the secrets, it does not pile them up
        handler.addFilter(Redactor(secrets))
