"""Every bound halfway puts on what comes from outside over HTTP, in one place.

SECURITY.md names these numbers; change them here and there together.

- Connections: a slow or silent client is closed after a few seconds, and there are
  never so many open that the sending (which needs file descriptors of its own: the
  data file, a socket per send) runs short.
- Writes from one link: a genuine link can record a reply, its changes and a few log
  entries, at a person's pace; it cannot grow the data file without end.

The tests run the real daemon with shorter timeouts and a lower cap through the
variable TEST_HALFWAY_HTTP ("header=2,body=2,life=6,conns=40"): it can only tighten
these bounds, never loosen them, so a stray one weakens nothing. It is not a setting
(no HALFWAY_ prefix) and not a documented contract.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace

# connections ----------------------------------------------------------------------
HEADER_SECONDS = 10.0  # from connect to a whole request line and headers; also idle keep-alive
BODY_SECONDS = 10.0  # to read a request's body, once its headers are in
LIFE_SECONDS = 60.0  # any one connection, whatever it does (a client that never reads)
MAX_CONNECTIONS = 200  # open HTTP connections; more are answered 503 and closed at once
FD_RESERVE = 64  # file descriptors kept for the sending, the data file and the logs
SHUTDOWN_SECONDS = 1.0  # at a stop, what a request being answered still gets
CAP_LOG_SECONDS = 60.0  # "connections at the cap" is logged at most once this often

# writes from one link (a delivery's token) --------------------------------------------
REPLY_VERSIONS = 20  # earlier answers kept in a reply's `history` (the newest ones)
LINK_ENTRIES = 50  # log entries one link may write (counted on its delivery: entries_logged)
LINK_BURST = 20  # writes (answer, log, said) one link may make at once …
LINK_REFILL_SECONDS = 6.0  # … then one more every this many seconds (10 a minute)

TEST_VARIABLE = "TEST_HALFWAY_HTTP"


@dataclass(frozen=True)
class Http:
    """The connection bounds the daemon's server runs with."""

    header: float = HEADER_SECONDS
    body: float = BODY_SECONDS
    life: float = LIFE_SECONDS
    conns: int = MAX_CONNECTIONS

    def cap(self) -> int:
        """The connection cap: MAX_CONNECTIONS, or fewer when the process's file
        descriptor limit leaves less than that beside FD_RESERVE (at least 8)."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return self.conns
        return max(8, min(self.conns, soft - FD_RESERVE))


def http(environ: dict[str, str] | None = None) -> Http:
    """The bounds, tightened by TEST_HALFWAY_HTTP when it is set (never loosened; an
    unreadable part is ignored)."""
    text = (os.environ if environ is None else environ).get(TEST_VARIABLE, "")
    bounds = Http()
    kinds = {f.name: f for f in fields(Http)}
    for part in text.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in kinds:
            continue
        try:
            number: float = int(value) if name == "conns" else float(value)
        except ValueError:
            continue
        if 0 < number < getattr(bounds, name):
            match name:  # each bound by its name, so each keeps its own type
                case "conns":
                    bounds = replace(bounds, conns=int(number))
                case "header":
                    bounds = replace(bounds, header=number)
                case "body":
                    bounds = replace(bounds, body=number)
                case "life":
                    bounds = replace(bounds, life=number)
    return bounds


class LinkWrites:
    """A token bucket per link: LINK_BURST writes at once, then one every
    LINK_REFILL_SECONDS. Only genuine links get a bucket (a forged token is refused
    before), and a full bucket is forgotten."""

    def __init__(
        self,
        burst: int = LINK_BURST,
        refill: float = LINK_REFILL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst, self.refill, self.clock = burst, refill, clock
        self.buckets: dict[str, tuple[float, float]] = {}  # link -> (writes left, when)

    def take(self, link: str) -> bool:
        """Whether `link` may write now (and, if so, one write less for it)."""
        now = self.clock()
        left = min(self.burst, self.left(link, now))
        allowed = left >= 1
        self.buckets[link] = (left - 1 if allowed else left, now)
        if len(self.buckets) > 1000:
            self.buckets = {k: v for k, v in self.buckets.items() if self.left(k, now) < self.burst}
        return allowed

    def left(self, link: str, now: float) -> float:
        writes, when = self.buckets.get(link, (self.burst, now))
        return writes + (now - when) / self.refill
