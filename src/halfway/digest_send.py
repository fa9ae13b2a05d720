"""The weekly digest at work: the records a week's digest reads, its signed private link,
and, on `[digest]`'s schedule, its delivery recorded in the durable outbox like any fire.

A digest delivery carries `nudge_id` `digest:2026-W48` (a ':' no config nudge has), the
push channels' short summary as `title`/`body`, the e-mail's HTML as `html`, and the
private page as `link`. The outbox sends it, retries it and recovers it after a crash
as it does every nudge. What was checked and for which week is kept in the hot file's
meta (`meta["digest"]`: `checked`, `week`), and a week that already has its delivery is
never recorded again, so a restart, a catch-up or a second process sends no duplicate.

The private link is `{public_url}/digest/{week}?t=TOKEN` (or `/?t=TOKEN`, the latest
week): TOKEN is an HMAC of a fixed text with the data folder's key, one for every
week, so the page's links to earlier weeks carry it too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime, timedelta

from halfway import cursors, digest, digest_render, discretion, practices, schedule
from halfway.config import Settings, check_nudge
from halfway.deliveries import PENDING, at, iso
from halfway.store import Record, Store, Tables, View, new_id

log = logging.getLogger("halfway")

DIGEST_ID = "digest"  # the id pauses use ('halfway pause --all' pauses the digest too)
META = "digest"
KIND = "digest"
LINK_LIFE = timedelta(days=7)  # how long the delivery counts as current (not the link's life)
_MESSAGE = b"halfway digest pages"


def nudge_id(week: str) -> str:
    return f"{DIGEST_ID}:{week}"


# the link ----------------------------------------------------------------------------


def token(key: bytes) -> str:
    """The pages' token: an HMAC of a fixed text with the data folder's key."""
    mac = hmac.new(key, _MESSAGE, hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(mac).decode()


def valid(key: bytes, candidate: str | None) -> bool:
    """Whether `candidate` is the pages' token (compared in constant time)."""
    return hmac.compare_digest((candidate or "").encode("utf-8"), token(key).encode())


def url(base: str, key: bytes, week: str | None = None) -> str:
    """The signed address of a week's page (None: the latest week's)."""
    path = f"/digest/{week}" if week else "/"
    return f"{base.rstrip('/')}{path}?t={token(key)}"


# reading -----------------------------------------------------------------------------


def records_for(store: Store, monday: date) -> Tables:
    """What the digest of `monday`'s week reads: only the archive months around it."""
    since, until = digest.months_needed(monday)
    return store.everything(since_month=since, until_month=until)


def build(store: Store, settings: Settings, week: str, now: datetime) -> digest.Digest:
    """The digest of `week`; ValueError (one line) for a week that cannot be shown."""
    monday = digest.monday_of(week, now, settings.tz)
    return digest.build(records_for(store, monday), week, settings.tz, now)


# recording ---------------------------------------------------------------------------


class DigestNudges:
    """Records the weekly digest's delivery on schedule, once per week."""

    def __init__(
        self, settings: Settings, store: Store, clock: Callable[[], datetime], key: bytes
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.key = key
        self.check = check_nudge(DIGEST_ID, settings.digest.cron, list(settings.digest.channels))

    def channels(self) -> list[str]:
        return list(self.settings.channels_of(list(self.settings.digest.channels)))

    def _since(self, view: View, now: datetime) -> datetime:
        return cursors.check_since(view.meta, META, now)

    def _next(self, view: View, now: datetime) -> schedule.Fire | None:
        if not self.channels():
            return None
        zone, quiet = self.settings.tz, self.settings.quiet_hours
        return schedule.next_fire(self.check, zone, quiet, self._since(view, now))

    def next_wake(self) -> datetime | None:
        """When the next digest is due (now, if one is waiting)."""
        now = self.clock()
        fire = self._next(self.store.view(), now)
        return None if fire is None else max(fire.due_at, now)

    def tick(self) -> Record | None:
        """Record the digest if its time has come: of the last whole week now. After
        downtime that is the latest week, once; the weeks in between are not sent."""
        now = self.clock()
        view = self.store.view()
        fire = self._next(view, now)
        if fire is None or fire.due_at > now:
            return None
        week = digest.last_complete_week(now, self.settings.tz)
        pauses = cursors.pauses({c["id"]: c for c in view.records("nudges")}, DIGEST_ID)
        paused = schedule.paused_at(fire.due_at, pauses)
        done = any(d.get("nudge_id") == nudge_id(week) for d in view.records("deliveries"))
        record = None if paused or done else self.record(week, fire.scheduled_for, now)
        with self.store.transaction() as tx:
            meta = dict(tx.meta.get(META) or {})
            if meta.get("checked") and at(meta["checked"]) >= fire.scheduled_for:
                return None  # another process made this check
            if record is not None:
                tx.put("deliveries", record)
            tx.set_meta({META: {"checked": iso(now), "week": week}})
        if record is not None:
            log.info("digest for %s recorded, %d channel(s)", week, len(record["channels"]))
        elif paused:
            log.info("digest for %s not sent, halfway is paused", week)
        return record

    def record(
        self, week: str, scheduled_for: datetime, now: datetime, manual: bool = False
    ) -> Record:
        """The delivery of one week's digest: built and rendered now, due now."""
        found = build(self.store, self.settings, week, now)
        link = url(self.settings.server.public_url, self.key, week)
        title, body, html = self.message(found, link)
        return {
            "id": new_id("d"),
            "nudge_id": nudge_id(week),
            "kind": KIND,
            "week": week,
            "scheduled_for": iso(scheduled_for),
            "due_at": iso(now),
            "created_at": iso(now),
            "expires_at": iso(now + LINK_LIFE),
            "state": PENDING,
            "late": False,
            "manual": manual,
            "words_title": digest_render.TITLE,
            "words": digest_render.text(found),
            "title": title,
            "body": body,
            "html": html,
            "link": link,
            "discreet": self.settings.discreet,
            "reply": asdict(practices.Shape(takes_reply=False)),
            "channels": {
                name: {"state": PENDING, "attempts": 0, "sent_at": None, "error": None}
                for name in self.channels()
            },
        }

    def message(self, found: digest.Digest, link: str) -> tuple[str, str, str | None]:
        """The (title, push body, e-mail HTML) of a week's digest. Discreet: the user's
        `discreet_title`, and only the neutral line and the link in the push and in both
        parts of the e-mail (no HTML of its own: the e-mail is made from the body like a
        nudge's), so a mail preview shows nothing of the week; `[digest] full_in_email`
        puts the whole digest in the e-mail, still under that title."""
        settings, frame = self.settings, discretion.frame(self.settings)
        if not settings.discreet:
            title, body = digest_render.push(found, link)
            return title, body, digest_render.mail_html(found, link, frame)
        full = settings.digest.full_in_email
        html = digest_render.mail_html(found, link, frame) if full else None
        return settings.discreet_title, discretion.digest_body(link), html

    def send_now(self, week: str) -> Record:
        """`halfway digest --send`: record this week's digest for now (the outbox sends it)."""
        now = self.clock()
        record = self.record(week, now, now, manual=True)
        with self.store.transaction() as tx:
            tx.put("deliveries", record)
        return record
