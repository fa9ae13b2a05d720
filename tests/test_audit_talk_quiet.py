"""Talks' steps moved by quiet hours say so, and `status` and `upcoming` show every kind
of fire to come: the talks' steps, the weekly digest and the care check."""

from __future__ import annotations

from datetime import UTC, datetime

from freezegun import freeze_time

from halfway.care.nudging import CareNudges
from halfway.config import loader
from halfway.core.schedule import clock_text
from halfway.digest.weekly import DigestNudges
from halfway.engine.planner import Planner
from halfway.store.database import Store

QUIET = '[quiet_hours]\nstart = "22:00"\nend = "07:30"\n'
EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
PUSH = {"push": "json://127.0.0.1:9/x"}
NOW = "2026-12-01T09:00:00Z"  # Tue 10:00 in Berlin


def talk_id_of(out: str) -> str:
    return out.split()[2].rstrip(":")


@freeze_time(NOW)
def test_a_reflection_moved_by_quiet_hours_says_so_everywhere(halfway, config_file) -> None:
    path = str(config_file(QUIET + EVENING, channels=PUSH).path)
    added = halfway("talk", "add", "tomorrow 20:30", "--config", path)
    assert added.code == 0, added.err
    reflection = "talk_reflection  Thu 2026-12-03 07:30 CET (after quiet hours)"
    assert f"  {reflection}" in added.out.splitlines()
    assert "  self_regulation  Wed 2026-12-02 19:30 CET" in added.out.splitlines()
    talk_id = talk_id_of(added.out)
    assert f"  {reflection}" in halfway("talk", "list", "--config", path).out.splitlines()
    moved = halfway("talk", "move", talk_id, "in 3 days 21:00", "--config", path)
    assert "  talk_reflection  Sat 2026-12-05 07:30 CET (after quiet hours)" in moved.out
    upcoming = halfway("upcoming", "--days", "5", "--config", path).out.splitlines()
    assert (
        f"Sat 2026-12-05 07:30 CET  talk {talk_id} (talk_reflection, after quiet hours)" in upcoming
    )
    assert f"Fri 2026-12-04 20:00 CET  talk {talk_id} (self_regulation)" in upcoming


def test_a_step_quiet_hours_now_cover_is_shown_when_it_will_really_go(halfway, config_file) -> None:
    """Planned without quiet hours, a step at 23:00 waits for 07:30 once they are set."""
    with freeze_time(NOW):
        written = config_file(EVENING, channels=PUSH)
        added = halfway("talk", "add", "2026-12-02 21:00", "--config", str(written.path))
        assert "  talk_reflection  Wed 2026-12-02 23:00 CET" in added.out.splitlines()
        config_file(QUIET + EVENING, channels=PUSH)
        listed = halfway("talk", "list", "--config", str(written.path)).out.splitlines()
    assert "  talk_reflection  Thu 2026-12-03 07:30 CET (after quiet hours)" in listed


@freeze_time(NOW)
def test_status_and_upcoming_show_talk_steps_the_digest_and_the_care_check(
    halfway, config_file
) -> None:
    written = config_file(QUIET + EVENING, channels=PUSH, server=True)
    path = str(written.path)
    added = halfway("talk", "add", "tomorrow 20:30", "--topic", "us", "--config", path)
    talk_id = talk_id_of(added.out)

    # The times the daemon's own services compute, at the same instant.
    now = datetime.now(UTC)
    settings = loader.load(written.path)
    store = Store(settings.data_dir, create=False)
    clock = lambda: now  # noqa: E731
    digest_at = DigestNudges(settings, store, clock).next_wake()
    care = CareNudges(settings, store, clock, Planner(settings, store, clock, b""))
    care_at = care.next_wake()
    assert digest_at is not None
    assert care_at is not None
    zone = settings.tz
    assert clock_text(digest_at, zone) == "Mon 2026-12-07 08:00 CET"  # [digest]'s default
    assert clock_text(care_at, zone) == "Mon 2026-12-07 10:00 CET"  # [care]'s default

    status = halfway("status", "--config", path)
    assert status.code == 3, status.err  # no daemon answers
    lines = status.out.splitlines()
    start = lines.index("next fires:")
    assert lines[start + 1 : start + 8] == [
        f"  Tue 2026-12-01 19:00 CET  talk {talk_id} (clarity_ask) about “us”",
        f"  Tue 2026-12-01 19:30 CET  talk {talk_id} (reframe) about “us”",
        "  Tue 2026-12-01 20:00 CET  evening",
        f"  Wed 2026-12-02 19:30 CET  talk {talk_id} (self_regulation) about “us”",
        "  Wed 2026-12-02 20:00 CET  evening",
        f"weekly digest: next {clock_text(digest_at, zone)}",
        f"care check: next {clock_text(care_at, zone)}",
    ]

    upcoming = halfway("upcoming", "--days", "7", "--limit", "20", "--config", path)
    assert upcoming.code == 0, upcoming.err
    assert f"{clock_text(digest_at, zone)}  weekly digest" in upcoming.out.splitlines()
    assert f"{clock_text(care_at, zone)}  care check" in upcoming.out.splitlines()
    assert (
        f"Thu 2026-12-03 07:30 CET  talk {talk_id} (talk_reflection) about “us”"
        " (after quiet hours)" in upcoming.out.splitlines()
    )


@freeze_time(NOW)
def test_status_says_when_the_digest_is_off_and_hides_a_paused_check(halfway, config_file) -> None:
    body = EVENING + "[care]\nstep_back = false\nrevisit_boundaries = false\ncounsellor = false\n"
    path = str(config_file(body, channels=PUSH, server=True).path)
    assert halfway("pause", "--all", "--config", path).code == 0
    out = halfway("status", "--config", path).out.splitlines()
    assert "care check: off (every trigger is off)" in out
    digest = next(line for line in out if line.startswith("weekly digest: next "))
    assert digest.endswith("(skipped: halfway is paused then)")
    upcoming = halfway("upcoming", "--days", "8", "--config", path).out
    assert "weekly digest" not in upcoming
