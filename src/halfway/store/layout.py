"""Which record lives in which file, as pure rules: what leaves the hot file for which
monthly archive, and the upgrade of the single data file of halfway's first releases
(schema 1).

What leaves the hot file, by kind (`choose_moves` applies it; this is the one place):

- a delivery (a fire, a reminder, a talk's step, a weekly digest, a care note): once
  finished (nothing left to send, its reply window closed) and due more than KEEP_HOT
  (8 days) ago; a config nudge's last KEEP_LAST_FIRES fires stay whatever their age
  (the back-off rule reads them). Digests (`digest:2026-W48`) and care notes
  (`care:step_back`) have no back-off, so none of them is kept for it
  (`deliveries.archivable`). Its month: the month it was scheduled for. What it
  carried only to be sent (SENT_ONLY: a digest's e-mail, its HTML and its text part)
  is dropped once it is sent.
- a reply: with its delivery, into that month; one whose delivery left before, KEEP_HOT
  after it came.
- an entry: KEEP_ENTRIES_HOT (14 days) after it was written.
- a talk: done or cancelled (DONE_TALKS), KEEP_HOT after its last change; a talk left
  planned whose time is more than KEEP_PAST_TALKS ago goes too. Never while a step of
  its chain is still planned.
- an ask: settled (SETTLED_ASKS, by name: agreed, declined, no answer, followed up,
  resting), KEEP_HOT after its last change. Drafts and asks waiting for an answer stay.
  A talk, an ask or a boundary that a delivery still hot names (`in_use`: its reply can
  still come or change) stays too, so a reply always finds what it moves.
- a boundary: retired, KEEP_HOT after it was retired. An active one stays, but its
  answers older than KEEP_HOT beyond its last KEEP_LAST_ANSWERS go to their months'
  archives, each in a copy of the boundary that holds only them; readers join the
  copies' answers (`merged`).

A talk, an ask or a boundary goes to the month of its last change, so a reader of the
months around a week (the digest) finds what changed in it. One that changes again
after it left (read back from an archive) is hot again, and the hot copy wins.

The store applies these; nothing here touches a file or reads the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from halfway.core import deliveries
from halfway.core.deliveries import month_of
from halfway.core.instants import format_instant, parse_instant
from halfway.core.rawjson import Record

SCHEMA_VERSION = 2
# The lists every reader (export, history, digest) sees, from the archives and the hot file.
TABLES = ("deliveries", "replies", "entries", "talks", "asks", "boundaries")
BACKUP_NAME = "halfway.v1.json"
# The back-off rule reads a nudge's last few fires; they stay hot whatever their age.
KEEP_LAST_FIRES = 4
KEEP_HOT = deliveries.KEEP_HOT
# A talk's, an ask's and a boundary's states after which it may leave (names, so that
# states read from older files, and ones added later, are kept hot unless named here).
# Their home is above the store (talks.rules, talks.planning, ledger.asks), so they are
# named again here; tests/test_state_names.py keeps each equal to its home's.
DONE_TALKS = frozenset({"done", "cancelled"})
SETTLED_ASKS = frozenset({"agreed", "declined", "no_answer", "followed_up", "resting"})
PLANNED_TALK = "planned"  # talks.rules.PLANNED
PLANNED_STEP = "planned"  # a talk's chain step still to come: talks.planning.STEP_PLANNED
# A talk nobody marked done or cancelled leaves this long after its time.
KEEP_PAST_TALKS = timedelta(days=30)
# An active boundary's latest answers stay hot (`boundary list` shows the last one).
KEEP_LAST_ANSWERS = 4
# Instants stored by earlier versions, sometimes with a local offset; made UTC on upgrade.
TIME_FIELDS = (
    "scheduled_for",
    "due_at",
    "created_at",
    "expires_at",
    "sent_at",
    "received_at",
    "at",
    "next_attempt",
    "started_at",
    "finished_at",
    "first_failed_at",
    "since",
    "from",
    "until",
    "last",
)
# Words rendered for sending; a fire decided without sending never needs them.
RENDERED = ("title", "body", "link", "words_title", "words")
# What a delivery carries only to be sent (the digest's e-mail, ~22 KB): dropped once
# nothing is left to send. The digest's page and `halfway digest` render it afresh.
SENT_ONLY = ("html", "text")

Moves = dict[str, dict[str, list[Record]]]  # month -> table -> records


def shape_problem(data: Any) -> str | None:
    """What is wrong with the shape of a parsed data file (TinyDB's: tables of
    records by number, each record an object), or None. Checked on every read, so
    no command works on, or writes into, a file of another shape."""
    if not isinstance(data, dict):
        return "not a JSON object"
    for name, table in data.items():
        if not isinstance(table, dict):
            return f"'{name}' is not a table"
        if not all(isinstance(record, dict) for record in table.values()):
            return f"'{name}' holds something that is not a record"
    return None


def new_meta() -> Record:
    return {"schema_version": SCHEMA_VERSION}


def is_old(data: dict[str, Any]) -> bool:
    """A data file in the single-file layout of halfway's first releases (schema 1)."""
    meta: Record = next(iter(data.get("meta", {}).values()), {})
    return int(meta.get("schema_version", 1)) < SCHEMA_VERSION


