"""A constructed history of many years, built quickly: every record kind halfway writes,
made by the same pure functions the daemon and the commands use (asks, talks,
boundaries, ledger entries, replies as the reply service stores them), in the shapes
the daemon writes (deliveries of config nudges with their replies, weekly digests with
their HTML, care notes), written straight into a hot file as it would stand had no
compaction ever run. Compaction then has all of it to sort.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from halfway.core.instants import format_instant
from halfway.ledger import asks, book, boundaries
from halfway.store.database import Store, write_file
from halfway.talks import rules

Record = dict[str, Any]
NUDGES = ("morning-boundary", "midday-breath", "one-ask", "evening-gestures", "reframe")
NOTE = "Talked a little over dinner; it felt lighter than last week, and I noticed it."
WORDS = "A small check-in: one gesture or moment of connection you noticed today? " * 3


@dataclass
class History:
    """What was built, to check against: every id by table, every boundary answer."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)  # boundary id -> answers given
    open_asks: set[str] = field(default_factory=set)
    active: set[str] = field(default_factory=set)  # boundaries still active

    def add(self, table: str, record: Record) -> None:
        self.ids.setdefault(table, set()).add(record["id"])


def delivery(n: int, nudge: str, kind: str, when: datetime, **extra: Any) -> Record:
    """A finished delivery, as the planner records it and the outbox marks it sent."""
    sent = {"state": "sent", "attempts": 1, "sent_at": format_instant(when), "error": None}
    return {
        "id": f"d_{n:012x}",
        "nudge_id": nudge,
        "kind": kind,
        "scheduled_for": format_instant(when),
        "due_at": format_instant(when),
        "created_at": format_instant(when),
        "expires_at": format_instant(when + timedelta(days=1)),
        "state": "sent",
        "late": False,
        "words_title": "A small check-in",
        "words": WORDS,
        "title": "Reminder",
        "body": "A small check-in is waiting for you.",
        "link": f"https://halfway.example.net/r/{n:024x}",
        "reply": {
            "choices": [],
            "free_text": True,
            "scale": None,
            "note": False,
            "text_label": "Your words",
            "takes_reply": True,
        },
        "channels": {
            "phone": {
                **sent,
                "finished_at": format_instant(when),
                "owner": None,
                "lease_until": None,
            }
        },
        **extra,
    }


def reply(n: int, target: Record, when: datetime) -> Record:
    """A reply as `replies.service` stores it."""
    return {
        "id": f"r_{n:012x}",
        "delivery_id": target["id"],
        "value": "noted",
        "note": NOTE,
        "scale": None,
        "via": "web",
        "received_at": format_instant(when),
        "history": [
            {
                "value": "noted",
                "note": NOTE,
                "scale": None,
                "via": "web",
                "received_at": format_instant(when),
            }
        ],
    }


def build(folder: Path, years: int, now: datetime, seed: int = 7) -> History:
    """`years` years of history up to `now` in a new data folder's hot file."""
    rng = random.Random(seed)
    made = History()
    tables: dict[str, list[Record]] = {
        t: [] for t in ("deliveries", "replies", "entries", "talks", "asks", "boundaries")
    }

    def put(table: str, record: Record) -> None:
        tables[table].append(record)
        made.add(table, record)

    start = now - timedelta(days=365 * years)
    kept = [boundaries.new_boundary(f"b_{i}", f"Boundary {i}", start) for i in range(3)]
    kept[2] = boundaries.retired(kept[2], start + timedelta(days=min(400, 365 * years // 2)))
    n = 0
    for day in range((now - start).days):
        morning = start + timedelta(days=day, hours=7)
        for hour, nudge in enumerate(NUDGES):
            n += 1
            when = morning + timedelta(hours=2 * hour)
            if when > now:
                continue
            sent = delivery(n, nudge, "custom", when)
            put("deliveries", sent)
            if rng.random() < 0.75 and when + timedelta(hours=1) < now:
                put("replies", reply(n, sent, when + timedelta(hours=1)))
        if rng.random() < 0.8:
            at = morning + timedelta(hours=13)
            if at < now:
                put("entries", {"id": f"e_{day:08x}", **book.entry("gesture", NOTE, None, at)})
        if day % 7 == 0 and morning + timedelta(hours=1) < now:
            n += 1
            week = (morning + timedelta(hours=1)).strftime("%G-W%V")
            digest = delivery(n, f"digest:{week}", "digest", morning + timedelta(hours=1))
            put("deliveries", {**digest, "week": week, "html": "<p>week</p>" * 1500})
            at = morning + timedelta(hours=12)
            answered_one = kept[(day // 7) % 2]
            if at < now:
                kept[(day // 7) % 2] = boundaries.answered(
                    answered_one, f"d_{n:012x}", "held", None, at
                )
        if day % 30 == 3 and morning + timedelta(hours=3) < now:
            n += 1
            care = delivery(n, "care:step_back", "step_back", morning + timedelta(hours=3))
            put("deliveries", care)
        if day % 7 == 2:
            _ask(put, made, f"a_{day:08x}", morning, now, open_one=day > (now - start).days - 30)
        if day % 28 == 5:
            _talk(put, f"t_{day:08x}", morning, now, rng)
    for boundary in kept:
        put("boundaries", boundary)
        made.answers[boundary["id"]] = len(boundary["answers"])
        if boundary.get("active"):
            made.active.add(boundary["id"])
    Store(folder)  # a new data folder, as the daemon makes it
    data: dict[str, Any] = {"meta": {"1": {"schema_version": 2, "file_id": "f_history"}}}
    for table, records in tables.items():
        data[table] = {str(key): record for key, record in enumerate(records, 1)}
    write_file(folder / "halfway.json", data)
    return made


def _ask(put: Any, made: History, ask_id: str, when: datetime, now: datetime, open_one: bool):
    if when >= now:
        return
    ask = asks.new_ask(ask_id, "Twenty minutes on Saturday about what makes us feel close", when)
    states = (asks.AGREED,) if int(ask_id[2:], 16) % 14 == 2 else (asks.AGREED, asks.FOLLOWED_UP)
    for step, state in enumerate(states):
        moment = when + timedelta(days=2 + step * 5)
        if open_one or moment >= now:
            break
        ask = asks.moved(ask, state, moment)
    if ask["state"] == asks.MADE:
        made.open_asks.add(ask_id)
    put("asks", ask)


def _talk(put: Any, talk_id: str, when: datetime, now: datetime, rng: random.Random) -> None:
    talk: Record = dict(rules.new_talk(talk_id, when + timedelta(days=3), "weekend time", when))
    ended = when + timedelta(days=3, hours=2)
    if ended < now:
        finish = rules.done if rng.random() < 0.8 else rules.cancelled
        talk = dict(finish(cast(rules.Talk, talk), ended))
    state = "sent" if ended < now else "planned"
    talk["chain"] = [{"kind": "talk_reflection", "due_at": format_instant(ended), "state": state}]
    put("talks", talk)
