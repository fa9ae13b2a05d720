"""The calendar feed: planned talks and weekly reviews as iCalendar, behind a token."""

from __future__ import annotations

import tomllib
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from halfway.config import loader
from halfway.core import tokens
from halfway.core.instants import format_instant
from halfway.feeds import ical
from halfway.store import links
from halfway.store.database import Store
from halfway.words import discretion

from .conftest import config_text, wait_for

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
TALK_AT = datetime(2026, 12, 5, 19, 0, tzinfo=BERLIN)  # Saturday evening, CET (UTC+1)
REVIEW = '[[nudges]]\nid = "weekly-review"\nkind = "pattern_review"\ncron = "0 18 * * sun"\n'


def settings_of(tmp_path: Path, discreet: bool) -> loader.Settings:
    body = f"discreet = {str(discreet).lower()}\n{REVIEW}"
    data = tomllib.loads(config_text(body, data_dir=tmp_path / "data"))
    return loader.build(data, "test config")


def plan_talks(store: Store, at: datetime = TALK_AT) -> None:
    talk = {
        "id": "t_1a2b3c",
        "at": format_instant(at),
        "topic": "weekend time",
        "state": "planned",
        "history": [{"state": "planned", "at": format_instant(NOW)}],
    }
    with store.transaction() as tx:
        tx.put("talks", talk)
        tx.put("talks", {**talk, "id": "t_off", "topic": "called off", "state": "cancelled"})


def events(feed: bytes) -> list[icalendar.Event]:
    parsed = icalendar.Calendar.from_ical(feed)
    return [c for c in parsed.walk() if c.name == "VEVENT"]


def test_the_feed_holds_the_planned_talk_at_its_local_time_and_the_next_reviews(tmp_path) -> None:
    settings = settings_of(tmp_path, discreet=False)
    store = Store(settings.data_dir)
    plan_talks(store)
    feed = ical.feed(settings, store.view(), NOW)
    found = events(feed)
    talks = [e for e in found if str(e["summary"]) == discretion.CALENDAR_TALK]
    assert [str(e["uid"]) for e in talks] == ["t_1a2b3c@halfway"]  # not the cancelled one
    start = talks[0].decoded("dtstart")
    assert start == TALK_AT
    assert start.utcoffset() == timedelta(hours=1)
    assert talks[0]["dtstart"].params["TZID"] == "Europe/Berlin"
    assert talks[0].decoded("dtend") - start == timedelta(hours=1)
    assert b"BEGIN:VTIMEZONE" in feed
    assert b"TZID:Europe/Berlin" in feed
    reviews = [e for e in found if str(e["summary"]) == discretion.CALENDAR_REVIEW]
    starts = [e.decoded("dtstart").astimezone(BERLIN) for e in reviews]
    assert len(starts) == 8
    assert starts[0] == datetime(2026, 12, 6, 18, 0, tzinfo=BERLIN)
    assert all(s.weekday() == 6 and (s.hour, s.minute) == (18, 0) for s in starts)
    assert len({str(e["uid"]) for e in found}) == len(found)


def test_a_discreet_feed_names_no_topic_and_no_practice(tmp_path) -> None:
    settings = settings_of(tmp_path, discreet=True)
    store = Store(settings.data_dir)
    plan_talks(store)
    feed = ical.feed(settings, store.view(), NOW)
    titles = {str(e["summary"]) for e in events(feed)}
    assert titles == {"Reminder"}  # the default discreet_title
    assert str(icalendar.Calendar.from_ical(feed)["x-wr-calname"]) == "Reminder"
    assert b"weekend" not in feed
    assert b"review" not in feed.lower()


