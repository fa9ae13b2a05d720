"""Each care note goes out once per occurrence, across the weekly digest and the care
nudge: ten weeks of a constructed story through the daemon's units of work, with an
injected clock, the digest paused on one Monday so that week's notes come alone."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from halfway.care import triggers
from halfway.core.instants import format_instant
from halfway.digest import figures, weekly
from halfway.store import pauses

from .conftest import Clock
from .engine import deliveries, make_daemon, run_tick

BERLIN = ZoneInfo("Europe/Berlin")
X = [date(2026, 9, 7) + timedelta(weeks=i) for i in range(12)]  # Mondays


def at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=BERLIN)


def story() -> dict[str, list[dict[str, Any]]]:
    """X0–X5 still (a review of no movement, nothing else of theirs); my reaching out
    climbs 2 → 3 → 4 in X1–X3; a boundary does not hold in X1–X3; then movement in
    X6, X8 and X9 (X7 still)."""
    tables: dict[str, list[dict[str, Any]]] = {"deliveries": [], "replies": [], "entries": []}
    reviews = ["none"] * 6 + ["small_change", "none", "agreed_time", "acknowledged"]
    for n, (monday, value) in enumerate(zip(X, reviews, strict=False)):
        sunday = at(monday + timedelta(days=6), time(18))
        tables["deliveries"].append(
            {
                "id": f"d_review{n}",
                "nudge_id": "weekly",
                "kind": "pattern_review",
                "scheduled_for": format_instant(sunday),
                "due_at": format_instant(sunday),
                "state": "sent",
                "channels": {},
            }
        )
        tables["replies"].append(
            {
                "id": f"r_{n}",
                "delivery_id": f"d_review{n}",
                "value": value,
                "via": "web",
                "note": None,
                "received_at": format_instant(sunday),
            }
        )
    for monday, count in zip(X[1:4], (2, 3, 4), strict=True):
        for k in range(count):
            tables["entries"].append(
                {
                    "id": f"e_{monday}_{k}",
                    "kind": "initiation",
                    "by": "me",
                    "text": "x",
                    "at": format_instant(at(monday + timedelta(days=k), time(12))),
                }
            )
    tables["boundaries"] = [
        {
            "id": "b_1",
            "text": "my evenings are mine",
            "active": True,
            "source": "cli",
            "created_at": format_instant(at(X[0], time(9))),
            "answers": [
                {
                    "delivery_id": "d_x",
                    "value": "crossed",
                    "note": None,
                    "at": format_instant(at(monday + timedelta(days=2), time(21))),
                }
                for monday in X[1:4]
            ],
        }
    ]
    return tables


def test_each_care_note_goes_out_once_in_the_digest_or_on_its_own(tmp_path, http_receiver) -> None:
    clock = Clock(format_instant(at(X[0] - timedelta(days=3), time(12))))
    daemon = make_daemon(tmp_path, "", clock, phone=http_receiver.json_url())
    with daemon.store.transaction() as tx:
        for table, records in story().items():
            for record in records:
                tx.put(table, record)
    # no digest on the Monday of X4: that week's notes come as their own nudges
    pauses.pause(daemon.store, ["digest"], at(X[4], time(0)), at(X[4], time(12)))
    for n, monday in enumerate(X[1:11]):
        # some Mondays tick through the morning (the 08:00 digest, then the 10:00 care
        # check); on others both are due at once (the care check comes first)
        ticks = (time(10, 30),) if n % 2 else (time(8), time(9), time(10), time(10, 30))
        for clock_time in ticks:
            clock.set(format_instant(at(monday, clock_time)))
            run_tick(daemon)
    said = [
        (d["week"], note, "digest")
        for d in deliveries(daemon)
        if d["nudge_id"].startswith("digest:")
        for note in d["care"]
    ]
    said += [
        (
            figures.last_complete_week(datetime.fromisoformat(d["scheduled_for"]), BERLIN),
            d["nudge_id"].partition(":")[2],
            "nudge",
        )
        for d in deliveries(daemon)
        if d["nudge_id"].startswith("care:")
    ]
    week = {n: figures.week_name(x) for n, x in enumerate(X)}
    assert sorted(said) == sorted(
        [
            (week[2], triggers.REVISIT_BOUNDARIES, "digest"),  # X0–X2 still
            (week[3], triggers.STEP_BACK, "nudge"),  # 2 → 3 → 4, the digest paused
            (week[3], triggers.BOUNDARY_SAFETY, "nudge"),  # three answers: did not hold
            (week[5], triggers.COUNSELLOR, "digest"),  # six still weeks
            (week[9], triggers.MOVEMENT_RETURNS_NOTE, "digest"),  # X6, X8, X9 after X0–X5
        ]
    )
    assert max(Counter(note for _, note, _ in said).values()) == 1
    digests = [d for d in deliveries(daemon) if d["nudge_id"].startswith("digest:")]
    assert len(digests) == 9  # every Monday but the paused one
    assert all(d["state"] == "sent" for d in digests)
    # the digest of a note's week, read again later, shows what it said, no more
    shown = weekly.build(daemon.store, daemon.settings, week[5], clock())
    assert shown.care_notes == (triggers.COUNSELLOR,)
    assert weekly.build(daemon.store, daemon.settings, week[3], clock()).care_notes == ()
