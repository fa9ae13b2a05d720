"""The CLI: each command, its exit codes, and its one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from halfway import __version__
from halfway.channels import sending
from halfway.channels.sending import ChannelResult
from halfway.config import loader
from halfway.engine.daemon import Daemon
from halfway.replies import service
from halfway.store import pauses
from halfway.store.database import Store

from .conftest import ROOT, Clock
from .engine import first_start


def test_python_dash_m_halfway_prints_the_version() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "halfway", "--version"], capture_output=True, text=True
    )
    assert ran.returncode == 0
    assert ran.stdout.strip() == f"halfway {__version__}"


def modules_loaded_by(*argv: str) -> tuple[int, list[str]]:
    """Run the real CLI in a fresh interpreter; its exit code and which heavy modules it loaded."""
    script = (
        "import sys, halfway.cli.main as cli\n"
        f"code = cli.main({list(argv)!r})\n"
        "heavy = ('apprise', 'aiohttp', 'pydantic')\n"
        "print(code, *sorted(m for m in heavy if m in sys.modules))\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    code, *loaded = ran.stdout.splitlines()[-1].split()
    return int(code), loaded


@pytest.mark.parametrize(
    ("argv", "code", "loaded"),
    [
        (["--version"], 0, []),  # not even the settings' models
        (["log", "gesture", "made me tea"], 0, ["pydantic"]),
        (["status"], 3, ["pydantic"]),  # 3: no daemon answers
        (["check"], 0, ["apprise", "pydantic"]),  # it checks the channels with apprise
    ],
)
def test_a_command_that_sends_nothing_loads_neither_apprise_nor_aiohttp(
    config_file, argv, code, loaded
) -> None:
    path = config_file(
        '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n',
        server=True,
        channels={"phone": "ntfy://ntfy.example.net/halfway-7f3a"},
    ).path
    config = [] if argv == ["--version"] else ["--config", str(path)]
    assert modules_loaded_by(*argv, *config) == (code, loaded)


def test_help_names_every_command(halfway) -> None:
    ran = halfway("--help")
    assert ran.code == 0
    for command in ("init", "check", "run", "upcoming", "send", "log", "history", "export"):
        assert f"    {command} " in ran.out


def test_a_bad_argument_is_one_line_and_exit_2(halfway) -> None:
    ran = halfway("upcoming", "--days", "soon")
    assert ran.code == 2
    assert ran.err.strip().splitlines() == [
        "halfway upcoming: argument --days: 'soon' is not a whole number of 1 or more (see 'halfway upcoming --help')"
    ]
    assert halfway("export", "--format", "xml").code == 2
    assert halfway("frobnicate").code == 2


def test_init_writes_a_private_starter_config_that_checks_and_never_overwrites(
    halfway, tmp_path
) -> None:
    path = tmp_path / "conf" / "config.toml"
    ran = halfway("init", "--config", str(path))
    assert ran.code == 0, ran.err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "[[nudges]]" in path.read_text()
    assert halfway("check", "--config", str(path)).code == 0
    path.write_text("# mine\n")
    again = halfway("init", "--config", str(path))
    assert again.code == 2
    assert "already exists" in again.err
    assert path.read_text() == "# mine\n"


def test_init_without_a_path_writes_the_xdg_config(halfway, tmp_path) -> None:
    assert halfway("init").code == 0
    assert (tmp_path / "xdg-config" / "halfway" / "config.toml").is_file()


def test_no_config_anywhere_says_how_to_start(halfway) -> None:
    ran = halfway("check")
    assert ran.code == 2
    assert "halfway init" in ran.err
    assert "halfway run --demo" in ran.err


@freeze_time("2026-11-25T18:30:00Z")
def test_log_history_and_export_share_one_record(halfway, config_file) -> None:
    path = str(config_file().path)
    assert halfway("log", "gesture", "made me tea without asking", "--config", path).code == 0
    assert (
        halfway(
            "log", "initiation", "asked about the weekend", "--by", "partner", "--config", path
        ).code
        == 0
    )
    assert halfway("log", "note", "tired today", "--config", path).code == 0

    history = halfway("history", "--config", path)
    assert history.code == 0
    assert "2026-11-25 19:30  gesture: made me tea without asking" in history.out
    assert "initiation by partner: asked about the weekend" in history.out

    data = json.loads(halfway("export", "--format", "json", "--config", path).out)
    assert set(data) >= {"schema_version", "deliveries", "replies", "entries", "talks"}
    entries = {e["text"]: e for e in data["entries"]}
    assert entries["asked about the weekend"]["by"] == "partner"
    assert entries["made me tea without asking"]["at"] == "2026-11-25T19:30:00+01:00"
    assert all(e["id"].startswith("e_") for e in data["entries"])

    rows = list(
        csv.DictReader(io.StringIO(halfway("export", "--format", "csv", "--config", path).out))
    )
    assert [r["record"] for r in rows] == ["entry"] * 3
    assert {r["id"] for r in rows} == {e["id"] for e in data["entries"]}


def test_history_since_filters_by_local_date(halfway, config_file) -> None:
    path = str(config_file().path)
    with freeze_time("2026-11-20T10:00:00Z"):
        halfway("log", "note", "old", "--config", path)
    with freeze_time("2026-11-25T10:00:00Z"):
        halfway("log", "note", "new", "--config", path)
    ran = halfway("history", "--since", "2026-11-24", "--json", "--config", path)
    assert [r["text"] for r in json.loads(ran.out)] == ["new"]
    assert halfway("history", "--since", "last week", "--config", path).code == 2


def test_log_refuses_an_empty_text_and_writes_nothing(halfway, config_file, tmp_path) -> None:
    path = str(config_file().path)
    ran = halfway("log", "gesture", "   ", "--config", path)
    assert ran.code == 2
    assert not (tmp_path / "data" / "halfway.json").exists()


def test_send_delivers_one_nudge_now_and_records_it(halfway, config_file, http_receiver) -> None:
    written = config_file(
        'discreet = false\n[[nudges]]\nid = "breathe"\nkind = "self_regulation"\n'
        'cron = "0 9 * * *"\n',
        channels={"phone": http_receiver.json_url("/x")},
    )
    path = str(written.path)
    first_start(written.data_dir)
    ran = halfway("send", "breathe", "--config", path)
    assert ran.code == 0, ran.err
    assert ran.out.strip() == "phone: sent"
    assert http_receiver.bodies()[0]["title"] == "A calm minute for you"
    delivery = json.loads(halfway("export", "--config", path).out)["deliveries"][0]
    assert delivery["manual"] is True
    assert delivery["channels"]["phone"]["state"] == "sent"


def test_send_reports_a_failed_channel_with_exit_1(halfway, config_file, http_receiver) -> None:
    http_receiver.status = 503
    written = config_file(
        '[[nudges]]\nid = "breathe"\nkind = "self_regulation"\ncron = "0 9 * * *"\n',
        channels={"phone": http_receiver.json_url("/x")},
    )
    first_start(written.data_dir)
    ran = halfway("send", "breathe", "--config", str(written.path))
    assert ran.code == 1
    assert ran.out.startswith("phone: failed (")


def test_send_an_unknown_nudge_is_bad_input(halfway, config_file) -> None:
    path = str(config_file('[[nudges]]\nid = "breathe"\nkind = "custom"\nevery = "1d"\n').path)
    ran = halfway("send", "brethe", "--config", path)
    assert ran.code == 2
    assert "no nudge with id 'brethe' (known: breathe)" in ran.err


def test_the_systemd_unit_starts_a_command_that_exists() -> None:
    unit = (ROOT / "systemd" / "halfway.service").read_text()
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    argv = exec_start.removeprefix("ExecStart=").split()
    assert argv[0].endswith("/halfway")
    assert argv[1] == "run"


def test_resume_ends_a_pause_whose_end_was_given_in_local_time(halfway, config_file) -> None:
    # In America/New_York: 'pause evening --until <today>T20:30', then 'resume evening'.
    body = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
    path = str(config_file(body, timezone="America/New_York").path)
    with freeze_time("2026-11-25T23:00:00Z"):  # 18:00 in New York, 23:00 in UTC
        paused = halfway("pause", "evening", "--until", "2026-11-25T20:30", "--config", path)
        assert paused.code == 0, paused.err
        assert "until Wed 2026-11-25 20:30 EST" in paused.out
        assert "paused: evening until" in halfway("status", "--config", path).out
        resumed = halfway("resume", "evening", "--config", path)
    assert resumed.code == 0
    assert resumed.out.strip() == "resumed (1 pause ended)"


def test_export_to_a_file_is_private_and_never_overwrites_without_force(
    halfway, config_file, tmp_path
) -> None:
    path = str(config_file().path)
    assert halfway("log", "note", "for me alone", "--config", path).code == 0
    out = tmp_path / "export.json"
    assert halfway("export", "--output", str(out), "--config", path).code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text())["entries"][0]["text"] == "for me alone"
    out.write_text("my own notes")
    out.chmod(0o644)
    again = halfway("export", "--output", str(out), "--config", path)
    assert again.code == 2
    assert again.err.strip() == (
        f"halfway export: --output: {out} already exists; add --force to replace it"
    )
    assert out.read_text() == "my own notes"
    forced = halfway("export", "--output", str(out), "--force", "--config", path)
    assert forced.code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text())["entries"][0]["text"] == "for me alone"


TWO = (
    '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
    '[[nudges]]\nid = "noon"\nkind = "custom"\ncron = "0 12 * * *"\n'
)


def test_resume_all_ends_every_pause_also_one_made_by_name(halfway, config_file) -> None:
    path = str(config_file(TWO).path)
    assert halfway("pause", "evening", "--config", path).code == 0
    assert halfway("pause", "--all", "--until", "3d", "--config", path).code == 0
    resumed = halfway("resume", "--all", "--config", path)
    assert resumed.code == 0
    assert resumed.out.strip() == "resumed (2 pauses ended)"
    assert "paused:" not in halfway("status", "--config", path).out
    assert "evening (gesture_log)" in halfway("upcoming", "--days", "2", "--config", path).out


def test_resume_by_name_says_when_every_nudge_is_still_paused(halfway, config_file) -> None:
    path = str(config_file(TWO).path)
    assert halfway("pause", "--all", "--config", path).code == 0
    ran = halfway("resume", "evening", "--config", path)
    assert ran.code == 0
    assert ran.out.splitlines() == [
        "nothing was paused",
        "every nudge is still paused; 'halfway resume --all' ends that pause too",
    ]


def test_history_says_why_fires_were_not_sent_and_shows_reply_notes(halfway, config_file) -> None:
    body = '[[nudges]]\nid = "b"\nkind = "boundary"\ncron = "0 20 * * *"\n'
    path = config_file(body, channels={"push": "json://127.0.0.1:9/never-reached"}).path
    settings = loader.build(tomllib.loads(path.read_text()), str(path), sending.url_problem)
    clock = Clock("2026-11-20T10:00:00+01:00")
    daemon = Daemon(
        settings,
        Store(settings.data_dir),
        clock=clock,
        send=lambda channels, *_, **__: {name: ChannelResult(True) for name in channels},
    )
    daemon.start_up()
    clock.set("2026-11-20T20:00:01+01:00")
    [sent] = daemon.run_once()
    service.accept(daemon.store, sent, "held", "web", clock(), note="we talked it through")
    pauses.pause(daemon.store, ["b"], clock(), clock() + timedelta(days=1))
    clock.set("2026-11-21T20:00:01+01:00")
    daemon.run_once()  # paused
    clock.set("2026-11-24T20:00:01+01:00")  # halfway was down for two evenings
    daemon.run_once()

    lines = halfway("history", "--config", str(path)).out.splitlines()
    assert lines[1] == (
        f'2026-11-20 20:00  reply to {sent["id"]} (b): Held · note: "we talked it through"'
    )
    assert lines[2] == "2026-11-21 20:00  b (boundary): skipped (paused)"
    assert lines[3] == (
        "2026-11-22 20:00  b (boundary): missed, 2 fires to 2026-11-23 20:00"
        " (halfway was not running then)"
    )
    assert lines[4].startswith("2026-11-24 20:00  b (boundary): sent [push sent]")
    rows = json.loads(halfway("history", "--json", "--config", str(path)).out)
    assert [(r["record"], r.get("reason")) for r in rows] == [
        ("delivery", None),
        ("reply", None),
        ("delivery", "paused"),
        ("delivery", "down"),
        ("delivery", None),
    ]


def test_run_refuses_data_dir_without_demo(halfway, config_file, tmp_path) -> None:
    path = str(config_file().path)
    ran = halfway("run", "--config", path, "--data-dir", str(tmp_path / "x"))
    assert ran.code == 2
    assert "--data-dir: only with --demo" in ran.err
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "data").exists()


def test_a_hint_names_the_command_as_it_was_started(tmp_path) -> None:
    """Issue 16.27g: '.venv/bin/halfway init', 'python -m halfway init', or plain
    'halfway init' when the PATH finds it by that name."""
    from halfway.words.invoked import started_as

    on_path = tmp_path / "bin"
    on_path.mkdir()
    script = on_path / "halfway"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert started_as(str(script), sys.executable, str(on_path))[0] == "halfway"
    typed, absolute = started_as(".venv/bin/halfway", sys.executable, str(on_path))
    assert typed == ".venv/bin/halfway"
    assert absolute == os.path.abspath(".venv/bin/halfway")  # for sudo -u: the full path
    python = on_path / "python3"
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    main = "/somewhere/halfway/__main__.py"
    assert started_as(main, str(python), str(on_path)) == (
        "python3 -m halfway",
        f"{python} -m halfway",
    )
    assert (
        started_as(main, "/opt/py/bin/python3", str(on_path))[0] == "/opt/py/bin/python3 -m halfway"
    )


def test_the_real_commands_print_their_hints_as_they_were_started(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'timezone = "Europe/Berlin"\ndata_dir = "{tmp_path / "data"}"\n')
    bin_dir = Path(sys.executable).parent
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    hint = "no talks planned yet; plan one with '{} talk add \"sat 19:00\"'\n"
    if (bin_dir / "halfway").exists():  # the console script, typed as a relative path
        ran = subprocess.run(
            [f"{bin_dir.name}/halfway", "talk", "list", "--config", str(config)],
            cwd=bin_dir.parent,
            env=env,
            capture_output=True,
            text=True,
        )
        assert ran.stdout == hint.format(f"{bin_dir.name}/halfway"), ran.stderr
    found = {"PATH": str(bin_dir)}  # python -m halfway, with that Python first on PATH
    ran = subprocess.run(
        [sys.executable, "-m", "halfway", "talk", "list", "--config", str(config)],
        env={**env, **found},
        capture_output=True,
        text=True,
    )
    name = Path(sys.executable).name
    assert ran.stdout == hint.format(f"{name} -m halfway"), ran.stderr
