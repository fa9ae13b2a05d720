"""A unit of work after a wall clock set back (the rules are in clockjump): whatever lies
ahead of the corrected clock comes back to it, in one write, so nothing waits for the
clock to catch up and nothing already sent goes out again.

- a nudge's cursor ahead of `now` comes back to it (an `every` nudge by whole steps);
- its gap records ahead of `now` give their fires back (cut back, or gone);
- the digest's and the care look's "checked" marks ahead of `now` come back to it;
- a talk's steps left out at a time still ahead are planned again (see talks/planning).

The common case, nothing ahead, reads the hot file and writes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from halfway.config.models import Settings
from halfway.core import clockjump
from halfway.store.database import Store
from halfway.talks import planning

log = logging.getLogger("halfway")


def rewind(store: Store, settings: Settings, now: datetime) -> None:
    """Bring back to `now` what lies ahead of it (see the module's docstring)."""
    view = store.view()
    ids = {nudge.id for nudge in settings.nudges}
    rows = [c for c in view.records("nudges") if c["id"] in ids]
    ahead = any(clockjump.ahead(c, now) for c in rows) or clockjump.marks_back(view.meta, now)
    if not ahead and not planning.left_out_ahead(view, now):
        return  # the common case: no write at all
    with store.transaction() as tx:
        planning.give_back(tx, now)
        if marks := clockjump.marks_back(tx.meta, now):
            tx.set_meta(marks)
        back = clockjump.rewind(tx.records("nudges"), tx.records("deliveries"), settings, now)
        for row in back.cursors:
            tx.put("nudges", row)
        for gap in back.gaps:
            tx.put("deliveries", gap)
        tx.remove("deliveries", back.gone)
    named = ", ".join(row["id"] for row in back.cursors) or "a talk's steps and own checks"
    log.info("the clock is behind the last fires of %s; they count from now", named)