def utc_times(value: Any) -> Any:
    """A record tree with every known instant field rewritten in UTC."""
    if isinstance(value, dict):
        return {
            key: (
                format_instant(parse_instant(item))
                if key in TIME_FIELDS and isinstance(item, str)
                else utc_times(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [utc_times(item) for item in value]
    return value


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """The single-file data in the new hot file's shape (archiving follows separately).

    Instants become UTC; missed and skipped fires drop their rendered words; each
    nudge gets a cursor holding its last recorded fire, so no tick reads history.
    """
    new: dict[str, Any] = {"meta": {"1": {**next(iter(data["meta"].values())), **new_meta()}}}
    for name in TABLES:
        new[name] = {key: utc_times(r) for key, r in data.get(name, {}).items()}
    for record in new["deliveries"].values():
        if record.get("state") in deliveries.FINAL_UNSENT:
            for field in RENDERED:
                record.pop(field, None)
    last: dict[str, str] = {}
    for record in new["deliveries"].values():
        if deliveries.is_fire(record):
            nudge, when = record["nudge_id"], record["scheduled_for"]
            if nudge not in last or parse_instant(when) > parse_instant(last[nudge]):
                last[nudge] = when
    cursors = {}
    for key, row in data.get("nudges", {}).items():
        row = utc_times(row)
        cursors[key] = {**row, "id": row["nudge_id"], "last": last.get(row["nudge_id"])}
    new["nudges"] = cursors
    return new


@dataclass
class Compaction:
    """What one compaction does: `moves` go to their months' archives first, then leave
    the hot file, except the records in `rewrite` (by table), which stay hot as given
    (an active boundary without the answers that left)."""

    moves: Moves = field(default_factory=dict)
    rewrite: dict[str, list[Record]] = field(default_factory=dict)

    def move(self, month: str, table: str, record: Record) -> None:
        self.moves.setdefault(month, {}).setdefault(table, []).append(record)

    def count(self) -> int:
        return sum(len(records) for tables in self.moves.values() for records in tables.values())


def choose_moves(records: Callable[[str], list[Record]], now: datetime) -> Compaction:
    """What to move from the hot file now, by archive month and table (see the top)."""
    found = Compaction()
    hot = records("deliveries")
    moving, _ = deliveries.archivable(hot, now, KEEP_LAST_FIRES)
    month = {}
    for delivery in hot:
        sent_only = not deliveries.is_open(delivery) and any(f in delivery for f in SENT_ONLY)
        if sent_only:
            delivery = {k: v for k, v in delivery.items() if k not in SENT_ONLY}
        if delivery["id"] in moving:
            month[delivery["id"]] = month_of(delivery["scheduled_for"])
            found.move(month[delivery["id"]], "deliveries", delivery)
        elif sent_only:
            found.rewrite.setdefault("deliveries", []).append(delivery)
    hot_ids = {d["id"] for d in hot}
    for reply in records("replies"):
        target = reply["delivery_id"]
        if target in month:
            found.move(month[target], "replies", reply)
        elif target not in hot_ids and now - parse_instant(reply["received_at"]) > KEEP_HOT:
            found.move(month_of(reply["received_at"]), "replies", reply)  # its delivery left
    for entry in records("entries"):
        if now - parse_instant(entry["at"]) > deliveries.KEEP_ENTRIES_HOT:
            found.move(month_of(entry["at"]), "entries", entry)
    staying = _names([d for d in hot if d["id"] not in moving])
    for table in ("talks", "asks"):
        for record in records(table):
            if leaves(table, record, now) and not in_use(table, record, staying):
                found.move(month_of(format_instant(last_change(record))), table, record)
    for boundary in records("boundaries"):
        _boundary_moves(found, boundary, now, in_use("boundaries", boundary, staying))
    return found


def _names(staying: list[Record]) -> dict[str, set[str]]:
    """What the deliveries staying hot name: their ids, their talks, their boundaries."""
    return {
        "asks": {d["id"] for d in staying},
        "talks": {d["talk_id"] for d in staying if d.get("talk_id")},
        "boundaries": {d["boundary_id"] for d in staying if d.get("boundary_id")},
    }


def in_use(table: str, record: Record, staying: dict[str, set[str]]) -> bool:
    """Whether a delivery still hot (its reply can still come or change) names the
    record: a talk by its steps, an ask by the reply that made or moved it, a boundary
    by its nudge (`staying`: see `_names`). Such a record stays hot however settled,
    so a reply always finds it."""
    if table != "asks":
        return record["id"] in staying[table]
    ids = {record.get("delivery_id")} | {h.get("delivery_id") for h in record.get("history", [])}
    return not staying["asks"].isdisjoint(ids)


def _boundary_moves(found: Compaction, boundary: Record, now: datetime, used: bool) -> None:
    """A retired boundary leaves whole (unless `used`); an active one only its old
    answers, each month's in a copy of the boundary holding just those."""
    whole = leaves("boundaries", boundary, now) and not used
    answers = sorted(boundary.get("answers") or [], key=lambda a: parse_instant(a["at"]))
    recent = answers[-KEEP_LAST_ANSWERS:] if not whole else []
    old = [
        a for a in answers if a not in recent and (whole or now - parse_instant(a["at"]) > KEEP_HOT)
    ]
    if not old and not whole:
        return
    by_month: dict[str, list[Record]] = {}
    for answer in old:
        by_month.setdefault(month_of(answer["at"]), []).append(answer)
    last = month_of(format_instant(last_change(boundary)))
    for month, these in sorted(by_month.items()):
        if not (whole and month == last):
            found.move(month, "boundaries", {**boundary, "answers": these})
    if whole:
        found.move(last, "boundaries", {**boundary, "answers": by_month.get(last, [])})
    else:
        kept = [a for a in answers if a not in old]
        found.rewrite.setdefault("boundaries", []).append({**boundary, "answers": kept})


def last_change(record: Record) -> datetime:
    """When a talk, an ask or a boundary last changed: the latest instant it records."""
    times = [record.get(key) for key in ("created_at", "at", "retired_at")]
    times += [h.get("at") for h in record.get("history") or []]
    return max(parse_instant(t) for t in times if isinstance(t, str))


def leaves(table: str, record: Record, now: datetime) -> bool:
    """Whether a talk, an ask or a boundary leaves the hot file now (as a whole)."""
    since = now - last_change(record)
    if table == "talks":
        if any(step.get("state") == PLANNED_STEP for step in record.get("chain") or []):
            return False
        if record.get("state") in DONE_TALKS:
            return since > KEEP_HOT
        return (
            record.get("state") == PLANNED_TALK
            and now - parse_instant(record["at"]) > KEEP_PAST_TALKS
        )
    if table == "asks":
        return record.get("state") in SETTLED_ASKS and since > KEEP_HOT
    if table == "boundaries":
        return not record.get("active") and since > KEEP_HOT
    return False


def merged(table: str, earlier: Record | None, later: Record) -> Record:
    """One record from two copies with its id (an archive's and a later one): the later,
    with a boundary's answers joined (one per delivery, the later copy's first)."""
    if table != "boundaries" or earlier is None or not earlier.get("answers"):
        return later
    answers = {_answer_key(a): a for a in earlier["answers"]}
    answers.update((_answer_key(a), a) for a in later.get("answers") or [])
    return {**later, "answers": sorted(answers.values(), key=lambda a: parse_instant(a["at"]))}


def _answer_key(answer: Record) -> str:
    return str(answer.get("delivery_id") or answer.get("at"))


def merge_into(table: str, into: dict[str, Record], records: Iterable[Record]) -> None:
    """Add `records` to `into` (by id), each merged with the copy there (see `merged`)."""
    for record in records:
        if "id" in record:
            into[record["id"]] = merged(table, into.get(record["id"]), record)


def missing(old: dict[str, Any], tables: dict[str, list[Record]]) -> set[str]:
    """Ids of records in the old file that `tables` (the new files, merged) lack."""
    found = {r["id"] for records in tables.values() for r in records}
    return {
        record["id"]
        for name in TABLES
        for record in old.get(name, {}).values()
        if record["id"] not in found
    }
