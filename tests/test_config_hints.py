"""What a new user trips over in `check`: a fire moved by quiet hours says so,
a [quiet_hours] without its times says that leaving the table out turns them off, and a
channel URL apprise refuses names the part that is missing or the URL to write instead."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

NUDGE = '[[nudges]]\nid = "late"\nkind = "custom"\ncron = "0 23 * * *"\n'
PHONE = {"phone": "json://127.0.0.1:9/hook"}
HINT = "(or leave the [quiet_hours] table out to have no quiet hours)"


def refused(halfway, config_file, body: str, channels=PHONE) -> str:
    config = config_file(body, channels=channels)
    ran = halfway("check", "--config", str(config.path))
    assert ran.code == 2, (ran.out, ran.err)
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{config.path}: "), lines[0]
    return lines[0].removeprefix(f"{config.path}: ")


def test_check_says_which_fires_quiet_hours_moved(halfway, config_file) -> None:
    body = '[quiet_hours]\nstart = "22:00"\nend = "07:30"\n' + NUDGE
    body += '[[nudges]]\nid = "noon"\nkind = "custom"\ncron = "0 14 * * *"\n'
    with freeze_time(datetime(2026, 12, 2, 12, 0, tzinfo=UTC)):
        ran = halfway("check", "--config", str(config_file(body, channels=PHONE).path))
    assert ran.code == 0, ran.err
    late = next(line for line in ran.out.splitlines() if "late (custom)" in line)
    assert late == (
        "  late (custom): Thu 2026-12-03 07:30 CET (after quiet hours),"
        " Fri 2026-12-04 07:30 CET (after quiet hours), Sat 2026-12-05 07:30 CET"
        " (after quiet hours)"
    )
    noon = next(line for line in ran.out.splitlines() if "noon (custom)" in line)
    assert "quiet" not in noon


def test_quiet_hours_without_their_times_say_that_leaving_the_table_out_ends_them(
    halfway, config_file
) -> None:
    commented = '[quiet_hours]\n# start = "22:00"\n# end = "07:30"\n' + NUDGE
    assert refused(halfway, config_file, commented) == (
        "quiet_hours: has neither start nor end: give both, or leave the [quiet_hours]"
        " table out to have no quiet hours"
    )
    only_end = '[quiet_hours]\nend = "07:30"\n' + NUDGE
    assert refused(halfway, config_file, only_end) == f"quiet_hours.start: is required {HINT}"
    no_password = '[imap]\nhost = "127.0.0.1"\nuser = "me"\n' + NUDGE
    assert refused(halfway, config_file, no_password) == (
        "imap.password: is required (or leave the [imap] table out to take no replies by e-mail)"
    )


@pytest.mark.parametrize(
    ("url", "line"),
    [
        (
            "mailto://127.0.0.1:2525?to=me@home.lan",
            "channels.mail: is not a valid 'mailto://' URL: it has no sender address apprise"
            " can use; add from= (e.g. ?to=me@home.lan&from=halfway@home.lan)",
        ),
        (
            "http://127.0.0.1:8080/hook",
            "channels.mail: 'http://' is a web address, not a channel: for an ntfy server write"
            " ntfy://host/topic, for a web hook that takes JSON json://host/path",
        ),
        (
            "https://push.home.lan/halfway",
            "channels.mail: 'https://' is a web address, not a channel: for an ntfy server"
            " write ntfys://host/topic, for a web hook that takes JSON jsons://host/path",
        ),
    ],
)
def test_a_refused_channel_url_names_what_to_write(halfway, config_file, url, line) -> None:
    body = NUDGE + 'channels = ["mail"]\n'
    assert refused(halfway, config_file, body, channels={"mail": url}) == line


def test_a_mail_url_with_its_sender_is_taken(halfway, config_file) -> None:
    url = "mailto://127.0.0.1:2525?to=me@home.lan&from=halfway@home.lan"
    ran = halfway("check", "--config", str(config_file(NUDGE, channels={"mail": url}).path))
    assert ran.code == 0, ran.err
