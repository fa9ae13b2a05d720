"""What `halfway ask list` and `halfway boundary list` show, and the private app's asks
and boundaries pages with them: one reading of the store for both doors.

- `asks_shown`: the open asks, oldest first, as they stand now (one whose time has come
  rests, written down or not), and how many rest; with `everything`, the archives too,
  and the resting and followed-up asks after the open ones (`--all`).
- `boundaries_shown`: the active boundaries in their stable order, then the retired
  ones; with `everything`, those retired long ago (archived) too.
- `latest_answer`: a boundary's most recent answer (held, strained, crossed), or None:
  how it held last, never a count.
- `stamp`: an instant as both lists print it, in the person's zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import NamedTuple

from halfway.core.instants import parse_instant
from halfway.ledger import asks, boundaries
from halfway.store.database import Record, Store


def stamp(text: str, zone: tzinfo) -> str:
    """'2026-11-25 19:30': a stored instant in `zone`, as the lists print it."""
    return parse_instant(text).astimezone(zone).strftime("%Y-%m-%d %H:%M")


class AskList(NamedTuple):
    shown: list[Record]  # what the list shows, in its order
    resting: int  # how many of those read rest
    read: int  # how many asks were read at all (none: "no asks yet")


def asks_shown(
    store: Store, now: datetime, rest_after: timedelta, everything: bool = False
) -> AskList:
    """The asks a list shows, and how many of all of them rest (see the module)."""
    # Settled asks leave the hot file a week after their last change (store/layout).
    found = store.everything()["asks"] if everything else store.view().records("asks")
    records = asks.all_current(found, now, rest_after)
    shown = asks.listed(records, everything=everything)
    return AskList(shown, len(asks.resting(records)), len(records))


def boundaries_shown(store: Store, everything: bool = False) -> list[Record]:
    """The active boundaries in their stable order, then the retired ones."""
    # A retired boundary leaves the hot file a week after (store/layout); `everything`
    # reads the archives too.
    found = store.everything()["boundaries"] if everything else store.view().records("boundaries")
    return boundaries.active(found) + [b for b in found if not b.get("active")]


def latest_answer(boundary: Record) -> Record | None:
    """The boundary's most recent answer, or None when it was never answered."""
    answers: list[Record] = list(boundary.get("answers") or [])
    return max(answers, key=lambda a: parse_instant(a["at"]), default=None)
