"""The wall clock and the monotonic one: a jump is not downtime, and a reboot is no reason
to skip the start-up compaction."""

from __future__ import annotations

from halfway import daemon as daemon_module

from .conftest import Clock
from .engine import make_daemon

EVERY_MINUTE = '[[nudges]]\nid = "m"\nkind = "gesture_log"\ncron = "* * * * *"\n'


def test_compaction_runs_at_start_on_a_machine_booted_a_minute_ago(tmp_path) -> None:
    # Monotonic time counts from boot: one minute after a reboot it reads about 60.
    clock = Clock("2026-12-01T10:00:00+00:00")
    daemon = make_daemon(tmp_path, EVERY_MINUTE, clock)
    daemon.monotonic = lambda: 60.0
    compactions: list[object] = []
    daemon.store.compact = lambda now: compactions.append(now) or 0  # type: ignore[method-assign]
    daemon.maybe_compact()
    assert compactions == [clock()]
    daemon.maybe_compact()  # and not again until COMPACT_EVERY has passed
    assert len(compactions) == 1
    daemon.monotonic = lambda: 60.0 + daemon_module.COMPACT_EVERY.total_seconds()
    daemon.maybe_compact()
    assert len(compactions) == 2
