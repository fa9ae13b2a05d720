"""What a new user trips over in the config: each mistake named where it was made (the file
or the HALFWAY_* variable), every one in one pass, and `check` warning about what is left
to fill in."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from halfway.config import loader

NUDGE = '[[nudges]]\nid = "n"\nkind = "custom"\ncron = "0 9 * * *"\n'
PHONE = {"phone": "json://127.0.0.1:9/hook"}


def one_line(ran) -> str:
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in ran.err
    return lines[0]


def warnings_of(ran) -> list[str]:
    return [line for line in ran.err.splitlines() if line.startswith("warning: ")]


# mistakes in the environment name the variable, not the file ------------------------


def test_an_unknown_key_from_the_environment_names_the_variable(
    halfway, config_file, monkeypatch
) -> None:
    path = config_file(NUDGE, channels=PHONE).path
    monkeypatch.setenv("HALFWAY_SERVER__LISTN", "0.0.0.0:8470")
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert one_line(ran) == "HALFWAY_SERVER__LISTN: unknown key server.listn"


@pytest.mark.parametrize(
    ("variable", "value", "line"),
    [
        (
            "HALFWAY_SERVER__LISTEN",
            "no-port",
            "HALFWAY_SERVER__LISTEN: 'no-port' is not host:port (e.g. '127.0.0.1:8470')",
        ),
        (
            "HALFWAY_TIMEZONE",
            "Mars/Olympus",
            "HALFWAY_TIMEZONE: 'Mars/Olympus' is not an IANA time zone (e.g. 'Europe/Berlin')",
        ),
        (
            "HALFWAY_CHANNELS__PHONE",
            "carrierpigeon://coop/7",
            "HALFWAY_CHANNELS__PHONE: 'carrierpigeon://' is not a service apprise knows",
        ),
        ("halfway_send_timeout", "soon", "halfway_send_timeout: 'soon' is not a duration"),
        (
            "HALFWAY_SERVER",
            '{"public_url": "ftp://x"}',
            "HALFWAY_SERVER: server.public_url: 'ftp://x' is not an http:// or https:// address",
        ),
    ],
)
def test_a_bad_value_from_the_environment_names_the_variable_not_the_file(
    halfway, config_file, monkeypatch, variable, value, line
) -> None:
    path = config_file(NUDGE, channels=PHONE).path
    monkeypatch.setenv(variable, value)
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert one_line(ran).startswith(line)
    assert str(path) not in ran.err


def test_a_table_variable_that_is_not_json_is_named_with_every_other_problem(
    halfway, config_file, monkeypatch
) -> None:
    path = config_file(NUDGE.replace("0 9", "99 9"), channels=PHONE).path
    monkeypatch.setenv("HALFWAY_SERVER", "listen=0.0.0.0")
    monkeypatch.setenv("HALFWAY_NUDGES", "[{")
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    lines = ran.err.strip().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("HALFWAY_SERVER: is not valid JSON (")
    assert lines[1].startswith("HALFWAY_NUDGES: is not valid JSON (")


def test_a_file_mistake_beside_a_good_variable_is_still_the_files(
    halfway, config_file, monkeypatch
) -> None:
    path = config_file('[server]\npublic_url = "ftp://x"\n' + NUDGE, channels=PHONE).path
    monkeypatch.setenv("HALFWAY_SERVER__LISTEN", "127.0.0.1:9999")  # one key: the rest stays
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert one_line(ran) == (
        f"{path}: server.public_url: 'ftp://x' is not an http:// or https:// address"
    )
    # a whole [server] as JSON replaces the file's, its mistake with it
    monkeypatch.setenv("HALFWAY_SERVER", '{"listen": "127.0.0.1:9998"}')
    assert halfway("check", "--config", str(path)).code == 0


# one problem never hides another ------------------------------------------------------


def test_a_bad_channel_url_does_not_hide_unknown_channel_names(halfway, config_file) -> None:
    path = config_file(
        NUDGE + 'channels = ["pager"]\n[digest]\nchannels = ["mail"]\n',
        channels={"phone": "carrierpigeon://coop/7"},
    ).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert ran.err.strip().splitlines() == [
        f"{path}: channels.phone: 'carrierpigeon://' is not a service apprise knows",
        f"{path}: nudges[0].channels: no channel named 'pager' in [channels]",
        f"{path}: digest.channels: no channel named 'mail' in [channels]",
    ]


def test_a_bad_field_in_a_nudge_does_not_hide_its_timing_or_its_channels(
    halfway, config_file
) -> None:
    path = config_file(
        NUDGE.replace("0 9", "99 9") + 'every = "1d"\nchannels = ["pager"]\n', channels=PHONE
    ).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert ran.err.strip().splitlines() == [
        f"{path}: nudges[0].cron: '99 9 * * *' is not a valid cron expression (minute must be 0-59)",
        f"{path}: nudges[0]: needs exactly one of cron, every or at (found cron and every)",
        f"{path}: nudges[0].channels: no channel named 'pager' in [channels]",
    ]


# each literal names its own choices ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (
            NUDGE + 'reply = "maybe"\n',
            "nudges[0].reply: 'maybe' is not one of: text, choices, none",
        ),
        (
            '[imap]\nhost = "imap.mail.test"\nuser = "me"\npassword = "pw"\ntls = "tls1.3"\n',
            "imap.tls: 'tls1.3' is not one of: ssl, starttls, none",
        ),
        ('date_order = "dym"\n', "date_order: 'dym' is not one of: dmy, mdy, ymd"),
        (
            NUDGE.replace('"custom"', '"gratitude"'),
            "nudges[0].kind: 'gratitude' is not one of: self_regulation, clarity_ask, reframe,"
            " boundary, gesture_log, talk_reflection, pattern_review, custom",
        ),
    ],
)
def test_each_invalid_literal_names_its_own_allowed_values(
    halfway, config_file, body, line
) -> None:
    path = config_file(body, channels=PHONE).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert one_line(ran) == f"{path}: {line}"


# --config at a folder ------------------------------------------------------------------


def test_config_naming_a_folder_says_it_is_a_folder(halfway, tmp_path, monkeypatch) -> None:
    ran = halfway("check", "--config", str(tmp_path))
    assert ran.code == 2
    assert one_line(ran) == (
        f"{tmp_path}: is a folder, not a config file (name the file, e.g. {tmp_path / 'config.toml'})"
    )
    monkeypatch.setenv("HALFWAY_CONFIG", str(tmp_path))
    assert "is a folder" in one_line(halfway("status"))


def test_init_into_a_folder_says_so_and_writes_nothing(halfway, tmp_path) -> None:
    before = sorted(tmp_path.iterdir())
    ran = halfway("init", "--config", str(tmp_path))
    assert ran.code == 2
    assert "is a folder" in one_line(ran)
    assert sorted(tmp_path.iterdir()) == before


# init writes no placeholders; check warns about what is left to fill in ----------------


def test_init_leaves_placeholders_commented_out_and_check_asks_only_for_a_channel(
    halfway, tmp_path
) -> None:
    path = tmp_path / "config.toml"
    assert halfway("init", "--config", str(path)).code == 0
    text = path.read_text()
    live = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert not [line for line in live if loader.example_domains(line)]
    assert not [line for line in live if line.startswith(("channels", "public_url"))]

    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    assert warnings_of(ran) == [
        f"warning: {path}: channels: none yet, so no nudge can reach you; add one under"
        ' [channels], e.g. phone = "ntfy://ntfy.sh/your-secret-topic"'
    ]


def test_after_init_setting_only_phone_reaches_every_nudge_and_check_is_quiet(
    halfway, tmp_path
) -> None:
    path = tmp_path / "config.toml"
    assert halfway("init", "--config", str(path)).code == 0
    text, count = re.subn(
        r"^# phone = .*$",
        'phone = "ntfy://ntfy.sh/halfway-q8r2k7v1m3x9w4p"',
        path.read_text(),
        flags=re.M,
    )
    assert count == 1
    path.write_text(text)
    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    assert ran.err == ""
    settings = loader.load(path)
    assert settings.nudges
    for nudge in settings.nudges:
        assert list(settings.channels_of(nudge.channels)) == ["phone"]
    assert list(settings.channels_of(settings.digest.channels)) == ["phone"]


def test_check_warns_about_example_addresses_in_channels_and_public_url(
    halfway, config_file
) -> None:
    path = config_file(
        '[server]\npublic_url = "https://halfway.example.net"\n' + NUDGE,
        channels={
            "phone": "ntfy://ntfy.example.net/halfway-7f3a",
            "email": "mailto://user:pw@mail.example.com?to=me@example.org",
            "real": "json://127.0.0.1:9/hook",
        },
    ).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    assert "valid (3 warnings, at the end)" in ran.out
    assert warnings_of(ran) == [
        f"warning: {path}: channels.phone: ntfy.example.net is an example address,"
        " so nothing sent there reaches you",
        f"warning: {path}: channels.email: mail.example.com and example.org are example"
        " addresses, so nothing sent there reaches you",
        f"warning: {path}: server.public_url: halfway.example.net is an example address,"
        " so reply links lead nowhere",
    ]
    assert "pw@" not in ran.err


def test_check_warns_about_a_guessable_ntfy_topic_on_the_public_server(
    halfway, config_file
) -> None:
    path = config_file(
        NUDGE,
        channels={
            "phone": "ntfy://ntfy.sh/your-secret-topic",  # the README's own placeholder
            "short": "ntfys://ntfy.sh/halfway-7f3a",
            "fine": "ntfy://ntfy.sh/halfway-k2v9x7q4m1z8w3p6",
            "own": "ntfy://ntfy.home.lan/t",  # a server of one's own: not public
        },
    ).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    warned = [w for w in warnings_of(ran) if "ntfy topic" in w]
    assert [w.split(": ")[2] for w in warned] == ["channels.phone", "channels.short"]
    assert "your-secret-topic" not in ran.err  # the topic is a secret: never printed


def test_check_warns_when_links_stay_on_loopback_but_the_server_listens_for_others(
    halfway, config_file
) -> None:
    path = config_file(
        '[server]\nlisten = "0.0.0.0:8470"\npublic_url = "http://127.0.0.1:8470"\n' + NUDGE,
        channels=PHONE,
    ).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    assert warnings_of(ran) == [
        f"warning: {path}: server.public_url: http://127.0.0.1:8470 opens only on this machine,"
        " but halfway listens on 0.0.0.0:8470 for others; set it to the address your phone reaches"
    ]


def test_check_warns_when_links_would_point_at_any_address(halfway, config_file) -> None:
    path = config_file('[server]\nlisten = "0.0.0.0:8470"\n' + NUDGE, channels=PHONE).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    assert warnings_of(ran) == [
        f"warning: {path}: server.public_url: http://0.0.0.0:8470 is no address a phone can"
        " open (it follows server.listen); set it to the address your phone reaches"
    ]


def test_check_warns_when_there_is_nothing_to_send_or_nowhere_to_send_it(
    halfway, config_file
) -> None:
    path = config_file().path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    assert [line.split(": ")[2] for line in warnings_of(ran)] == ["channels", "nudges"]


def test_check_warns_about_a_one_off_nudge_whose_time_has_passed(halfway, config_file) -> None:
    now = datetime.now(UTC)
    body = "".join(
        f'[[nudges]]\nid = "n{i}"\nkind = "custom"\nat = "{when.isoformat(timespec="seconds")}"\n'
        for i, when in enumerate(
            [now - timedelta(days=400), now - timedelta(hours=1), now + timedelta(days=3)]
        )
    )
    path = config_file(body, channels=PHONE).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    found = warnings_of(ran)
    assert len(found) == 2, found
    assert found[0].startswith(f"warning: {path}: nudges[0].at: ")
    assert found[0].endswith("has passed, so this one-off nudge has nothing left to send")
    assert found[1].startswith(f"warning: {path}: nudges[1].at: ")
    assert found[1].endswith(
        "has passed; this one-off nudge goes out late, once, unless it already has"
    )


def test_check_warns_about_a_halfway_variable_that_sets_nothing(
    halfway, config_file, monkeypatch
) -> None:
    path = config_file(NUDGE, channels=PHONE).path
    monkeypatch.setenv("HALFWAY_TIMEZON", "Europe/Paris")
    monkeypatch.setenv("HALFWAY_CONFIG", str(path))
    ran = halfway("check")
    assert ran.code == 0, ran.err
    assert warnings_of(ran) == [
        "warning: HALFWAY_TIMEZON: not a setting halfway knows, so it changes nothing"
        " (check the spelling)"
    ]


def test_check_on_a_good_config_warns_about_nothing(halfway, config_file) -> None:
    ran = halfway("check", "--config", str(config_file(NUDGE, channels=PHONE).path))
    assert ran.code == 0, ran.err
    assert ran.err == ""


def test_a_data_dir_that_cannot_be_created_is_an_error_and_nothing_is_made(
    halfway, config_file, tmp_path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    path = config_file(f'data_dir = "{blocker / "data"}"\n' + NUDGE, channels=PHONE, data_dir=False)
    ran = halfway("check", "--config", str(path.path))
    assert ran.code == 2
    assert one_line(ran) == (
        f"{path.path}: data_dir: '{blocker / 'data'}' cannot be created:"
        f" {blocker} is a file, not a folder"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "not-a-folder"]


def test_a_data_dir_from_the_environment_names_the_variable(
    halfway, config_file, monkeypatch, tmp_path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    path = config_file(NUDGE, channels=PHONE).path
    monkeypatch.setenv("HALFWAY_DATA_DIR", str(blocker))
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert one_line(ran) == f"HALFWAY_DATA_DIR: '{blocker}' is a file, not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any folder")
def test_a_data_dir_this_user_cannot_write_is_an_error(halfway, config_file, tmp_path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    path = config_file(f'data_dir = "{locked / "data"}"\n' + NUDGE, channels=PHONE, data_dir=False)
    ran = halfway("check", "--config", str(path.path))
    assert ran.code == 2
    assert "cannot be created" in one_line(ran)
    assert not (locked / "data").exists()


def test_a_default_data_dir_that_cannot_be_made_says_it_is_the_default(
    halfway, config_file, monkeypatch, tmp_path
) -> None:
    blocker = tmp_path / "state-file"
    blocker.write_text("")
    monkeypatch.setenv("STATE_DIRECTORY", str(blocker / "halfway"))  # as systemd would
    path = config_file(NUDGE, channels=PHONE, data_dir=False).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert one_line(ran).endswith("(the default; set data_dir to choose another folder)")


def test_example_domains_are_found_only_where_they_are() -> None:
    assert loader.example_domains("ntfys://ntfy.example.net/t") == ["ntfy.example.net"]
    assert loader.example_domains("https://example.com") == ["example.com"]
    assert loader.example_domains("json://a.example/x") == ["a.example"]
    assert loader.example_domains("ntfy://ntfy.sh/example-topic") == []
    assert loader.example_domains("https://example.mycompany.de/x") == []
    assert loader.example_domains(str(Path("/srv/example.json"))) == []
