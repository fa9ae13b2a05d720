"""Pure functions over a snapshot of the records, for `halfway export` and `history`.

A snapshot is the plain dict the store hands out: `schema_version` and the
lists of records. Nothing here reads the clock or the disk. Everything is
linear in the number of records and cheap per record: years of history are
hundreds of thousands of them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from typing import Any

import orjson

from halfway.core.instants import parse_instant
from halfway.core.rawjson import Record
from halfway.ledger import asks

TIME_FIELDS = frozenset(
    (
        *("scheduled_for", "due_at", "created_at", "sent_at", "received_at", "at"),
        *("retired_at", "last_asked"),  # a boundary's
    )
)
CSV_COLUMNS = (
    "record",
    "id",
    "at",
    "kind",
    "nudge_id",
    "state",
    "channels",
    "delivery_id",
    "value",
    "note",
    "via",
    "text",
    "by",
    "topic",
    # added after 0.1's columns, so theirs keep their places
    "channel_errors",
    "reason",
    "why",
    "count",
    "last_scheduled",
    # added with asks and boundaries (`history` holds a talk's too)
    "talk_id",
    "active",
    "retired_at",
    "history",
    "answers",
    # added with a reply's earlier versions (`reply_version` rows)
    "reply_id",
    "scale",
    # added with the talk card: a talk's sentence of intent and what helped
    "intent",
    "helped",
)
# Each list of the snapshot in the CSV: its name, its `record` code, its time field.
CSV_TABLES = (
    ("deliveries", "delivery", "scheduled_for"),
    ("replies", "reply", "received_at"),
    ("entries", "entry", "at"),
    ("talks", "talk", "at"),
    ("asks", "ask", "at"),
    ("boundaries", "boundary", "created_at"),
)


# timestamps in the user's zone ------------------------------------------------


HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
DAY_END = timedelta(days=1, microseconds=-1)  # a day's last instant, from its first
# How to write one UTC hour locally: the local hour its minute 0 falls in
# ('2026-11-25T20') and the offset ('+01:00'); for an offset that is not whole
# hours (+05:30), also the minutes it adds and the local hour after.
Hour = tuple[str, str] | tuple[str, str, int, str]
Day = tuple[datetime, str, int]


class LocalTime:
    """Stored instants as ISO text in one zone, exactly as `astimezone().isoformat()` writes them.

    Converting each of hundreds of thousands of instants is a large part of an
    export, so for the plain UTC form the store writes ('2026-11-25T19:00:00+00:00',
    or with microseconds) the local hour is worked out once per UTC hour and
    spliced in. Any other text, and any day on which the zone's offset changes,
    takes the general path. A day is checked at its first and last instant:
    tzdata never changes an offset twice in a day (the closest changes are a week apart).
    """

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.days: dict[str, Day | None] = {}  # UTC day -> its plan; None: general path
        self.hours: dict[str, Hour | tuple[()]] = {}  # UTC hour -> its plan; (): general path

    def of(self, text: str) -> str:
        """`text`, an ISO instant, written in the zone with the zone's offset."""
        hour = self.hours.get(text[:13])
        if hour is None:
            hour = self.hours[text[:13]] = self.learn(text[:13])
        size = len(text)
        if (
            hour
            and text[-6:] == "+00:00"
            and (size == 25 or (size == 32 and text[19] == "." and text[20:26] != "000000"))
            and text[13] == text[16] == ":"
        ):
            if len(hour) == 2:
                return hour[0] + text[13:-6] + hour[1]
            low, offset, shift, high = hour
            minute = int(text[14:16]) + shift
            return f"{low if minute < 60 else high}:{minute % 60:02d}{text[16:-6]}{offset}"
        return parse_instant(text).astimezone(self.zone).isoformat()

    def learn(self, key: str) -> Hour | tuple[()]:
        """The plan for the UTC hour `key` ('2026-11-25T19'), or () for the general path."""
        hour = key[11:]
        if len(key) != 13 or key[10] != "T" or not (hour.isascii() and hour.isdigit()):
            return ()
        if key[:10] not in self.days:
            self.days[key[:10]] = self.plan_day(key[:10])
        day = self.days[key[:10]]
        if day is None or int(hour) > 23:
            return ()
        base, offset, shift = day
        low = base + int(hour) * HOUR
        if not shift:
            return low.isoformat()[:13], offset
        return low.isoformat()[:13], offset, shift, (low + HOUR).isoformat()[:13]

    def plan_day(self, day: str) -> Day | None:
        """For a UTC day whose offset holds all day, in whole minutes: the local whole
        hour of its first instant, the offset as text, and the minutes past that hour."""
        try:
            start = parse_instant(f"{day}T00:00:00+00:00")
        except ValueError:
            return None
        first = start.astimezone(self.zone)
        offset = first.utcoffset()
        if offset is None or offset % MINUTE:
            return None  # e.g. local mean time, +00:53:28 in Berlin before 1893
        if (start + DAY_END).astimezone(self.zone).utcoffset() != offset:
            return None  # the clocks change this day
        shift = (offset % HOUR) // MINUTE
        base = first.replace(tzinfo=None) - shift * MINUTE
        return base, first.isoformat()[19:], shift


