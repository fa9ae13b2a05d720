"""`halfway status`: what was sent, what waits, what failed and why, at a glance.

Pure: it renders plain data (the store's snapshot, the daemon's /healthz
answer, a `now`) to text.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from halfway import schedule
from halfway.config import Settings

Record = dict[str, Any]


def pause_lines(settings: Settings, states: dict[str, Record], now: datetime) -> list[str]:
    """One line per pause in force now, e.g. 'paused: my-boundary until Fri 2026-11-27 09:00 CET'."""
    lines = []
    for nudge_id, state in sorted(states.items()):
        for pause in state.get("pauses", []):
            until = pause["until"]
            if until is not None and datetime.fromisoformat(until) <= now:
                continue
            if datetime.fromisoformat(pause["from"]) > now:
                continue
            name = "every nudge" if nudge_id == "*" else nudge_id
            end = (
                schedule.clock_text(datetime.fromisoformat(until), settings.tz)
                if until
                else "you resume"
            )
            lines.append(f"paused: {name} until {end}")
    return lines


def render(
    settings: Settings,
    data: dict[str, Any],
    states: dict[str, Record],
    health: dict[str, Any] | None,
    now: datetime,
) -> str:
    zone = settings.tz

    def when(text: str | None) -> str:
        return schedule.clock_text(datetime.fromisoformat(text), zone) if text else "never"

    out: list[str] = []
    if health:
        out.append(
            f"halfway is running (pid {health.get('pid', '?')}, version {health.get('version')})"
        )
    else:
        out.append(f"halfway is NOT running (no answer at http://{settings.server.listen}/healthz)")
    out += pause_lines(settings, states, now)

    fires = schedule.upcoming(
        settings.nudges, zone, settings.quiet_hours, now, now + timedelta(days=7)
    )
    out.append("")
    out.append("next fires:" if fires else "next fires: none in the next 7 days")
    out += [f"  {schedule.clock_text(f.due_at, zone)}  {f.nudge_id}" for f in fires[:5]]

    deliveries = data["deliveries"]
    waiting = [
        (d, name, result)
        for d in deliveries
        if d["state"] == "pending"
        for name, result in d["channels"].items()
        if result["state"] in ("pending", "sending", "failed")
    ]
    out.append("")
    out.append(f"outbox: {len(waiting)} send(s) waiting" if waiting else "outbox: empty, all sent")
    for delivery, name, result in waiting:
        line = f"  {delivery['nudge_id']} -> {name}: {result['state']}"
        if result["state"] == "failed":
            line += (
                f" {result['attempts']}x, next try {when(result.get('next_attempt'))}"
                f" ({result.get('error')})"
            )
        out.append(line)
    gave_up = [
        (d, name, r)
        for d in deliveries
        for name, r in d["channels"].items()
        if r["state"] == "gave_up" and d["due_at"] >= (now - timedelta(days=7)).isoformat()
    ]
    for delivery, name, result in gave_up:
        out.append(
            f"  gave up: {delivery['nudge_id']} -> {name}, due {when(delivery['due_at'])}"
            f" ({result.get('error')})"
        )

    out.append("")
    out.append("last successful send per channel:")
    for name in settings.channels:
        sent = [
            r["sent_at"]
            for d in deliveries
            for n, r in d["channels"].items()
            if n == name and r["state"] == "sent" and r.get("sent_at")
        ]
        out.append(f"  {name}: {when(max(sent) if sent else None)}")

    week = [d for d in deliveries if d["scheduled_for"] >= (now - timedelta(days=7)).isoformat()]
    counts = Counter(d["state"] for d in week)
    summary = ", ".join(
        f"{counts[s]} {s}"
        for s in ("sent", "late", "partial", "pending", "failed", "missed", "skipped")
        if counts[s]
    )
    out.append("")
    out.append(f"last 7 days: {summary or 'nothing yet'}")
    for delivery in week:
        if delivery["state"] in ("missed", "skipped"):
            out.append(
                f"  {delivery['state']}: {delivery['nudge_id']} {when(delivery['scheduled_for'])}"
            )
    return "\n".join(out)
