"""Test-only switches, and the deterministic kill points of the crash tests.

**Test-only switches.** A `HALFWAY_TEST_*` variable (`HALFWAY_TEST_KILL` below) does
nothing unless the test suite armed the switches for this run: `switch(name)`
reads one only when `HALFWAY_TEST_SWITCHES` is `NONCE:PATH`, NONCE at least 32
letters and digits, and PATH is a regular file of this user's, writable by nobody
else, that holds exactly `ARMED NONCE` and a newline. tests/conftest.py (`armed_switches`)
makes that file once per test session with a fresh random nonce, sets the variable
in every test's environment, and removes the file when the session ends. So a stray
`HALFWAY_TEST_KILL` in a unit file, a shell profile or a container's environment, or
a copy of a test run's whole environment once that run is over, is ignored with one
line on stderr: nothing in production can kill the daemon at a data write. (A second
variable alone would be one more thing to copy by accident; a file that has to exist
and hold the run's nonce is not.) A new switch (a test clock, say) is read with
`faults.switch("HALFWAY_TEST_…")`, and its name goes into `config/errors.NOT_SETTINGS`.

**Kill points.** `HALFWAY_TEST_KILL=POINT:N` makes the process SIGKILL itself the N-th
time it reaches POINT. Unset or unarmed (always, outside tests), `point()` costs one
comparison. The points, in the order a fire passes them:
- `write`: a data file's new text (or a backup's, or a restored file's) is fsynced in
  its temporary file, not yet renamed;
- `written`: the rename is done and the folder fsynced;
- `send`: a claimed send is about to leave;
- `sent`: it left, its outcome is not yet recorded.
"""

from __future__ import annotations

import os
import signal
import stat
import sys
from collections.abc import Mapping

SWITCHES = "HALFWAY_TEST_SWITCHES"
ARMED = "halfway test switches, armed by the test suite for this run:"
MIN_NONCE = 32
POINTS = ("write", "written", "send", "sent")


def armed(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the test suite armed the test-only switches of this process (see above)."""
    nonce, colon, path = environ.get(SWITCHES, "").partition(":")
    if not colon or len(nonce) < MIN_NONCE or not (nonce.isascii() and nonce.isalnum()):
        return False
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.geteuid()
            or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        ):
            return False
        return file.read(len(ARMED) + len(nonce) + 3) == f"{ARMED} {nonce}\n".encode()


def switch(name: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """The value of the test-only variable `name` (e.g. 'HALFWAY_TEST_KILL') if it is set
    and the switches are armed; None otherwise, with one line on stderr when it is set
    but not armed."""
    value = environ.get(name)
    if not value:
        return None
    if armed(environ):
        return value
    print(
        f"halfway: {name} is ignored: it is a switch for halfway's own tests, "
        f"and works only while they run",
        file=sys.stderr,
    )
    return None


def _plan(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    name, _, count = text.partition(":")
    if name not in POINTS or not count.isdigit() or int(count) < 1:
        raise SystemExit(f"HALFWAY_TEST_KILL: '{text}' is not POINT:N with POINT one of {POINTS}")
    return name, int(count)


_PLAN = _plan(switch("HALFWAY_TEST_KILL"))
_seen: dict[str, int] = {}


def point(name: str) -> None:
    """Reached `name`: die here if the test asked for it."""
    if _PLAN is None or _PLAN[0] != name:
        return
    _seen[name] = _seen.get(name, 0) + 1
    if _seen[name] == _PLAN[1]:
        os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)  # PID 1 of a namespace ignores its own SIGKILL: die as abruptly
