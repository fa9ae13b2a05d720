"""Deterministic kill points for the crash tests: `HALFWAY_TEST_KILL=POINT:N` makes the
process SIGKILL itself the N-th time it reaches POINT. Unset (always, outside tests),
`point()` costs one comparison.

The points, in the order a fire passes them:
- `write`: a data file's new text is fsynced in its temporary file, not yet renamed;
- `written`: the rename is done and the folder fsynced;
- `send`: a claimed send is about to leave;
- `sent`: it left, its outcome is not yet recorded.
"""

from __future__ import annotations

import os
import signal

POINTS = ("write", "written", "send", "sent")


def _plan(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    name, _, count = text.partition(":")
    if name not in POINTS or not count.isdigit() or int(count) < 1:
        raise SystemExit(f"HALFWAY_TEST_KILL: '{text}' is not POINT:N with POINT one of {POINTS}")
    return name, int(count)


_PLAN = _plan(os.environ.get("HALFWAY_TEST_KILL"))
_seen: dict[str, int] = {}


def point(name: str) -> None:
    """Reached `name`: die here if the test asked for it."""
    if _PLAN is None or _PLAN[0] != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] == _PLAN[1]:
        os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)  # PID 1 of a namespace ignores its own SIGKILL: die as abruptly