def local_clock(zone: tzinfo) -> Callable[[str], str]:
    """A function that writes one stored instant in `zone` (see LocalTime)."""
    return LocalTime(zone).of


def localized(value: Any, zone: tzinfo) -> Any:
    """Every timestamp in a record tree shown with the configured zone's offset.

    The input is left as it is; parts of it without a timestamp are shared
    with the result, not copied (a reply's choices, say). The lists of a
    snapshot whose shape is known take a direct path; anything else is walked.
    """
    local = LocalTime(zone).of
    if isinstance(value, dict) and "deliveries" in value:
        shapes = {"deliveries": _delivery, "replies": _reply, "talks": _talk, "asks": _ask}
        return {
            name: [shapes.get(name, _record)(r, local) for r in records]
            if isinstance(records, list)
            else records
            for name, records in value.items()
        }
    return _localized(value, local)


def _delivery(record: Record, local: Callable[[str], str]) -> Record:
    """A delivery: its own instants and each channel's `sent_at` (nothing else holds one)."""
    out = dict(record)
    for key in ("scheduled_for", "due_at", "created_at"):
        if isinstance(out.get(key), str):
            out[key] = local(out[key])
    channels = record.get("channels")
    if isinstance(channels, dict):
        out["channels"] = {
            name: {**send, "sent_at": local(send["sent_at"])}
            if isinstance(send, dict) and isinstance(send.get("sent_at"), str)
            else send
            for name, send in channels.items()
        }
    return out


def _reply(record: Record, local: Callable[[str], str]) -> Record:
    """A reply: when it came, and when each earlier version came."""
    out = dict(record)
    if isinstance(out.get("received_at"), str):
        out["received_at"] = local(out["received_at"])
    if isinstance(out.get("history"), list):
        out["history"] = _items(out["history"], local)
    return out


def _talk(record: Record, local: Callable[[str], str]) -> Record:
    """A talk: its own instants, each chain step's `due_at`, each move's `from` and `to`."""
    out = _record(record, local)
    history = out.get("history")
    if isinstance(history, list):
        moves = [_moved(entry, local) if isinstance(entry, dict) else entry for entry in history]
        out = {**out, "history": moves}
    return out


def _ask(record: Record, local: Callable[[str], str]) -> Record:
    """An ask, with today's names: `made` (older versions) is exported as `asked`."""
    return _record(asks.read(record), local)


def _moved(entry: Record, local: Callable[[str], str]) -> Record:
    times = {k: local(entry[k]) for k in ("from", "to") if isinstance(entry.get(k), str)}
    return {**entry, **times}


