"""Pure: the rows and lines of `halfway history`, from a snapshot of the records
(every delivery, reply, entry, talk, ask and boundary), oldest first, each time in
the configured zone. Nothing here reads the clock or the disk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from halfway.core import deliveries, plaintext
from halfway.core.deliveries import FINAL_UNSENT, REACHED
from halfway.core.instants import parse_instant
from halfway.core.rawjson import Record
from halfway.ledger import asks
from halfway.replies import service
from halfway.talks import rules
from halfway.words import invoked


def history_rows(
    data: Record, since: date | None, now: datetime, local: Callable[[str], str] | None = None
) -> list[Record]:
    """Deliveries, entries and replies of a snapshot as one list, oldest first, from the
    local date `since` on, with a row per change of a talk, of an ask and of a boundary
    (see `practice_rows`). The snapshot is `localized`, or `local` localizes each row's
    `at` alone (and the other times the lines of `halfway history` show)."""
    shown = local or str
    answered = {r["delivery_id"] for r in data["replies"]}
    delivery_of = {d["id"]: d for d in data["deliveries"]}
    rows = (
        [
            {
                "record": "delivery",
                **d,
                "at": shown(d["scheduled_for"]),
                "waiting": waiting_for_answer(d, d["id"] in answered, now),
            }
            for d in data["deliveries"]
        ]
        + [{"record": "entry", **e, "at": shown(e["at"])} for e in data["entries"]]
        + [reply_row(r, delivery_of.get(r["delivery_id"]), shown) for r in data["replies"]]
        + practice_rows(data, shown)
    )
    if local is not None:  # the other times the lines show: a run's span, a talk's time
        for row in rows:
            for key in ("last_scheduled", "talk_at", "from", "to"):
                if row.get(key):
                    row[key] = local(row[key])
    if since is not None:
        first_day = since.isoformat()
        rows = [r for r in rows if r["at"][:10] >= first_day]
    # Local texts carry different offsets across a DST change: compare instants.
    rows.sort(key=lambda r: parse_instant(r["at"]))
    return rows


def reply_row(reply: Record, delivery: Record | None, shown: Callable[[str], str]) -> Record:
    """A reply's row: its nudge, and the `label` of its answer (the words on the button
    the person chose) and of each earlier answer in its `history`, each at its time."""
    label = service.shape_of(delivery).label if delivery else str
    earlier = [
        {**v, "received_at": shown(v["received_at"]), "label": label(v["value"])}
        for v in reply.get("history") or ()
    ]
    return {
        "record": "reply",
        **reply,
        "at": shown(reply["received_at"]),
        "nudge_id": delivery["nudge_id"] if delivery else None,
        "label": label(reply["value"]),
        "history": earlier,
    }


def practice_rows(data: Record, shown: Callable[[str], str]) -> list[Record]:
    """A row per change of a talk (planned, moved, done, cancelled; `talk_at`: its time
    then), of an ask (each state), and of a boundary (added, retired, each answer)."""
    rows: list[Record] = []
    for talk in data.get("talks", []):
        first = next((h["from"] for h in talk["history"] if "from" in h), talk["at"])
        for change in talk["history"]:
            state = change["state"]
            rows.append(
                {"record": "talk", "id": talk["id"], "topic": talk.get("topic"), "state": state}
                | {k: change[k] for k in ("from", "to") if k in change}
                | {"at": shown(change["at"])}
                | {"talk_at": change.get("to") or (first if state == rules.PLANNED else talk["at"])}
            )
    for ask in map(asks.read, data.get("asks", [])):  # `made` (older versions) as `asked`
        for change in ask.get("history", []):
            fields = {"record": "ask", "id": ask["id"], "text": ask["text"], **change}
            rows.append({**fields, "at": shown(change["at"])})
    for boundary in data.get("boundaries", []):
        fields = {"record": "boundary", "id": boundary["id"], "text": boundary["text"]}
        rows.append({**fields, "state": "added", "at": shown(boundary["created_at"])})
        if boundary.get("retired_at") and not boundary.get("active"):
            rows.append({**fields, "state": "retired", "at": shown(boundary["retired_at"])})
        rows += [
            {**fields, "state": a["value"], "note": a.get("note"), "at": shown(a["at"])}
            | {"delivery_id": a.get("delivery_id")}
            for a in boundary.get("answers", [])
        ]
    return rows


def history_lines(rows: list[Record]) -> list[str]:
    """`halfway history` as lines: each row's local time, then its words. Times show
    their seconds when a fire shown was scheduled off the whole minute (an `every`
    under a minute, say), so two fires a few seconds apart read apart. Each row is one
    line whatever its words hold (see `plaintext.one_line`)."""
    seconds = any(
        r["record"] == "delivery"
        and not r.get("manual")
        and not r.get("reminder_of")
        and r["at"][17:19] not in ("", "00")
        for r in rows
    )
    line = plaintext.one_line
    return [f"{clock(r['at'], seconds)}  {line(describe(r, seconds))}" for r in rows]


def clock(text: str, seconds: bool = False) -> str:
    """A local ISO time as history shows it: '2026-11-25 19:30' (or '19:30:15')."""
    return text[: 19 if seconds else 16].replace("T", " ")


def describe(row: Record, seconds: bool = False) -> str:
    """One history row as a line of words (without its time)."""
    if row["record"] == "delivery":
        return describe_delivery(row, seconds)
    if row["record"] == "reply":
        nudge = f" ({row['nudge_id']})" if row.get("nudge_id") else ""
        note = f' · note: "{row["note"]}"' if row.get("note") else ""
        answer = row.get("label") or row["value"]
        changed = f" {changes(row, seconds)}" if row.get("history") else ""
        return f"reply to {row['delivery_id']}{nudge}: {answer}{changed}{note}"
    if row["record"] in ("talk", "ask", "boundary"):
        return describe_practice(row)
    by = f" by {row['by']}" if row.get("by") else ""
    return f"{row['kind']}{by}: {row['text']}"


def changes(row: Record, seconds: bool = False) -> str:
    """A changed reply's earlier answers, oldest first, each with its time (the day too
    when it is not the row's): '(changed; earlier: Later at 18:40, Held at 18:50 with
    note "…")'."""
    earlier = []
    for version in row["history"]:
        when = clock(version["received_at"], seconds)
        if when[:10] == row["at"][:10]:
            when = when[11:]
        note = f' with note "{version["note"]}"' if version.get("note") else ""
        earlier.append(f"{version.get('label') or version['value']} at {when}{note}")
    return f"(changed; earlier: {', '.join(earlier)})"


