"""The stable codes a delivery's `reason` carries: why it was sent again, or not sent.

One home for them, read by the rules that write them (`reminders`, `unsent`) and by
everyone who tells them apart (the planner, the demo, history). The words people
read for a gap's code are `unsent.why`.
"""

from __future__ import annotations

# A reminder's or a re-ask's (`reminders`): why it asks again.
REMIND = "remind"  # no answer after `remind_after`
SNOOZE = "snooze"  # "later" was the answer

# A gap record's (`unsent`): why its fires were not sent.
PAUSED = "paused"  # the nudge, or everything, was paused
BACKOFF = "backoff"  # eased off after sends went unanswered (`reminders.backing_off`)
DOWN = "down"  # halfway was not running when they were due
QUIET_HOURS = "quiet_hours"  # … and the catch-up window ended in quiet hours
ASK_WAITING = "ask_waiting"  # a clarity ask while an ask said waits (one at a time)
CLOCK_JUMPED = "clock_jumped"  # the wall clock jumped ahead over them while halfway ran
