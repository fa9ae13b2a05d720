"""The care nudges at work in the daemon's units of work, and their config; and the
config's [words.<kind>] tables reaching what is sent."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from halfway.core.instants import format_instant
from halfway.digest import figures
from halfway.store import pauses

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick

BERLIN = ZoneInfo("Europe/Berlin")
W = [date(2026, 9, 7) + timedelta(weeks=i) for i in range(4)]  # Mondays


def local(day: date, clock: time) -> str:
    return datetime.combine(day, clock, tzinfo=BERLIN).isoformat()


def rising_initiations(daemon) -> None:  # type: ignore[no-untyped-def]
    """2, 3, 4 initiations of mine in the weeks of W[0], W[1], W[2]; none of theirs."""
    with daemon.store.transaction() as tx:
        for week, count in zip(W[:3], (2, 3, 4), strict=True):
            for k in range(count):
                moment = datetime.combine(week + timedelta(days=k), time(12), tzinfo=BERLIN)
                entry = {"id": f"e_{week}_{k}", "kind": "initiation", "text": "I reached out"}
                tx.put("entries", {**entry, "by": "me", "at": format_instant(moment)})


def care_sent(daemon) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [
        (d["nudge_id"], d["kind"], d["state"])
        for d in deliveries(daemon)
        if d["nudge_id"].startswith("care:")
    ]


def in_digests(daemon) -> list[tuple[str, list[str]]]:  # type: ignore[no-untyped-def]
    return [
        (d["week"], d["care"]) for d in deliveries(daemon) if d["nudge_id"].startswith("digest:")
    ]


def care_bodies(receiver) -> list[dict]:
    """What the receiver got, without the weekly digest (it comes on Mondays too)."""
    return [b for b in receiver.bodies() if "/digest/" not in b["message"]]


def no_digest(daemon) -> None:  # type: ignore[no-untyped-def]
    """The digest paused for good: the care notes then come on their own."""
    pauses.pause(daemon.store, ["digest"], daemon.clock(), None)


def test_with_no_digest_the_weekly_check_sends_each_care_nudge_once(
    tmp_path, http_receiver
) -> None:
    clock = Clock(local(W[1] + timedelta(days=6), time(12, 0)))  # the second week's Sunday
    daemon = make_daemon(tmp_path, "", clock, phone=http_receiver.json_url())
    no_digest(daemon)
    rising_initiations(daemon)
    run_tick(daemon)  # a new install: no check before the first one after it began
    assert care_sent(daemon) == []
    assert "care" not in daemon.store.view().meta
    assert daemon.care.next_wake() == datetime.combine(W[2], time(10), tzinfo=BERLIN)
    clock.set(local(W[2], time(10, 0)))
    run_tick(daemon)  # 2 → 3: rising, but not yet a real climb
    assert care_sent(daemon) == []
    clock.set(local(W[3], time(10, 0)))
    run_tick(daemon)  # 2 → 3 → 4, and three weeks with nothing but my own reaching out
    assert care_sent(daemon) == [
        ("care:step_back", "step_back", "sent"),
        ("care:revisit_boundaries", "care", "sent"),
    ]
    record = next(d for d in deliveries(daemon) if d["nudge_id"] == "care:step_back")
    assert record["words_title"] == "Room for your own life"
    assert "/r/" in record["link"]
    meta = daemon.store.view().meta["care"]
    assert meta["fired"]["step_back"]["week"] == W[2].isoformat()
    run_tick(daemon)  # the same check again: nothing new
    again = make_daemon(tmp_path, "", clock, phone=http_receiver.json_url())  # a restart
    run_tick(again)
    clock.set(local(W[3] + timedelta(weeks=1), time(10, 0)))
    run_tick(again)  # a week with nothing recorded ends both runs
    assert len(care_sent(again)) == 2
    assert len(care_bodies(http_receiver)) == 2
    assert in_digests(again) == []


def test_a_note_due_in_a_digest_week_comes_inside_the_digest_only(tmp_path, http_receiver) -> None:
    clock = Clock(local(W[1] + timedelta(days=6), time(12, 0)))
    daemon = make_daemon(tmp_path, "", clock, phone=http_receiver.json_url())
    rising_initiations(daemon)
    run_tick(daemon)
    clock.set(local(W[3], time(10, 0)))  # the 08:00 digest and the 10:00 check both due
    run_tick(daemon)
    assert care_sent(daemon) == []
    assert in_digests(daemon) == [(figures.week_name(W[2]), ["step_back", "revisit_boundaries"])]
    clock.set(local(W[3], time(10, 30)))
    run_tick(daemon)
    assert care_sent(daemon) == []
    assert len([b for b in http_receiver.bodies() if "/digest/" in b["message"]]) == 1
    assert care_bodies(http_receiver) == []


def test_a_check_made_late_after_downtime_still_says_its_notes_once(
    tmp_path, http_receiver
) -> None:
    clock = Clock(local(W[0], time(9, 0)))  # halfway began weeks ago …
    daemon = make_daemon(tmp_path, "", clock, phone=http_receiver.json_url())
    rising_initiations(daemon)
    clock.set(local(W[3], time(11, 0)))  # … and was down since before this Monday's checks
    run_tick(daemon)  # made now, on last week's figures: inside the digest
    assert care_sent(daemon) == []
    assert in_digests(daemon) == [(figures.week_name(W[2]), ["step_back", "revisit_boundaries"])]


def test_care_nudges_can_be_turned_off_and_rescheduled(tmp_path, http_receiver) -> None:
    clock = Clock(local(W[3], time(8, 0)))
    body = '[care]\nstep_back = false\nat = "Mon 08:30"\n'
    daemon = make_daemon(tmp_path, body, clock, phone=http_receiver.json_url())
    assert daemon.settings.care.cron == "30 8 * * mon"
    no_digest(daemon)
    rising_initiations(daemon)
    clock.set(local(W[3], time(8, 30)))
    run_tick(daemon)
    assert care_sent(daemon) == [("care:revisit_boundaries", "care", "sent")]


def test_with_every_care_nudge_off_nothing_is_checked(tmp_path) -> None:
    clock = Clock(local(W[3], time(10, 0)))
    body = "[care]\nstep_back = false\nrevisit_boundaries = false\ncounsellor = false\n"
    daemon = make_daemon(tmp_path, body, clock)
    rising_initiations(daemon)
    run_tick(daemon)
    assert care_sent(daemon) == []
    assert daemon.care.next_wake() is None


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ('[care]\nat = "Funday 10:00"\n', "care.at: 'Funday 10:00' is not a weekday and a time"),
        ('[care]\nat = "Mon 09:00"\ncron = "0 9 * * mon"\n', "care: give cron or at, not both"),
        ('[care]\ncron = "99 9 * * mon"\n', "care.cron: '99 9 * * mon' is not a valid cron"),
        ('[care]\nchannels = ["nope"]\n', "care.channels: no channel named 'nope'"),
        ("[care]\nstep_back = 3\n", "care.step_back:"),
        ('[words.gesture_log]\ntitle = ""\n', "words.gesture_log.title: must be a text"),
        ('[words.nonsense]\ntitle = "x"\n', "words.nonsense: unknown kind"),
        (
            '[words.boundary]\nvariants = ["About {topik}"]\n',
            "words.boundary.variants[0]: unknown placeholder {topik}",
        ),
        ("[words.step_back]\nfree_text = false\n", "words.step_back.free_text: the reply shape"),
    ],
)
def test_a_bad_care_or_words_table_is_one_line_and_exit_2(halfway, config_file, body, line) -> None:
    path = config_file(body).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: {line}"), lines[0]
    assert "Traceback" not in ran.err


def test_the_words_of_the_config_reach_what_is_sent(tmp_path, http_receiver) -> None:
    clock = Clock("2026-09-07T19:59:00+02:00")
    body = (
        "discreet = false\n"
        '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
        '[words.gesture_log]\ntitle = "Tiny good things"\nvariants = ["Anything kind today?"]\n'
        '[words.gesture_log.choices]\nnone = "Not today"\n'
    )
    daemon = make_daemon(tmp_path, body, clock, phone=http_receiver.json_url())
    clock.advance(minutes=1)
    run_tick(daemon)
    [record] = deliveries(daemon)
    assert record["words_title"] == "Tiny good things"
    assert record["words"] == "Anything kind today?"
    assert record["reply"]["choices"] == [["none", "Not today"]]
    [sent] = http_receiver.bodies()
    assert sent["title"] == "Tiny good things"
    assert "Anything kind today?" in sent["message"]