def test_a_feed_that_is_not_discreet_still_names_no_topic_practice_or_app(tmp_path) -> None:
    # Calendars are often shared: the titles are plain words whatever `discreet` says.
    settings = settings_of(tmp_path, discreet=False)
    store = Store(settings.data_dir)
    plan_talks(store)
    feed = ical.feed(settings, store.view(), NOW)
    found = events(feed)
    titles = [str(e["summary"]) for e in found]
    assert set(titles) == {discretion.CALENDAR_TALK, discretion.CALENDAR_REVIEW}
    assert len(titles) == 9  # the talk and the next 8 reviews: every event is there
    for title in titles:
        for word in ("talk", "weekend", "review", "halfway", "partner", "boundar"):
            assert word not in title.lower(), title
    shown = b"\n".join(
        line for line in feed.splitlines() if line.startswith((b"SUMMARY", b"DESCRIPTION", b"X-WR"))
    )
    assert b"weekend" not in shown
    assert b"halfway" not in shown.lower()


def test_the_calendar_titles_are_the_users_own_discreet_title(tmp_path) -> None:
    body = f'discreet_title = "Errand"\n{REVIEW}'
    settings = loader.build(tomllib.loads(config_text(body, data_dir=tmp_path / "d")), "test")
    store = Store(settings.data_dir)
    plan_talks(store)
    titles = {str(e["summary"]) for e in events(ical.feed(settings, store.view(), NOW))}
    assert titles == {"Errand"}


def test_a_moved_talk_keeps_its_uid_with_a_higher_sequence(tmp_path) -> None:
    settings = settings_of(tmp_path, discreet=False)
    store = Store(settings.data_dir)
    plan_talks(store)
    later = TALK_AT + timedelta(days=1)
    with store.transaction() as tx:
        talk = tx.get("talks", "t_1a2b3c")
        assert talk is not None
        moved = {
            "state": "moved",
            "at": format_instant(NOW),
            "from": talk["at"],
            "to": format_instant(later),
        }
        tx.put("talks", {**talk, "at": format_instant(later), "history": [*talk["history"], moved]})
    [event] = [e for e in events(ical.feed(settings, store.view(), NOW)) if "t_1a2b3c" in e["uid"]]
    assert event.decoded("dtstart") == later
    assert int(event["sequence"]) == 1


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_calendar_url_needs_the_daemons_first_start_and_never_makes_a_token(
    halfway, config_file
) -> None:
    written = config_file(REVIEW)
    ran = halfway("calendar-url", "--config", str(written.path))
    assert ran.code == 1
    assert "no private links yet" in ran.err
    assert "'halfway run'" in ran.err
    assert "Traceback" not in ran.err
    assert written.data_dir is not None
    assert not (written.data_dir / tokens.KEY_FILE).exists()
    assert not (written.data_dir / links.FILE).exists()


def test_the_daemon_serves_the_feed_at_the_url_calendar_url_prints(
    halfway, config_file, start_daemon
) -> None:
    written = config_file(f"discreet = false\n{REVIEW}", server=True)
    assert written.data_dir is not None
    # the real daemon's feed is of today onwards: a talk three evenings from now
    soon = datetime.now(BERLIN).replace(hour=19, minute=0, second=0, microsecond=0)
    soon += timedelta(days=3)
    plan_talks(Store(written.data_dir), soon)
    daemon = start_daemon("--config", str(written.path))
    wait_for(lambda: daemon.health(str(written.listen)))
    ran = halfway("calendar-url", "--config", str(written.path))
    assert ran.code == 0, ran.err
    url = ran.out.strip()
    assert url.startswith(f"http://{written.listen}/calendar/")
    assert url.endswith(".ics")
    status, headers, body = get(url)
    assert status == 200
    assert headers["Content-Type"].startswith("text/calendar")
    assert headers["Cache-Control"] == "no-store"
    [talk] = [e for e in events(body) if str(e["summary"]) == discretion.CALENDAR_TALK]
    assert talk.decoded("dtstart") == soon
    base = f"http://{written.listen}/calendar/"
    token = url.removeprefix(base).removesuffix(".ics")
    # One character changed: never the one already there, or it is the token.
    changed = token[:-1] + ("B" if token.endswith("A") else "A")
    for wrong in ("", ".ics", "nope.ics", token, f"{changed}.ics", f"{token}.ics/x"):
        status, headers, body = get(base + wrong)
        assert (status, body) == (403, b""), wrong
        assert "calendar" not in headers.get("Content-Type", "")
    assert daemon.stop() == 0
