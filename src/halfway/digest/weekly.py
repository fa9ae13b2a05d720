"""The weekly digest at work: the records a week's digest reads, its private link,
and, on `[digest]`'s schedule, its delivery recorded in the durable outbox like any fire.

A digest delivery carries `nudge_id` `digest:2026-W48` (a ':' no config nudge has), the
push channels' short summary as `title`/`body`, the e-mail's HTML as `html` and its own
text part as `text` (the `halfway digest` text, never converted from the HTML), the
care notes it says as `care`, and the private page as `link`.

The outbox sends it, retries it and recovers it after a crash as it does every nudge.
What was checked and for which week is kept in the hot file's meta (`meta["digest"]`:
`checked`, `week`), and a week that already has its delivery is never recorded again,
so a restart, a catch-up or a second process sends no duplicate.

Care notes come once (`care/share`): the digest of the last whole week asks `care/triggers`
which notes are due, says them, and records them as fired in the same transaction,
so the care check later that week finds them said; the care check leaves its notes
to a digest still to come that week.

The private link is `{public_url}/digest/{week}?t=TOKEN` (or `/?t=TOKEN`, the latest
week): TOKEN is the private page's own token (see `links`), one for every week until
it is revoked, so the page's links to earlier weeks carry it too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from halfway.care import share, triggers
from halfway.config.models import Settings
from halfway.core import kinds
from halfway.core.deliveries import PENDING, new_delivery
from halfway.core.instants import format_instant
from halfway.core.records import Delivery
from halfway.digest import figures, render
from halfway.store import links
from halfway.store.database import Store, Tables, new_id
from halfway.words import discretion
from halfway.words.language import _
from halfway.words.plural import plural

log = logging.getLogger("halfway")

DIGEST_ID = share.DIGEST_ID  # the id pauses use ('pause --all' pauses the digest too)
META = share.DIGEST_META
KIND = "digest"
LINK_LIFE = timedelta(days=7)  # how long the delivery counts as current (not the link's life)


def nudge_id(week: str) -> str:
    return f"{DIGEST_ID}:{week}"


# reading -----------------------------------------------------------------------------


def records_for(store: Store, monday: date) -> Tables:
    """What the digest of `monday`'s week reads: only the archive months around it."""
    since, until = figures.months_needed(monday)
    return store.everything(since_month=since, until_month=until)


def build(
    store: Store,
    settings: Settings,
    week: str,
    now: datetime,
    care_notes: list[str] | None = None,
) -> figures.Digest:
    """The digest of `week`; ValueError (one line) for a week that cannot be shown. With
    `care_notes` None, the notes are those its sent digest said (none if none was)."""
    monday = figures.monday_of(week, now, settings.tz)
    records = records_for(store, monday)
    if care_notes is None:
        said = [d for d in records.get("deliveries", ()) if d.get("nudge_id") == nudge_id(week)]
        care_notes = [str(n) for d in said for n in d.get("care") or ()]
    return figures.build(
        records, week, settings.tz, now, care_notes, partner=settings.partner.record
    )


def care_due(store: Store, settings: Settings, now: datetime) -> triggers.Due:
    """The care notes due for the last whole week, that the digest of it will say."""
    monday = triggers.last_whole_week(now, settings.tz)
    records = records_for(store, monday)
    fired = share.fired(store.view().meta)
    return triggers.evaluate(records, settings.tz, now, fired, share.enabled(settings))


# recording ---------------------------------------------------------------------------


class DigestNudges:
    """Records the weekly digest's delivery on schedule, once per week."""

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
        self.job = share.digest_job(settings)

    def channels(self) -> list[str]:
        return share.digest_channels(self.settings)

    def next_wake(self) -> datetime | None:
        """When the next digest is due (now, if one is waiting)."""
        now = self.clock()
        return self.job.wake(self.store.view().meta, now)

    def tick(self) -> Delivery | None:
        """Record the digest if its time has come: of the last whole week now. After
        downtime that is the latest week, once; the weeks in between are not sent."""
        now = self.clock()
        view = self.store.view()
        fire = self.job.due(view.meta, now)
        if fire is None:
            return None
        week = figures.last_complete_week(now, self.settings.tz)
        paused = self.job.paused(view.records("nudges"), fire)
        done = any(d.get("nudge_id") == nudge_id(week) for d in view.deliveries())
        due = None if paused or done else care_due(self.store, self.settings, now)
        record = None
        if due is not None:
            record = self.record(week, fire.scheduled_for, now, care_notes=due.send)
        with self.store.transaction() as tx:
            if self.job.made(tx.meta, fire):
                return None  # another process made this check
            if record is not None and due is not None:
                tx.put("deliveries", record)
                if due.send:  # said in the digest: the care check will not say them again
                    tx.set_meta({share.CARE_META: share.with_fired(tx.meta, due.remember)})
            tx.set_meta({META: {"checked": format_instant(now), "week": week}})
        if record is not None:
            log.info("digest for %s recorded, %s", week, plural(len(record["channels"]), "channel"))
        elif paused:
            log.info("digest for %s not sent, halfway is paused", week)
        return record

    def record(
        self,
        week: str,
        scheduled_for: datetime,
        now: datetime,
        manual: bool = False,
        care_notes: list[str] | None = None,
    ) -> Delivery:
        """The delivery of one week's digest, saying `care_notes`: built and rendered now,
        due now."""
        found = build(self.store, self.settings, week, now, care_notes or [])
        # a token gone or damaged opens no link: a new one, rather than no digest at all
        token = self.links.token("digest") or links.ensure(self.store.data_dir)["digest"]
        link = links.digest_url(self.settings.server.public_url, token, week)
        title, body, html, text = self.message(found, link)
        return new_delivery(
            new_id("d"),
            nudge_id(week),
            KIND,
            scheduled_for,
            now,
            now,
            PENDING,
            self.channels(),
            week=week,
            expires_at=now + LINK_LIFE,
            manual=manual,
            words_title=_(render.TITLE),
            words=render.text(found),
            title=title,
            body=body,
            html=html,
            text=text,
            care=list(found.care_notes),
            link=link,
            discreet=self.settings.discreet,
            reply=kinds.stored_shape(kinds.Shape(takes_reply=False)),
        )

    def message(self, found: figures.Digest, link: str) -> tuple[str, str, str | None, str | None]:
        """The (title, push body, e-mail HTML, e-mail text) of a week's digest. Discreet:
        the user's `discreet_title`, and only the neutral line and the link in the push and
        in both parts of the e-mail (no HTML or text of its own: the e-mail is made from
        the body like a nudge's), so a mail preview shows nothing of the week;
        `[digest] full_in_email` puts the whole digest in the e-mail, still under that
        title. The text part is the `halfway digest` text, never converted from the HTML."""
        settings, frame = self.settings, discretion.frame(self.settings)
        full = not settings.discreet or settings.digest.full_in_email
        html = render.mail_html(found, link, frame) if full else None
        text = render.text(found, link, frame) if full else None
        if not settings.discreet:
            title, body = render.push(found, link)
            return title, body, html, text
        return (
            discretion.shown_title(settings.discreet_title),
            discretion.digest_body(link),
            html,
            text,
        )

    def send_now(self, week: str) -> Delivery:
        """`halfway digest --send`: record this week's digest for now (the outbox sends it)."""
        now = self.clock()
        record = self.record(week, now, now, manual=True)
        with self.store.transaction() as tx:
            tx.put("deliveries", record)
        return record
