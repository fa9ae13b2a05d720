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
from typing import Protocol

from halfway.store.database import Store, StoreError

RETRY = timedelta(minutes=5)  # a failing unit is tried again this long after it failed


class Named(Protocol):
    """A unit of work as a failure names it: any function (its `__name__`)."""

    __name__: str


@dataclass
class Failing:
    problem: str
    retry_at: datetime
    raw: str  # the error itself, without the unit's name


class Units:
    """Runs each unit of a pass on its own; remembers which fail, and why, until they work."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], datetime],
        failed: Callable[[str, Named | None], None],
    ) -> None:
        self.store = store
        self.clock = clock
        self.failed = failed  # the daemon's: keeps the problem, logs it once per change
        self.failing: dict[str, Failing] = {}

    def run(self, name: str, func: Callable[[], object], hold: bool = True) -> None:
        """`func`, unless it failed less than RETRY ago (with `hold`: a cheap check runs
        every pass, so a file put back is seen at once); a failure is kept, not raised."""
        now = self.clock()
        earlier = self.failing.get(name)
        if hold and earlier is not None and now < earlier.retry_at:
            return
        try:
            func()
        except StoreError as error:  # says the file and why: no traceback
            raw, problem, trace = str(error), f"{name}: {error}", None
        except Exception as error:
            raw = f"{type(error).__name__}: {error}"
            problem, trace = f"{name} failed: {raw}", func
        else:
            self.failing.pop(name, None)
            return
        said = any(f.raw == raw for other, f in self.failing.items() if other != name)
        self.failing[name] = Failing(problem, now + RETRY, raw)
        if not said:  # one damaged file read by two units (care, digest): one line
            self.failed(problem, trace)

    def held(self, name: str, wake: datetime | None) -> datetime | None:
        """When a unit that wants to run at `wake` may: not before its retry if it fails
        (a due digest that cannot be made must not wake the daemon over and over)."""
        failing = self.failing.get(name)
        if wake is None or failing is None:
            return wake
        return max(wake, failing.retry_at)

    def check_archives(self) -> None:
        """A unit: every archive month the hot file lists is still there (one listing of its folder)."""
        problem = self.store.archive_problem()
        if problem:
            raise StoreError(problem)

    def archives_gone(self) -> str | None:
        """For /healthz, at once: a listed month gone, unless a pass says it already."""
        if "archives" in self.failing:
            return None
        try:
            problem = self.store.archive_problem()
        except StoreError:
            return None  # the hot file's own problem: the pass and health say that
        return f"archives: {problem}" if problem else None

    def says(self, raw: str) -> bool:
        """Whether a failing unit says this error already (compaction writing into the
        damaged month the digest reads: one fault, one log line)."""
        return any(f.raw == raw for f in self.failing.values())

    def problem(self) -> str | None:
        """The problem of a unit that fails still, or None."""
        return next((f.problem for f in self.failing.values()), None)