def _localized(value: Any, local: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return _record(value, local)
    if isinstance(value, list):
        return _items(value, local)
    return value


def _record(record: Record, local: Callable[[str], str]) -> Record:
    out: Record | None = None
    for key, item in record.items():
        new: Any
        if isinstance(item, str):
            if key not in TIME_FIELDS:
                continue
            new = local(item)
        elif isinstance(item, dict):
            new = _record(item, local)
        elif isinstance(item, list):
            new = _items(item, local)
        else:
            continue
        if new is not item:
            if out is None:
                out = dict(record)  # copied on the first change only
            out[key] = new
    return record if out is None else out


def _items(items: list[Any], local: Callable[[str], str]) -> list[Any]:
    out: list[Any] | None = None
    for index, item in enumerate(items):
        if isinstance(item, dict):
            new: Any = _record(item, local)
        elif isinstance(item, list):
            new = _items(item, local)
        else:
            continue
        if new is not item:
            if out is None:
                out = list(items)
            out[index] = new
    return items if out is None else out


# export --------------------------------------------------------------------------


def to_json(data: Any) -> bytes:
    """`data` as indented UTF-8 JSON, non-ASCII kept as it is, ending in a newline
    (orjson: the stdlib's indenting encoder is pure Python and takes seconds on
    years of history; bytes, because decoding 200 MB to print it costs a second)."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def to_csv(data: Record) -> str:
    """All the lists in one table, a `record` column telling them apart; plain text in
    every cell: a delivery's `channels` as `name:state;…` and their `channel_errors` as
    `name: error;…`, a reply's `nudge_id` from the delivery it answers, a talk's or an
    ask's `history` as `state at;…` (a move `… from A to B`), a boundary's `answers` as
    `value at: note;…` and `active` as `true`/`false`. Each earlier version of a reply
    (its `history` in the JSON) is a `reply_version` row right after its reply, oldest
    first, with `reply_id` naming the reply (on the reply's row too) and the version's
    `at`, `value`, `note`, `via` and `scale`. A cell that would begin a formula begins
    with `'` (see `inert`)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    index = {column: number for number, column in enumerate(CSV_COLUMNS)}
    at, nudge_id, reply_id = index["at"], index["nudge_id"], index["reply_id"]
    channels, errors = index["channels"], index["channel_errors"]
    nudge_of = {d["id"]: d.get("nudge_id") for d in data["deliveries"]}
    starts = FORMULA_STARTS
    for name, record_type, time_field in CSV_TABLES:
        for record in data.get(name, []):
            row = [record.get(column) for column in CSV_COLUMNS]
            row[0], row[at] = record_type, record.get(time_field)
            if isinstance(record.get("channels"), dict):
                row[channels], row[errors] = channel_cells(record["channels"])
            versions: list[Any] = []
            if record_type == "reply":
                row[nudge_id] = nudge_of.get(record.get("delivery_id"))
                row[index["history"]] = None  # a reply's earlier versions: rows of their own
                row[reply_id] = record.get("id")
                versions = version_rows(row, record.get("history"))
            if isinstance(record.get("history"), list) and record_type != "reply":
                row[index["history"]] = history_cell(record["history"])
            if isinstance(record.get("answers"), list):
                row[index["answers"]] = answers_cell(record["answers"])
            if isinstance(record.get("active"), bool):
                row[index["active"]] = "true" if record["active"] else "false"
            # `inert` on each cell, inline: years of history are millions of cells
            writer.writerow(["'" + c if c.__class__ is str and c[:1] in starts else c for c in row])
            for version in versions:
                writer.writerow([inert(cell) for cell in version])
    return out.getvalue()


VERSION_FIELDS = ("value", "note", "via", "scale")  # and `received_at`, as the row's `at`


def version_rows(reply_row: list[Any], history: Any) -> list[list[Any]]:
    """A reply's earlier versions (its `history`) as `reply_version` rows: each has the
    reply's `reply_id`, `delivery_id` and `nudge_id`, and its own time and answer."""
    if not history or not isinstance(history, list):
        return []
    index = {column: number for number, column in enumerate(CSV_COLUMNS)}
    shared = ("nudge_id", "delivery_id", "reply_id")
    rows = []
    for version in history:
        if not isinstance(version, dict):
            continue
        row: list[Any] = [None] * len(CSV_COLUMNS)
        row[0], row[index["at"]] = "reply_version", version.get("received_at")
        for column in shared:
            row[index[column]] = reply_row[index[column]]
        for column in VERSION_FIELDS:
            row[index[column]] = version.get(column)
        rows.append(row)
    return rows


# What a spreadsheet reads as a formula when a cell begins with it (OWASP, CSV injection).
FORMULA_STARTS = frozenset("=+-@\t\r")


def inert(cell: Any) -> Any:
    """A text cell a spreadsheet would run as a formula ('=HYPERLINK(…)', '@SUM(…)',
    '-2+3') with a `'` before it, so that it is shown as the text it is."""
    if isinstance(cell, str) and cell[:1] in FORMULA_STARTS:
        return "'" + cell
    return cell


def history_cell(history: list[Any]) -> str:
    """A talk's or an ask's history as `planned 2026-…;moved 2026-… from A to B;done …`."""
    cells = []
    for entry in history:
        entry = entry if isinstance(entry, dict) else {}
        move = f" from {entry.get('from')} to {entry.get('to')}" if "from" in entry else ""
        cells.append(f"{entry.get('state', '')} {entry.get('at', '')}{move}")
    return ";".join(cells)


def answers_cell(answers: list[Any]) -> str:
    """A boundary's answers as `held 2026-…: the note;crossed 2026-…`."""
    cells = []
    for answer in answers:
        answer = answer if isinstance(answer, dict) else {}
        note = f": {answer['note']}" if answer.get("note") else ""
        cells.append(f"{answer.get('value', '')} {answer.get('at', '')}{note}")
    return ";".join(cells)


def channel_cells(channels: dict[str, Any]) -> tuple[str, str]:
    """A delivery's channels as `phone:sent;mail:failed`, and their errors as `mail: …`."""
    states, errors = [], []
    for name, send in channels.items():
        send = send if isinstance(send, dict) else {}
        states.append(f"{name}:{send.get('state', '')}")
        if send.get("error"):
            errors.append(f"{name}: {send['error']}")
    return ";".join(states), ";".join(errors)


# history -------------------------------------------------------------------------
