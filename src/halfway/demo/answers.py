"""The built-in demo's story: `halfway run --demo` answers its first nudges for you, as
if you had tapped their links, then goes quiet so you can watch halfway ease off
instead of nagging; and every event it logs gets one short line saying what it means.

Only a planner given `Demo` (by `halfway run --demo`) plays it; everything
else is untouched by this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from halfway.core import reasons
from halfway.core.deliveries import FINAL_UNSENT, MISSED, REACHED, SKIPPED
from halfway.core.instants import parse_instant
from halfway.core.rawjson import Record
from halfway.core.records import Delivery
from halfway.replies import service
from halfway.store.database import Store
from halfway.words.language import N_, _

log = logging.getLogger("halfway")


# What the demo answers, by kind, for the first fires of each nudge in one run.
ANSWERS: dict[str, tuple[str, ...]] = {
    "gesture_log": (
        N_("made me tea without asking"),
        N_("a long hug at the door"),
        N_("we laughed at the same silly video"),
        "none",  # a value, not words
    ),
    "boundary": ("held", "strained"),
    "self_regulation": ("ready", "ready"),
}
NOTE = N_("answered by the demo, as if you had tapped the link")


def is_run_fire(delivery: Record) -> bool:
    """A scheduled fire (not a reminder, a manual send or a gap record)."""
    unsent = delivery["state"] in FINAL_UNSENT
    return not (delivery.get("reminder_of") or delivery.get("manual") or unsent)


@dataclass
class Demo:
    """One run of the demo, from `started` on."""

    started: datetime

    def this_run(self, history: list[Record]) -> list[Record]:
        """The deliveries of this run: an earlier run's unanswered ones do not count."""
        return [d for d in history if parse_instant(d["created_at"]) >= self.started]

    def to_answer(
        self, view_deliveries: list[Record], answered: set[str]
    ) -> list[tuple[Record, str, bool]]:
        """The fires of this run the demo answers now: (delivery, answer, whether it is
        that nudge's last scripted answer). Only fires that reached you are answered."""
        fires = sorted(
            (d for d in self.this_run(view_deliveries) if is_run_fire(d)),
            key=lambda d: parse_instant(d["scheduled_for"]),
        )
        seen: dict[str, int] = {}
        found = []
        for delivery in fires:
            index = seen[delivery["nudge_id"]] = seen.get(delivery["nudge_id"], -1) + 1
            script = ANSWERS.get(delivery["kind"], ())
            if index >= len(script) or delivery["id"] in answered:
                continue
            if delivery["state"] in REACHED:
                value = script[index] if script[index] == "none" else _(script[index])
                found.append((delivery, value, index == len(script) - 1))
        return found

    def explain(self, record: Delivery | Record) -> str:
        return explain(record)

    def answer(self, store: Store, now: datetime) -> int:
        """Answer what the script says is due now; log each answer with a line on it."""
        view = store.view()
        answered = {r["delivery_id"] for r in view.replies()}
        done = 0
        for delivery, value, last in self.to_answer(view.records("deliveries"), answered):
            try:
                service.accept(store, dict(delivery), value, "web", now, note=_(NOTE))
            except service.ReplyError:
                continue  # closed, or a value this nudge does not take: leave it be
            done += 1
            log.info(_('demo: answered %s for you: "%s"'), delivery["nudge_id"], value)
            last_one = _(
                "that was the demo's last answer to {nudge}: from now on it stays quiet,"
                " to show how halfway eases off"
            )
            then = _("as if you had tapped its link; any answer stops its reminders")
            log.info("  ↳ %s", last_one.format(nudge=delivery["nudge_id"]) if last else then)
        return done


def explain(record: Delivery | Record) -> str:
    """One short line on what a fire, reminder or gap record means."""
    state, reason = record["state"], record.get("reason")
    if state == SKIPPED and reason == reasons.BACKOFF:
        return _("instead of nagging, halfway now skips every other one until you answer")
    if state == SKIPPED and reason == reasons.ASK_WAITING:
        return _("one ask at a time: no new one while the last ask said waits for its answer")
    if state == SKIPPED:
        return _("a paused nudge's fires are skipped, not saved up for later")
    if state == MISSED:
        return _("nothing is lost: fires from while halfway was stopped are counted here")
    if reason == reasons.SNOOZE:
        return _("you said 'later', so it asks again now")
    if record.get("reminder_of"):
        return _("no answer yet, so halfway asks once more")
    if record.get("offer_pause"):
        return _("the last few went unanswered, so this one also offers a week's pause")
    if record.get("late"):
        return _("halfway was not running at its time; it goes now, within its catch-up window")
    return _("due now: written down first, then sent (your phone would show the box below)")
