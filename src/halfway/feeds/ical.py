"""The calendar feed: planned talks and the weekly reviews as iCalendar, for a phone's
calendar to subscribe to at `GET /calendar/{token}.ics`.

The token is the feed's own (see `links`): `halfway calendar-url` and `halfway links`
print the address, `halfway links revoke calendar` replaces it, and a request without
the current one gets a bare 403 that says nothing. Each event is at its local time in
the configured zone (with its VTIMEZONE). Calendars are often shared, so no title ever
names a topic or a practice, discreet or not: discreet, each event and the calendar
carry the user's `discreet_title`; not discreet, the plain words of `halfway.discretion`,
in the configured language.
The reviews' times come from the same schedule code that fires them.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from halfway.config.models import Settings
from halfway.core import cursors, schedule
from halfway.core.instants import parse_instant
from halfway.store.database import Store, View
from halfway.store.links import Links
from halfway.talks.rules import MOVED, PLANNED
from halfway.words import discretion
from halfway.words.language import _

if TYPE_CHECKING:
    from aiohttp import web

REVIEW_KIND = "pattern_review"
TALK_LENGTH = timedelta(hours=1)
REVIEW_LENGTH = timedelta(minutes=15)
REVIEWS_AHEAD = 8  # the next this many fires of each weekly review
REVIEWS_SPAN = timedelta(days=120)  # and none further ahead than this


def _opaque(text: str) -> str:
    """A stable id that does not show `text` (a nudge's id may name the practice)."""
    return hashlib.sha256(text.encode()).hexdigest()[:20]


# the feed ----------------------------------------------------------------------------


class Event(TypedDict):
    """One event of the feed."""

    uid: str
    start: datetime  # local, aware
    end: datetime
    title: str
    sequence: int  # how many times a talk moved (a review: 0)


def events(settings: Settings, view: View, now: datetime) -> list[Event]:
    """The feed's events, soonest first."""
    zone = settings.tz
    found: list[Event] = []
    talk_title = _(discretion.CALENDAR_TALK)
    for talk in view.talks():
        if talk.get("state") != PLANNED or not talk.get("at"):
            continue
        start = parse_instant(talk["at"]).astimezone(zone)
        title = discretion.shown_title(settings.discreet_title) if settings.discreet else talk_title
        moves = sum(1 for h in talk.get("history", []) if h.get("state") == MOVED)
        found.append(
            {
                "uid": f"{talk['id']}@halfway",
                "start": start,
                "end": start + TALK_LENGTH,
                "title": title,
                "sequence": moves,
            }
        )
    reviews = [n for n in settings.nudges if n.kind == REVIEW_KIND]
    rows = view.records("nudges")
    pauses = cursors.all_pauses(rows, [n.id for n in reviews])
    since = {n.id: cursors.since(view.get("nudges", n.id), n, zone, now) for n in reviews}
    review_title = (
        discretion.shown_title(settings.discreet_title)
        if settings.discreet
        else _(discretion.CALENDAR_REVIEW)
    )
    for nudge in reviews:
        fires = schedule.upcoming(
            [nudge],
            zone,
            settings.quiet_hours,
            now,
            now + REVIEWS_SPAN,
            REVIEWS_AHEAD,
            since,
            pauses,
        )
        for fire in fires:
            start = fire.due_at.astimezone(zone)
            stamp = fire.scheduled_for.strftime("%Y%m%dT%H%M%SZ")
            found.append(
                {
                    "uid": f"r{_opaque(f'{nudge.id}-{stamp}')}@halfway",  # names nothing
                    "start": start,
                    "end": start + REVIEW_LENGTH,
                    "title": review_title,
                    "sequence": 0,
                }
            )
    return sorted(found, key=lambda e: (e["start"], e["uid"]))


def feed(settings: Settings, view: View, now: datetime) -> bytes:
    """The iCalendar text of the feed."""
    import icalendar  # only the feed needs it

    cal = icalendar.Calendar()
    cal.add("prodid", "-//halfway//calendar feed//EN")
    cal.add("version", "2.0")
    cal.add(
        "x-wr-calname", discretion.shown_title(settings.discreet_title)
    )  # a shared calendar's list shows it
    for found in events(settings, view, now):
        event = icalendar.Event()
        event.add("uid", found["uid"])
        event.add("dtstamp", now)
        event.add("dtstart", found["start"])
        event.add("dtend", found["end"])
        event.add("summary", found["title"])
        event.add("sequence", found["sequence"])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


# the route ---------------------------------------------------------------------------


class Feed:
    """`GET /calendar/{token}.ics`: the feed, or a bare 403."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        store: Store,
        links: Links,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings  # read at each request: a reload may change `discreet`
        self.store = store
        self.links = links  # read at each request: a revoked token is refused at once
        self.clock = clock

    def add_routes(self, app: web.Application) -> None:
        from halfway.replies import expect

        app.router.add_get("/calendar/{name:.*}", self.serve, expect_handler=expect.handle)

    def build(self) -> bytes:
        return feed(self.settings(), self.store.view(), self.clock())

    async def serve(self, request: web.Request) -> web.Response:
        from aiohttp import web

        name = request.match_info["name"]  # no-store and the rest: harden, on every answer
        if not name.endswith(".ics") or not self.links.valid("calendar", name.removesuffix(".ics")):
            return web.Response(status=403)
        body = await asyncio.get_running_loop().run_in_executor(None, self.build)
        return web.Response(body=body, content_type="text/calendar", charset="utf-8")
