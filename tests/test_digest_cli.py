"""`halfway digest`: preview, --out, --send, and the weeks it refuses."""

from __future__ import annotations

import email
import stat
from email.policy import default

import pytest

from .engine import first_start
from .test_digest_mail import last_week_history, seed


@pytest.fixture
def seeded(config_file):
    history, week = last_week_history()
    written = config_file()
    seed(written.data_dir, history)
    return written, week


def test_the_preview_prints_last_week_as_text(halfway, seeded) -> None:
    written, week = seeded
    ran = halfway("digest", "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert ran.out.startswith("Your week, gently · ")
    assert "- Tue" in ran.out
    assert "tea brought to my desk" in ran.out
    assert "THE LAST 8 WEEKS" in ran.out
    assert "not professional advice" in ran.out
    assert ran.out == halfway("digest", "--week", week, "--config", str(written.path)).out


def test_out_writes_html_for_its_owner_only_and_never_over_a_file(
    halfway, seeded, tmp_path
) -> None:
    written, week = seeded
    out = tmp_path / "week.html"
    ran = halfway("digest", "--week", week, "--out", str(out), "--config", str(written.path))
    assert (ran.code, ran.out) == (0, f"wrote {out} (readable by you only)\n")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "tea brought to my desk" in out.read_text()
    again = halfway("digest", "--out", str(out), "--config", str(written.path))
    assert again.code == 2
    assert again.err == f"halfway digest: --out: {out} already exists; add --force to replace it\n"
    forced = halfway("digest", "--out", str(out), "--force", "--config", str(written.path))
    assert forced.code == 0


@pytest.mark.parametrize(
    ("week", "problem"),
    [
        ("2026-W99", "2026 has no week 99"),
        ("2999-W01", "2999-W01 has not begun yet"),
        ("48", "'48' is not a week like 2026-W48"),
        ("0001-W01", "0001-W01: halfway has no weeks before 1970"),  # overflowed: exit 1
        ("1969-W52", "1969-W52: halfway has no weeks before 1970"),
    ],
)
def test_an_impossible_week_is_exit_2_with_one_line(halfway, seeded, week, problem) -> None:
    written, _ = seeded
    ran = halfway("digest", "--week", week, "--config", str(written.path))
    assert ran.code == 2
    assert ran.out == ""
    assert ran.err.count("\n") == 1
    assert problem in ran.err
    assert ran.err.startswith("halfway digest: --week: ")


def test_help_names_every_option(halfway) -> None:
    ran = halfway("digest", "--help")
    assert ran.code == 0
    for option in ("--week", "--out", "--force", "--send", "--link"):
        assert option in ran.out


def test_send_goes_out_now_through_the_outbox(halfway, config_file, smtp_receiver) -> None:
    history, week = last_week_history()
    written = config_file(channels={"mail": smtp_receiver.url()})
    seed(written.data_dir, history)
    first_start(written.data_dir)
    ran = halfway("digest", "--send", "--config", str(written.path))
    assert (ran.code, ran.out) == (0, "mail: sent\n"), ran.err
    [received] = smtp_receiver.messages
    message = email.message_from_bytes(received.content, policy=default)
    assert {p.get_content_type() for p in message.walk()} >= {"text/plain", "text/html"}
    exported = halfway("export", "--config", str(written.path)).out
    assert f'"nudge_id":"digest:{week}"' in exported.replace(" ", "")
    again = halfway("digest", "--send", "--config", str(written.path))
    assert again.code == 2  # a week sent already is not sent twice by accident
    assert f"the digest of {week} went out already" in again.err
    assert len(smtp_receiver.messages) == 1
    forced = halfway("digest", "--send", "--force", "--config", str(written.path))
    assert (forced.code, forced.out) == (0, "mail: sent\n"), forced.err
    assert len(smtp_receiver.messages) == 2


def test_link_before_the_first_start_says_how_to_make_it(halfway, seeded) -> None:
    written, _ = seeded
    ran = halfway("digest", "--link", "--config", str(written.path))
    assert ran.code == 1
    assert "no private links yet" in ran.err
    assert "'halfway run'" in ran.err


def test_a_talk_the_partner_began_and_a_hurt_logged_reach_this_weeks_digest(
    halfway, config_file
) -> None:
    """`talk add --by partner` is movement; `log hurt` is shown and counts as nothing."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from halfway.digest import figures

    path = str(config_file().path)
    week = figures.week_name(figures.care.week_of(datetime.now(UTC), ZoneInfo("Europe/Berlin")))
    before = halfway("digest", "--week", week, "--config", path).out
    assert "Movement noted in 0 of the last 8 weeks." in before
    logged = halfway("log", "hurt", "the door slammed", "--by", "partner", "--config", path)
    assert logged.code == 0, logged.err
    hurt = halfway("digest", "--week", week, "--config", path).out
    assert "the door slammed" in hurt
    assert ": no movement noted (this week)" in hurt
    assert "Movement noted in 0 of the last 8 weeks." in hurt
    planned = halfway("talk", "add", "in 3 days 19:00", "--by", "partner", "--config", path)
    assert planned.code == 0, planned.err
    assert ", their idea" in planned.out
    moved = halfway("digest", "--week", week, "--config", path).out
    assert "- They began a talk or a plan." in moved
    assert ": movement noted (this week)" in moved
    assert "Movement noted in 1 of the last 8 weeks." in moved
