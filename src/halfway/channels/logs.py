"""Log lines: their format, and a filter that keeps secrets out of every one of them.

Only the standard library: a command that sends nothing sets up its logs without
loading apprise. The secrets to hide come from a function the caller picks:
`url_secrets` here for the obvious ones, or `sending`'s apprise-aware `secrets_in`.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from urllib.parse import unquote, urlsplit

from halfway.words.plural import plural

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
    """A log filter that blanks out every known secret, whatever logged it: in the
    message, in the traceback of `log.exception` (whose last line repeats what the
    exception says, a URL with its password, say) and in `stack_info`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted(set(secrets), key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = self.hidden(record.getMessage()), None
            if record.exc_info and not record.exc_text:
                # Formatted here, once, as a handler's Formatter would; a handler that
                # finds `exc_text` set writes it instead of formatting the exception.
                record.exc_text = FORMATTER.formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self.hidden(record.exc_text)
            if record.stack_info:
                record.stack_info = self.hidden(record.stack_info)
        return True

    def hidden(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "****")
        return text


FORMATTER = logging.Formatter()


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


# The loggers an HTTP server writes a bad request to: aiohttp's own, and halfway's.
HTTP_LOGGERS = ("aiohttp.server", "aiohttp.web", "aiohttp.access", "halfway.http")
HTTP_LINES_PER_MINUTE = 10
# aiohttp's exceptions for a malformed request (named: this module imports no aiohttp).
CLIENT_FAULTS = {"HttpProcessingError", "RequestPayloadError", "ConnectionError"}


class BadRequests(logging.Filter):
    """What a bad request leaves in the log: one short line, never a traceback, and at
    most `limit` lines a `window` (seconds); the rest are counted and told as one
    "… and N more" line when the next window opens. Anyone can send bad requests, so
    nobody may fill the journal with them."""

    def __init__(
        self,
        limit: int = HTTP_LINES_PER_MINUTE,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.limit, self.window, self.clock = limit, window, clock
        self.opened: float | None = None
        self.count = 0  # lines let through in this window
        self.dropped = 0  # lines held back in this window
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "halfway_summary", False):
            return True
        if record.levelno < logging.WARNING:  # access lines, debug notes: not counted
            shorten(record)
            return True
        with self.lock:
            now = self.clock()
            dropped = 0
            if self.opened is None or now - self.opened >= self.window:
                dropped, self.opened, self.count, self.dropped = self.dropped, now, 0, 0
            allowed = self.count < self.limit
            if allowed:
                self.count += 1
            else:
                self.dropped += 1
        if dropped:
            logging.getLogger("halfway.http").warning(
                "… and %s in the minute before, not logged one by one",
                plural(dropped, "more bad request"),
                extra={"halfway_summary": True},
            )
        if allowed:
            shorten(record)
        return allowed


def shorten(record: logging.LogRecord) -> None:
    """Make `record` one line: its message, then its exception's kind and first line."""
    message = record.getMessage()
    error = record.exc_info[1] if record.exc_info else None
    if error is not None and CLIENT_FAULTS & {kind.__name__ for kind in type(error).__mro__}:
        # a request that is not HTTP, a body that does not decode: the sender's fault,
        # not an error of halfway's (aiohttp calls the latter "Unhandled exception")
        sender = re.search(r" from (\S+)", message)
        message = f"refused a bad request{sender.group(0) if sender else ''}: {describe(error)}"
        record.levelno, record.levelname = logging.WARNING, "WARNING"
    elif error is not None:
        message = f"{message}: {describe(error)}"
    record.msg, record.args = " ".join(message.split())[:300], None
    record.exc_info, record.exc_text, record.stack_info = None, None, None


def describe(error: BaseException) -> str:
    """An exception in a few words: its kind and what it says (aiohttp's own `message`)."""
    said = getattr(error, "message", None)
    text = said if isinstance(said, str) and said else str(error)
    text = re.sub(r"^\d{3}, message:\s*", "", text)  # aiohttp's "400, message: …"
    return f"{type(error).__name__}: {' '.join(text.split())[:200]}".rstrip(": ")


def quiet_http_logs(limit: int = HTTP_LINES_PER_MINUTE, window: float = 60.0) -> BadRequests:
    """Put one BadRequests filter on every HTTP logger (replacing an earlier one)."""
    guard = BadRequests(limit, window)
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, BadRequests)]:
            logger.removeFilter(old)
        logger.addFilter(guard)
    return guard