def describe_practice(row: Record) -> str:
    """A change of a talk, an ask or a boundary, e.g. 'talk t_1 moved from … to …'."""
    head = f"{row['record']} {row['id']}"
    if row["record"] == "talk":
        about = f", about “{row['topic']}”" if row.get("topic") else ""
        if row["state"] == rules.MOVED:
            return f"{head} moved from {clock(row['from'])} to {clock(row['talk_at'])}{about}"
        if row["state"] == rules.PLANNED:
            return f"{head} planned for {clock(row['talk_at'])}{about}"
        return f"{head} ({clock(row['talk_at'])}) {row['state']}{about}"
    note = f' · note: "{row["note"]}"' if row.get("note") else ""
    rested = f" (no change for {row['rested_after']})" if row.get("rested_after") else ""
    return f"{head} {row['state']}{rested}: {row['text']}{note}"


def describe_delivery(row: Record, seconds: bool) -> str:
    head = f"{row['nudge_id']} ({row['kind']}): {row['state']}"
    if row["state"] in FINAL_UNSENT:
        count = row.get("count", 1)
        span = f", {count} fires to {clock(row['last_scheduled'], seconds)}" if count > 1 else ""
        why = row.get("why") or row.get("reason")
        return head + span + (f" ({why})" if why else "")
    channels = ", ".join(f"{n} {c['state']}" for n, c in row["channels"].items())
    reply = invoked.command(f"reply {row['id']}")
    waiting = f"  · waiting for your answer: {reply} …" if row["waiting"] else ""
    return f"{head} [{channels}]{waiting}"


def waiting_for_answer(delivery: Record, answered: bool, now: datetime) -> bool:
    """A delivery that reached the user, takes a reply, has none yet and is still open."""
    return (
        not answered
        and delivery["state"] in REACHED
        and not deliveries.expired(delivery, now)  # before the shape: it is the cheaper test
        and service.shape_of(delivery).takes_reply
    )
