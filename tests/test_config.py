"""Config: the example loads, every kind of mistake is one clear line and exit 2."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from datetime import time, timedelta
from pathlib import Path

import pytest

from halfway.channels import sending
from halfway.config import loader
from halfway.config.loader import ConfigError

from .conftest import ROOT

NUDGE = '[[nudges]]\nid = "n"\nkind = "custom"\ncron = "0 9 * * *"\n'


def test_the_example_config_loads_with_every_section() -> None:
    settings = loader.load(ROOT / "config.example.toml", sending.url_problem)
    assert settings.timezone == "Europe/Berlin"
    assert settings.quiet_hours is not None
    assert settings.quiet_hours.start == time(22, 0)
    assert settings.channels == {}  # the starter leaves them for you to fill in
    assert all(not n.channels for n in settings.nudges)  # so every nudge uses them all
    assert settings.digest.channels == []
    assert [n.id for n in settings.nudges] == [
        "evening-gestures",
        "my-boundary",
        "weekly-ask",
        "weekly-review",
    ]
    assert settings.nudges[1].every == timedelta(days=3)
    assert settings.nudges[3].catch_up == timedelta(hours=12)
    assert settings.digest.cron == "0 8 * * mon"


def test_check_on_the_example_config_exits_zero(halfway) -> None:
    ran = halfway("check", "--config", str(ROOT / "config.example.toml"))
    assert ran.code == 0, ran.err
    assert "evening-gestures (gesture_log): " in ran.out
    assert "20:00 CET" in ran.out
    assert "\nchannels: none yet\n" in ran.out  # not an empty header
    assert [line.split(": ")[2] for line in ran.err.splitlines()] == ["channels"]


def test_check_shows_seconds_where_a_nudge_needs_them_as_upcoming_does(
    halfway, config_file
) -> None:
    body = NUDGE + '[[nudges]]\nid = "often"\nkind = "custom"\nevery = "5s"\n'
    ran = halfway("check", "--config", str(config_file(body).path))
    assert ran.code == 0, ran.err
    lines = {line.split(" (")[0].strip(): line for line in ran.out.splitlines()}
    fires = lines["often"].split("): ")[1].split(", ")
    assert len(fires) == 3
    assert all(re.search(r" \d\d:\d\d:\d\d [A-Z]", fire) for fire in fires), fires
    assert len(set(fires)) == 3  # five seconds apart, told apart
    # one list, one precision: the cron's whole minutes beside them show their seconds too
    assert re.search(r" 09:00:00 CE", lines["n"])
    alone = halfway("check", "--config", str(config_file(NUDGE).path)).out
    assert re.search(r" 09:00 CE", alone)  # a cron at whole minutes alone keeps its minutes


@pytest.mark.parametrize(
    ("body", "line"),
    [
        (
            NUDGE.replace("0 9 * * *", "61 * * * *"),
            "nudges[0].cron: '61 * * * *' is not a valid cron expression (minute must be 0-59)",
        ),
        (
            NUDGE.replace("0 9 * * *", "0 9 * *"),
            "nudges[0].cron: '0 9 * *' is not a valid cron expression (needs 5 fields",
        ),
        (
            NUDGE.replace('cron = "0 9 * * *"', 'every = "3x"'),
            "nudges[0].every: '3x' is not a duration",
        ),
        (
            NUDGE.replace('cron = "0 9 * * *"', 'at = "next friday"'),
            "nudges[0].at: 'next friday' is not an ISO date-time",
        ),
        (
            NUDGE + 'every = "1d"\n',
            "nudges[0]: needs exactly one of cron, every or at (found cron and every)",
        ),
        (
            NUDGE.replace('cron = "0 9 * * *"\n', ""),
            "nudges[0]: needs exactly one of cron, every or at (found none)",
        ),
        (
            NUDGE.replace('id = "n"', 'id = "Evening Gestures"'),
            "nudges[0].id: 'Evening Gestures' may only use a-z, 0-9 and '-'",
        ),
        (NUDGE + NUDGE, "nudges[1].id: 'n' is used by an earlier nudge"),
        (NUDGE.replace('"custom"', '"gratitude"'), "nudges[0].kind: 'gratitude' is not one of:"),
        (
            NUDGE + 'channels = ["pager"]\n',
            "nudges[0].channels: no channel named 'pager' in [channels]",
        ),
        (NUDGE + 'chanels = ["phone"]\n', "nudges[0].chanels: unknown key (check the spelling)"),
        ('[server]\nlisten = "localhost"\n', "server.listen: 'localhost' is not host:port"),
        (
            '[quiet_hours]\nstart = "23:75"\nend = "07:00"\n',
            "quiet_hours.start: '23:75' is not a time of day",
        ),
        (
            '[channels]\nphone = "carrierpigeon://coop/7"\n',
            "channels.phone: 'carrierpigeon://' is not a service apprise knows",
        ),
        ('[digest]\nchannels = ["email"]\n', "digest.channels: no channel named 'email'"),
    ],
)
def test_each_kind_of_bad_value_gives_one_line_and_exit_2(halfway, config_file, body, line) -> None:
    path = config_file(body).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path}: {line}")
    assert "Traceback" not in ran.err
    assert "pydantic" not in ran.err
    assert "http" not in ran.err


def test_a_bad_time_zone_is_named(halfway, config_file) -> None:
    path = config_file(name="c.toml", timezone="Mars/Olympus", data_dir=False).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert (
        ran.err.strip()
        == f"{path}: timezone: 'Mars/Olympus' is not an IANA time zone (e.g. 'Europe/Berlin')"
    )


def test_all_problems_are_reported_at_once(halfway, config_file) -> None:
    path = config_file(
        'colour = "blue"\n[server]\nlisten = "nowhere"\n'
        + NUDGE.replace("0 9", "99 9")
        + NUDGE.replace('"custom"', '"nope"').replace('"n"', '"m"')
    ).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert len(ran.err.strip().splitlines()) == 4
    for key in ("colour:", "server.listen:", "nudges[0].cron:", "nudges[1].kind:"):
        assert key in ran.err


def test_a_toml_syntax_error_names_file_line_and_column(halfway, tmp_path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('timezone = "UTC"\n[server\nlisten = "x"\n')
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert ran.err.strip() == (
        f"{path}: not valid TOML: Expected ']' at the end of a table declaration (at line 2, column 8)"
    )


def test_a_named_config_that_does_not_exist_is_an_error_not_defaults(halfway, tmp_path) -> None:
    ran = halfway("check", "--config", str(tmp_path / "missing.toml"))
    assert ran.code == 2
    assert ran.err.strip() == f"{tmp_path / 'missing.toml'}: no such config file"


def test_halfway_config_env_names_the_file_and_must_exist(halfway, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("HALFWAY_CONFIG", str(tmp_path / "gone.toml"))
    ran = halfway("check")
    assert ran.code == 2
    assert "gone.toml: no such config file" in ran.err


def test_the_xdg_config_is_found_when_nothing_is_named(halfway, config_file) -> None:
    config_file(name="xdg-config/halfway/config.toml", timezone="Asia/Tokyo")
    ran = halfway("check")
    assert ran.code == 0, ran.err
    assert "time zone Asia/Tokyo" in ran.out


def test_environment_overrides_win_over_the_file(monkeypatch, config_file) -> None:
    path = config_file(
        '[server]\nlisten = "127.0.0.1:8470"\npublic_url = "https://a.example"\n',
        channels={"phone": "json://127.0.0.1:9/a"},
    ).path
    monkeypatch.setenv("HALFWAY_SERVER__LISTEN", "0.0.0.0:9999")
    monkeypatch.setenv("HALFWAY_TIMEZONE", "America/New_York")
    monkeypatch.setenv("HALFWAY_CHANNELS__PHONE", "json://127.0.0.1:10/b")
    settings = loader.load(path, sending.url_problem)
    assert settings.server.listen == "0.0.0.0:9999"
    assert settings.server.public_url == "https://a.example"  # the rest of [server] stays
    assert settings.timezone == "America/New_York"
    assert settings.channels["phone"] == ["json://127.0.0.1:10/b"]


TWO_CHANNELS = {"phone": "json://127.0.0.1:9/a", "mail": "json://127.0.0.1:9/m"}
TABLES = (
    '[server]\nlisten = "127.0.0.1:8470"\npublic_url = "https://a.example"\n'
    '[digest]\ncron = "0 8 * * mon"\nchannels = ["mail"]\n' + NUDGE
)


def test_a_table_given_whole_in_the_environment_replaces_the_files(
    halfway, monkeypatch, config_file
) -> None:
    path = config_file(TABLES, channels=TWO_CHANNELS).path
    monkeypatch.setenv("HALFWAY_CHANNELS", "{}")
    monkeypatch.setenv("HALFWAY_DIGEST", '{"cron": "0 9 * * sun"}')  # names no channel now
    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    assert "channels: none yet" in ran.out
    assert "HALFWAY_CHANNELS: none yet, so no nudge can reach you" in ran.err
    settings = loader.load(path, sending.url_problem)
    assert settings.channels == {}
    assert settings.digest.cron == "0 9 * * sun"
    assert settings.digest.channels == []  # the file's ["mail"] went with its table

    monkeypatch.setenv("HALFWAY_CHANNELS", '{"pager": "json://127.0.0.1:9/p"}')
    monkeypatch.setenv("HALFWAY_NUDGES", "[]")
    monkeypatch.setenv("HALFWAY_SERVER", '{"listen": "127.0.0.1:9998"}')
    settings = loader.load(path, sending.url_problem)
    assert settings.channels == {"pager": ["json://127.0.0.1:9/p"]}
    assert settings.nudges == []
    assert settings.server.public_url == "http://127.0.0.1:9998"  # not the file's


def test_one_key_from_the_environment_leaves_the_rest_of_the_files_table(
    monkeypatch, config_file
) -> None:
    path = config_file(TABLES, channels=TWO_CHANNELS).path
    monkeypatch.setenv("HALFWAY_CHANNELS__MAIL", "json://127.0.0.1:10/m")
    monkeypatch.setenv("HALFWAY_DIGEST__CRON", "0 9 * * sun")
    monkeypatch.setenv("HALFWAY_SERVER__LISTEN", "0.0.0.0:9999")
    settings = loader.load(path, sending.url_problem)
    assert settings.channels == {
        "phone": ["json://127.0.0.1:9/a"],
        "mail": ["json://127.0.0.1:10/m"],
    }
    assert (settings.digest.cron, settings.digest.channels) == ("0 9 * * sun", ["mail"])
    assert (settings.server.listen, settings.server.public_url) == (
        "0.0.0.0:9999",
        "https://a.example",
    )


def test_a_bad_environment_override_is_reported_under_its_variable(
    monkeypatch, config_file
) -> None:
    path = config_file().path
    monkeypatch.setenv("HALFWAY_SERVER__LISTEN", "no-port")
    with pytest.raises(ConfigError) as caught:
        loader.load(path, sending.url_problem)
    assert caught.value.lines == [
        "HALFWAY_SERVER__LISTEN: 'no-port' is not host:port (e.g. '127.0.0.1:8470')"
    ]


def test_every_package_the_code_imports_is_a_declared_dependency() -> None:
    declared = {
        re.split(r"[<>=!~\[; ]", line)[0].lower()
        for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    imported: set[str] = set()
    for source in (ROOT / "src" / "halfway").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"halfway"}
    owners = importlib.metadata.packages_distributions()
    undeclared = {
        module
        for module in third_party
        if not {dist.lower() for dist in owners.get(module, [module])} & declared
    }
    assert undeclared == set()


def test_apprise_aiohttp_and_tinydb_are_bounded_above_by_what_was_tested() -> None:
    """halfway leans on more of these three than their documented calls (see the comments
    in pyproject.toml): each has an upper bound, and the installed version is within it."""
    from packaging.requirements import Requirement

    declared = {
        (found := Requirement(line)).name.lower(): found.specifier
        for line in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    for name in ("apprise", "aiohttp", "tinydb"):
        assert any(spec.operator == "<" for spec in declared[name]), name
        assert declared[name].contains(importlib.metadata.version(name)), name


def test_check_masks_passwords_and_tokens(halfway, config_file) -> None:
    path = config_file(
        channels={
            "email": "mailto://me:hunter2secret@smtp.example.net?to=me@example.net",
            "tg": "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/987654",
        }
    ).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    assert "smtp.example.net" in ran.out
    assert "hunter2secret" not in ran.out
    # where the mail goes, as a person reads it: no '%40'
    assert "  email: mailto://me:****@smtp.example.net → me@example.net\n" in ran.out
    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in ran.out


def test_a_bad_channel_url_error_never_prints_the_url(halfway, config_file) -> None:
    path = config_file(channels={"phone": "json://user:topsecret@"}).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 2
    assert "channels.phone: is not a valid 'json://' URL" in ran.err
    assert "topsecret" not in ran.err


def test_durations_take_units_and_combinations() -> None:
    assert loader.parse_duration("90s") == timedelta(seconds=90)
    assert loader.parse_duration("1h30m") == timedelta(minutes=90)
    assert loader.parse_duration("2w") == timedelta(weeks=2)
    for bad in ("", "3", "3x", "h", "0s", "-1d"):
        with pytest.raises(ValueError, match=r"duration|longer than zero"):
            loader.parse_duration(bad)


def test_settings_never_change_on_bad_input(halfway, config_file) -> None:
    path = config_file(NUDGE.replace("0 9", "99 9")).path
    before = path.read_bytes()
    assert halfway("check", "--config", str(path)).code == 2
    assert path.read_bytes() == before
    assert not (Path(path).parent / "data").exists()


def test_links_point_where_the_server_listens_unless_public_url_is_set(
    monkeypatch, config_file
) -> None:
    path = config_file().path
    monkeypatch.setenv("HALFWAY_SERVER__LISTEN", "127.0.0.1:9123")
    assert loader.load(path, sending.url_problem).server.public_url == "http://127.0.0.1:9123"
    monkeypatch.setenv("HALFWAY_SERVER__PUBLIC_URL", "https://halfway.example.net/")
    assert loader.load(path, sending.url_problem).server.public_url == "https://halfway.example.net"


def test_check_shows_where_replies_come_from_and_hides_the_imap_password(
    halfway, config_file
) -> None:
    path = config_file(
        '[imap]\nhost = "imap.example.net"\nuser = "me"\npassword = "sup3rsecretpw"\npoll = "90s"\n'
    ).path
    ran = halfway("check", "--config", str(path))
    assert ran.code == 0, ran.err
    assert "e-mail replies: me@imap.example.net:993/INBOX (ssl, every 1m30s)" in ran.out
    assert "reply links: http://127.0.0.1:8470/r/… (discreet messages)" in ran.out
    assert "sup3rsecretpw" not in ran.out


def test_durations_read_back_the_way_they_are_written() -> None:
    for text in ("90s", "6h", "1h30m", "3d", "2w", "1w2d"):
        assert loader.duration_text(loader.parse_duration(text)) == (
            text if text != "90s" else "1m30s"
        )


def uncommented_block(text: str, first: str) -> str:
    """`text` with the commented-out block that starts with the line `first` uncommented
    (up to the next line that is not a comment)."""
    lines = text.splitlines()
    start = lines.index(first)
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("#")), len(lines))
    lines[start:end] = [line.lstrip("#").strip() for line in lines[start:end]]
    return "\n".join(lines) + "\n"


def test_the_examples_commented_out_in_the_example_config_are_valid(tmp_path) -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for first in (
        '# phone = "ntfy://ntfy.sh/your-secret-topic"',
        "#   [[nudges]]",
        "# [[boundaries]]",
        "# [words.gesture_log]",
    ):
        text = uncommented_block(text, first)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    settings = loader.load(path, sending.url_problem)
    walk = settings.nudge("walk")
    assert walk is not None
    assert (walk.reply, walk.choices, walk.channels) == ("text", ["walked", "skipped"], ["phone"])
    assert [(b.id, b.text) for b in settings.boundaries] == [
        ("evening-walk", "I take my evening walk, whatever the mood at home.")
    ]
    assert settings.words["gesture_log"]["text_label"] == "What I noticed"
    assert settings.words["pattern_review"]["scale"].startswith("How much of my energy")


def test_every_key_of_the_config_is_in_the_example_config() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    from halfway.config.models import Imap, Nudge, Outbox, QuietHours, Server, Settings
    from halfway.config.practices import Boundary, Care, Digest, Talks
    from halfway.words.overrides import OVERRIDABLE

    tables = [Settings, Server, QuietHours, Nudge, Outbox, Imap, Digest, Talks, Care, Boundary]
    keys = {key for model in tables for key in model.model_fields} | set(OVERRIDABLE)
    # set (`key =`), described (`key:`) or a table's header (`[key]`, `[words.…]`)
    shown = [rf"(^|[\s#\[/.]){key}(\s*=|\]|:|\.)" for key in sorted(keys)]
    missing = [pattern for pattern in shown if not re.search(pattern, text, re.MULTILINE)]
    assert missing == []


# date_order: how a typed date of numbers is read ---------------------------------------


@pytest.mark.parametrize(
    ("environ", "order"),
    [
        ({"LANG": "en_US.UTF-8"}, "mdy"),
        ({"LANG": "en_US"}, "mdy"),
        ({"LANG": "es_PR.UTF-8"}, "mdy"),
        ({"LANG": "de_DE.UTF-8"}, "dmy"),
        ({"LANG": "en_GB.UTF-8"}, "dmy"),
        ({"LANG": "ja_JP.UTF-8"}, "ymd"),
        ({"LANG": "sv_SE.UTF-8@euro"}, "ymd"),
        ({"LANG": "hu_HU"}, "ymd"),
        ({"LANG": "C.UTF-8"}, "dmy"),
        ({"LANG": "POSIX"}, "dmy"),
        ({}, "dmy"),
        ({"LANG": "de_DE.UTF-8", "LC_TIME": "en_US.UTF-8"}, "mdy"),
        ({"LANG": "en_US.UTF-8", "LC_TIME": "de_DE.UTF-8", "LC_ALL": "ja_JP.UTF-8"}, "ymd"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": ""}, "mdy"),  # set but empty: not set
    ],
)
def test_the_date_order_comes_from_the_locale(environ: dict[str, str], order: str) -> None:
    from halfway.config.defaults import local_date_order

    assert local_date_order(environ) == order


def test_the_date_order_defaults_to_the_locale_and_the_config_wins(tmp_path, monkeypatch) -> None:
    for name in ("LC_ALL", "LC_TIME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    path = tmp_path / "config.toml"
    path.write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    assert loader.load(path).date_order == "mdy"
    path.write_text('timezone = "Europe/Berlin"\ndate_order = "ymd"\n', encoding="utf-8")
    assert loader.load(path).date_order == "ymd"
    monkeypatch.setenv("HALFWAY_DATE_ORDER", "dmy")
    assert loader.load(path).date_order == "dmy"


def test_the_config_and_the_reader_know_the_same_date_orders() -> None:
    from typing import get_args

    from halfway.config.values import DateOrder
    from halfway.talks.when import DATE_ORDERS

    assert get_args(DateOrder) == DATE_ORDERS
