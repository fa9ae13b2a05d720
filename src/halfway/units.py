"""The daemon's pass as isolated units of work: a unit that fails (the digest reading a
damaged archive month, the check of the archive months, a bug in one practice) is
recorded, said once (health, the heartbeat's `/fail`, one log line, all naming the
unit) and tried again RETRY later; the units after it, and the outbox's claims and
sends, go on. A fault in the hot file itself is no unit's: the pass looks at it
first and stops, loudly, as it always did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from halfway.store import StoreError

RETRY = timedelta(minutes=5)  # a failing unit is tried again this long after it failed


@dataclass
class Failing:
    problem: str
    retry_at: datetime


class Units:
    """Runs each unit of a pass on its own; remembers which fail, and why, until they work."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        failed: Callable[[str, Callable[..., Any] | None], None],
    ) -> None:
        self.clock = clock
        self.failed = failed  # the daemon's: keeps the problem, logs it once per change
        self.failing: dict[str, Failing] = {}

    def run(self, name: str, func: Callable[[], Any]) -> None:
        """`func`, unless it failed less than RETRY ago; a failure is kept, not raised."""
        now = self.clock()
        earlier = self.failing.get(name)
        if earlier is not None and now < earlier.retry_at:
            return
        try:
            func()
        except StoreError as error:  # says the file and why: no traceback
            problem, trace = f"{name}: {error}", None
        except Exception as error:
            problem, trace = f"{name} failed: {type(error).__name__}: {error}", func
        else:
            self.failing.pop(name, None)
            return
        self.failing[name] = Failing(problem, now + RETRY)
        self.failed(problem, trace)

    def held(self, name: str, wake: datetime | None) -> datetime | None:
        """When a unit that wants to run at `wake` may: not before its retry if it fails
        (a due digest that cannot be made must not wake the daemon over and over)."""
        failing = self.failing.get(name)
        if wake is None or failing is None:
            return wake
        return max(wake, failing.retry_at)

    def problem(self) -> str | None:
        """The problem of a unit that fails still, or None."""
        return next((f.problem for f in self.failing.values()), None)


def check_archives(store: Any) -> None:
    """A unit: every archive month the hot file lists is still there (one stat each)."""
    problem = store.archive_problem()
    if problem:
        raise StoreError(problem)
