"""The care nudges at work: on `[care]`'s schedule, look at the weeks (`care/triggers`) and
record the nudges they call for, as the planner records any fire.

What has been looked at and what has fired is remembered in the hot file's meta
(`meta["care"]`: `checked`, the last check, and `fired`, per trigger the occurrence
it fired for), so a restart neither repeats a nudge nor loses one. The weeks are
read from the archives of the last few months and the hot file, once per check:
the cost does not grow with history.

The weekly digest writes `fired` too when it says a note (`care/share`), and while
a digest is still to go out this week the check leaves its notes to it: a note
comes once, in the digest or on its own, never both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, cast

from halfway.care import share, triggers
from halfway.config.models import Nudge, Settings, check_nudge
from halfway.config.values import Kind
from halfway.core import schedule
from halfway.core.instants import format_instant
from halfway.core.records import Delivery
from halfway.core.weeklyjob import WeeklyJob
from halfway.store.database import Store


class Recorder(Protocol):
    """What the care check needs from the planner: a fire made into a delivery, as the
    planner makes every fire (a protocol, so that care does not import the engine)."""

    def fire_record(self, nudge: Nudge, fire: schedule.Fire) -> Delivery: ...


log = logging.getLogger("halfway")

CARE_ID = "care"  # the id pauses use ('halfway pause --all' pauses care too)
META = "care"


def nudge_id(trigger: str) -> str:
    """The nudge id a care delivery carries: with a ':', never a config nudge's."""
    return f"{CARE_ID}:{trigger}"


class CareNudges:
    """Checks the trends on schedule and records the care nudges they call for."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], datetime],
        planner: Recorder,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.planner = planner
        check = check_nudge(CARE_ID, settings.care.cron, list(settings.care.channels))
        on = check if self.enabled() else None
        self.job = WeeklyJob(on, META, settings.tz, settings.quiet_hours)

    def enabled(self) -> list[str]:
        return share.enabled(self.settings)

    def next_wake(self) -> datetime | None:
        """When the next check is due (now, if one is waiting)."""
        if self.job.check is None:
            return None
        return self.job.wake(self.store.view().meta, self.clock())

    def tick(self) -> list[Delivery]:
        """Make the check if it is due: record the nudges due, remember what fired."""
        now = self.clock()
        view = self.store.view()
        fire = self.job.due(view.meta, now)
        if fire is None:
            return []
        zone = self.settings.tz
        first = triggers.last_whole_week(now, zone) - timedelta(weeks=triggers.LOOK_BACK_WEEKS + 1)
        records = self.store.everything(since_month=first.strftime("%Y-%m"))
        nudges = view.records("nudges")
        if share.digest_this_week(self.settings, view.meta, nudges, now):
            with self.store.transaction() as tx:  # the digest will say what is due
                if not self.job.made(tx.meta, fire):
                    tx.set_meta(
                        {META: {**dict(tx.meta.get(META) or {}), "checked": format_instant(now)}}
                    )
            log.info("care: the week's notes are left to this week's digest")
            return []
        paused = self.job.paused(nudges, fire)
        fired = share.fired(view.meta)  # what the digest said counts as said
        found = triggers.evaluate(records, zone, now, fired, self.enabled())
        added = [] if paused else [self.record(t, fire, now) for t in found.send]
        with self.store.transaction() as tx:
            if self.job.made(tx.meta, fire) or share.fired(tx.meta) != fired:
                return []  # another process made this check, or a digest said a note
            for record in added:
                tx.put("deliveries", record)
            tx.set_meta({META: {"checked": format_instant(now), "fired": found.remember}})
        for record in added:
            log.info(
                "care: %s (%s), for the week of %s",
                record["nudge_id"],
                record["kind"],
                found.remember[record["nudge_id"].partition(":")[2]]["week"],
            )
        if paused and found.send:
            log.info("care: %s not sent, halfway is paused", ", ".join(found.send))
        return added

    def record(self, trigger: str, fire: schedule.Fire, now: datetime) -> Delivery:
        """The delivery of one care nudge, made as every fire is made: due now, even when
        the check itself was made late (after downtime), so it is sent, not given up."""
        nudge = Nudge.model_construct(
            id=nudge_id(trigger),
            # A practice no config nudge names: `Kind` lists the config's, and a nudge
            # built without the config's checks (model_construct) carries this one as is.
            kind=cast(Kind, triggers.KIND_OF[trigger]),
            cron=self.settings.care.cron,
            every=None,
            at=None,
            channels=list(self.settings.care.channels),
        )
        return self.planner.fire_record(
            nudge, schedule.Fire(nudge.id, fire.scheduled_for, max(fire.due_at, now))
        )
