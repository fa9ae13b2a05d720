"""The year in review, offered once: in the first week of January, a nudge with the link
to the year's page (`/year/2026?t=TOKEN`), recorded in the durable outbox like the
weekly digest, so it is sent, retried and recovered as every delivery is.

- *when*: on the weekly digest's schedule and channels (`[digest]`; off when the digest
  has nowhere to go), checked as a `core.weeklyjob` of its own (cursor `meta["year"]`),
  so a restart neither repeats a check nor loses one, and a check missed is made at once;
  a check made in the first seven days of January (the user's zone) offers last year;
- *once*: its delivery carries `nudge_id` `year:2026`; a year that has one is never
  offered again (read again in the transaction that would record it), and a year with
  too little written down (`year.MIN_WEEKS`) is not offered at all;
- *paused*: by `pause --all` or by its own id `year` at the check's due time: nothing is
  recorded for that check (with a weekly schedule, the one check of that week: the
  offer is then let go for the year, as a pause asks);
- *discreet*: the discreet title and the neutral nudge line with the link; no word of
  the practices or of a year. Otherwise a short, warm line and the link.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from halfway.care import share
from halfway.config.models import Settings, check_nudge
from halfway.core import kinds
from halfway.core.deliveries import PENDING, new_delivery
from halfway.core.instants import format_instant
from halfway.core.records import Delivery
from halfway.core.weeklyjob import WeeklyJob
from halfway.digest import year as review
from halfway.store import links
from halfway.store.database import Store, new_id
from halfway.words import discretion
from halfway.words.language import N_, _

log = logging.getLogger("halfway")

YEAR_ID = "year"  # the id pauses use ('halfway pause --all' pauses it too)
META = "year"
KIND = "year"
OFFER_DAYS = 7  # the first week of January: the days in which the offer is made
LINK_LIFE = timedelta(days=7)  # how long the delivery counts as current
TITLE = N_("Your year, gently")
BODY = N_("A look back over {year} is ready for you, in your own words, whenever you like.")


def nudge_id(year: int) -> str:
    return f"{YEAR_ID}:{year}"


def year_url(base: str, token: str, year: int) -> str:
    """The address of a year's page on the private app."""
    return f"{base.rstrip('/')}/year/{year}?t={token}"


def job(settings: Settings) -> WeeklyJob:
    """The offer's check: the digest's schedule and channels, its own cursor and id."""
    channels = share.digest_channels(settings)
    check = check_nudge(YEAR_ID, settings.digest.cron, channels) if channels else None
    return WeeklyJob(check, META, settings.tz, settings.quiet_hours)


class YearNudges:
    """Offers last year's review once, in the first week of January."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Callable[[], datetime],
        tokens: links.Links | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.links = tokens or links.Links(store.data_dir)
        self.job = job(settings)

    def next_wake(self) -> datetime | None:
        """When the next check is due (now, if one is waiting)."""
        return self.job.wake(self.store.view().meta, self.clock())

    def offered(self, year: int) -> bool:
        return any(d.get("nudge_id") == nudge_id(year) for d in self.store.view().deliveries())

    def tick(self) -> Delivery | None:
        """Make the check if it is due: in January's first week, offer last year once."""
        now = self.clock()
        view = self.store.view()
        fire = self.job.due(view.meta, now)
        if fire is None:
            return None
        local = now.astimezone(self.settings.tz).date()
        year = local.year - 1
        record = None
        if local.month == 1 and local.day <= OFFER_DAYS and not self.offered(year):
            paused = self.job.paused(view.records("nudges"), fire)
            found = None if paused else review.read(self.store, year, self.settings.tz, now)
            if found is not None:
                record = self.record(year, fire.scheduled_for, now)
            elif paused:
                log.info("the look back over %s not offered, halfway is paused", year)
        with self.store.transaction() as tx:
            if self.job.made(tx.meta, fire):
                return None  # another process made this check
            if record is not None and not any(
                d.get("nudge_id") == nudge_id(year) for d in tx.records("deliveries")
            ):
                tx.put("deliveries", record)
                log.info("the look back over %s offered", year)
            else:
                record = None
            tx.set_meta({META: {"checked": format_instant(now)}})
        return record

    def record(self, year: int, scheduled_for: datetime, now: datetime) -> Delivery:
        """The offer's delivery: due now, with the year's page as its link."""
        token = self.links.token("digest") or links.ensure(self.store.data_dir)["digest"]
        link = year_url(self.settings.server.public_url, token, year)
        if self.settings.discreet:
            title = discretion.shown_title(self.settings.discreet_title)
            body = discretion.nudge_body(link)
        else:
            title, body = f"{_(TITLE)} · {year}", f"{_(BODY).format(year=year)}\n\n{link}"
        return new_delivery(
            new_id("d"),
            nudge_id(year),
            KIND,
            scheduled_for,
            now,
            now,
            PENDING,
            share.digest_channels(self.settings),
            expires_at=now + LINK_LIFE,
            words_title=_(TITLE),
            words=_(BODY).format(year=year),
            title=title,
            body=body,
            link=link,
            discreet=self.settings.discreet,
            reply=kinds.stored_shape(kinds.Shape(takes_reply=False)),
        )
