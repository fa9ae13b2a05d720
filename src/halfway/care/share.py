"""What the weekly digest and the care nudge share, so that a care note goes out once:
inside the week's digest when a digest goes out that week, else as its own nudge.

- `enabled(settings)`: the care notes `[care]` has on, for both of them;
- `fired(meta)` / `with_fired(meta, remember)`: what has fired, per trigger the
  occurrence it fired for, kept in the hot file's `meta["care"]["fired"]` (the care
  check's `checked` beside it is left as it is);
- `digest_job(settings)`: the digest's schedule and cursor (`core.weeklyjob`);
- `digest_this_week(…)`: whether a digest is still to go out in now's week (then the
  care check leaves its notes to it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from halfway.care import triggers
from halfway.config.models import Settings, check_nudge
from halfway.core import weeks
from halfway.core.rawjson import ReadOnly, Record
from halfway.core.weeklyjob import WeeklyJob

CARE_META = "care"
DIGEST_META = "digest"
DIGEST_ID = "digest"  # the id pauses use ('halfway pause --all' pauses the digest too)


def enabled(settings: Settings) -> list[str]:
    """The care triggers that are on. The notes that movement has returned and that
    nothing has been written for long follow the counsellor switch (they speak of
    counselling); the boundary note, the boundaries one."""
    own = settings.care
    switches = {
        triggers.STEP_BACK: own.step_back,
        triggers.REVISIT_BOUNDARIES: own.revisit_boundaries,
        triggers.COUNSELLOR: own.counsellor,
        triggers.MOVEMENT_RETURNS_NOTE: own.counsellor,
        triggers.BOUNDARY_SAFETY: own.revisit_boundaries,
        triggers.LONG_QUIET: own.counsellor,
    }
    return [trigger for trigger in triggers.TRIGGERS if switches[trigger]]


def fired(meta: ReadOnly) -> dict[str, object]:
    found = (meta.get(CARE_META) or {}).get("fired")
    return dict(found) if isinstance(found, Mapping) else {}


def with_fired(meta: ReadOnly, remember: Mapping[str, object]) -> dict[str, object]:
    """The `meta["care"]` to write: as it is, with `remember` as what has fired."""
    return {**dict(meta.get(CARE_META) or {}), "fired": dict(remember)}


def digest_channels(settings: Settings) -> list[str]:
    return list(settings.channels_of(list(settings.digest.channels)))


def digest_job(settings: Settings) -> WeeklyJob:
    """The digest's schedule and cursor (`meta["digest"]`); off when it has nowhere to go."""
    channels = digest_channels(settings)
    check = check_nudge(DIGEST_ID, settings.digest.cron, channels) if channels else None
    return WeeklyJob(check, DIGEST_META, settings.tz, settings.quiet_hours)


def digest_this_week(
    settings: Settings,
    meta: ReadOnly,
    nudges: Iterable[Record],
    now: datetime,
) -> bool:
    """Whether a digest is still to be recorded in now's local week, not paused then
    (`nudges`: the hot file's cursor rows, where the pauses are)."""
    job = digest_job(settings)
    fire = job.next_fire(meta, now)
    if fire is None:
        return False
    week_end = weeks.week_end(weeks.week_of(now, settings.tz), settings.tz)
    return fire.due_at < week_end and not job.paused(nudges, fire)
