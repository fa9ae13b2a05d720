"""Constructed histories for the digest tests: records shaped as halfway writes them
(instants stored as UTC ISO text), written from local wall times in one zone."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from halfway.core.instants import format_instant

Record = dict[str, Any]
_ids = itertools.count(1)


def moment(local: str, zone: str) -> str:
    """'2026-11-24 20:00' in `zone`, as the store keeps it."""
    return format_instant(datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)))


class History:
    """Tables being filled, in one zone."""

    def __init__(self, zone: str = "Europe/Berlin") -> None:
        self.zone = zone
        self.tables: dict[str, list[Record]] = {
            name: [] for name in ("deliveries", "replies", "entries", "talks", "asks", "boundaries")
        }

    def at(self, local: str) -> str:
        return moment(local, self.zone)

    def nudge(self, kind: str, local: str, state: str = "sent", **more: Any) -> Record:
        delivery = {
            "id": f"d_{next(_ids):06d}",
            "nudge_id": more.pop("nudge_id", f"my-{kind}"),
            "kind": kind,
            "scheduled_for": self.at(local),
            "due_at": self.at(local),
            "state": state,
            "channels": {"phone": {"state": "sent", "attempts": 1, "sent_at": self.at(local)}},
            **more,
        }
        self.tables["deliveries"].append(delivery)
        return delivery

    def answer(self, kind: str, local: str, value: str, received: str | None = None) -> Record:
        delivery = self.nudge(kind, local)
        reply = {
            "id": f"r_{next(_ids):06d}",
            "delivery_id": delivery["id"],
            "value": value,
            "note": None,
            "via": "web",
            "received_at": self.at(received or local),
        }
        self.tables["replies"].append(reply)
        return reply

    def gap(self, state: str, local: str, count: int) -> None:
        self.nudge("gesture_log", local, state=state, count=count)

    def log(self, kind: str, local: str, text: str = "", by: str | None = None) -> None:
        entry = {"id": f"e_{next(_ids):06d}", "kind": kind, "text": text, "at": self.at(local)}
        if by:
            entry["by"] = by
        self.tables["entries"].append(entry)

    def ask(self, text: str, local: str, *moves: tuple[str, str]) -> None:
        history = [{"state": "made", "at": self.at(local)}]
        history += [{"state": state, "at": self.at(when)} for state, when in moves]
        self.tables["asks"].append(
            {
                "id": f"a_{next(_ids):06d}",
                "text": text,
                "state": history[-1]["state"],
                "at": self.at(local),
                "history": history,
            }
        )

    def boundary(self, text: str, *answers: tuple[str, str]) -> None:
        self.tables["boundaries"].append(
            {
                "id": f"b_{next(_ids):06d}",
                "text": text,
                "active": True,
                "source": "cli",
                "created_at": self.at("2026-01-01 09:00"),
                "answers": [
                    {"delivery_id": "d_x", "value": value, "note": None, "at": self.at(when)}
                    for value, when in answers
                ],
            }
        )
