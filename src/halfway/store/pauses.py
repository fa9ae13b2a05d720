"""Pausing and resuming nudges: a pause is kept on each nudge's cursor in the hot file
(see `cursors`), so it survives restarts and every process sees it.
"""

from __future__ import annotations

from datetime import datetime

from halfway.core import cursors
from halfway.store.database import Store


def pause(store: Store, nudge_ids: list[str], start: datetime, until: datetime | None) -> None:
    """Pause nudges (\"*\" for all) from `start` until `until` (None: until resumed)."""
    with store.transaction() as tx:
        for nudge_id in nudge_ids:
            cursor = tx.get("nudges", nudge_id) or cursors.fresh(nudge_id, start)
            tx.put("nudges", cursors.paused(cursor, start, until))


def resume(store: Store, nudge_ids: list[str], now: datetime) -> int:
    """End the open pauses of these nudges now; how many ended. \"*\" (--all) ends every
    pause: the pause of all, and each nudge's own."""
    ended = 0
    with store.transaction() as tx:
        for cursor in cursors.to_resume(tx.records("nudges"), nudge_ids):
            changed, count = cursors.resumed(cursor, now)
            if count:
                tx.put("nudges", changed)
                ended += count
    return ended
