"""Generated broken configs through `halfway check`.

Random TOML values for the known keys, unknown keys, wrong types, broken TOML and broken
`HALFWAY_*` variables: always exit 2, one line per problem naming where it came from,
never a traceback, and nothing written (the data folder is not made).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from halfway.cli import main

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The known keys, by table ("" is the top level; "nudges" and "boundaries" are arrays).
KNOWN: dict[str, list[str]] = {
    "": ["timezone", "send_timeout", "heartbeat_url", "heartbeat_every", "discreet"],
    "server": ["listen", "public_url"],
    "quiet_hours": ["start", "end"],
    "channels": ["phone", "email"],
    "imap": ["host", "port", "user", "password", "folder", "tls", "poll", "move_to"],
    "digest": ["cron", "channels"],
    "talks": [
        "channels",
        "clarity_ask_at",
        "reframe_at",
        "self_regulation_before",
        "reflection_after",
        "reply_window",
    ],
    "care": ["step_back", "revisit_boundaries", "counsellor", "cron", "at", "channels"],
    "outbox": ["retry_first", "retry_max", "give_up_after", "alert_after"],
    "nudges": [
        "id",
        "kind",
        "cron",
        "every",
        "at",
        "channels",
        "text",
        "catch_up",
        "remind_after",
        "remind_max",
        "snooze",
        "reply_window",
        "choices",
        "reply",
    ],
    "boundaries": ["id", "text"],
}
# Keys that take one text, number or flag: a table there is always wrong.
SCALAR = {
    "": KNOWN[""],
    "server": KNOWN["server"],
    "quiet_hours": KNOWN["quiet_hours"],
    "imap": KNOWN["imap"],
    "outbox": KNOWN["outbox"],
    "nudges": [
        "id",
        "kind",
        "cron",
        "every",
        "at",
        "text",
        "catch_up",
        "remind_after",
        "remind_max",
        "snooze",
        "reply_window",
        "reply",
    ],
    "boundaries": ["id", "text"],
}

LIKELY = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "5m",
        "3d",
        "0 20 * * *",
        "99 99 * * *",
        "25:61",
        "Mars/Olympus",
        "ntfy://",
        "x://y",
        "127.0.0.1:0",
        "host:99999",
        "http://",
        "ssl",
        "nope",
        "2026-02-30T09:00",
        "é" * 3,
        "a" * 500,
        "\u0000",
        "\ud800",
    ]
)
SCALARS = st.one_of(
    LIKELY,
    st.text(max_size=12),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(timezones=st.just(UTC)),
    st.dates(),
    st.times(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.from_regex(r"[a-z_]{1,6}", fullmatch=True), inner, max_size=2),
    ),
    max_leaves=5,
)


def toml(value: Any) -> str:
    """A TOML value (JSON's string escapes are TOML's; a lone surrogate makes bad TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(str(value), repr(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + "}"


@st.composite
def broken_configs(draw: st.DrawFn, data_dir: Path) -> tuple[str, list[tuple[str, str]]]:
    """(the TOML text, the problems put in on purpose: ("unknown"|"type", dotted key))."""
    tables: dict[str, dict[str, str]] = {name: {} for name in KNOWN}
    problems: list[tuple[str, str]] = []
    for table, keys in KNOWN.items():  # noise: random values for known keys
        for key in draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)):
            tables[table][key] = toml(draw(VALUES))
    for _ in range(draw(st.integers(1, 3))):  # at least one sure problem
        table = draw(st.sampled_from(sorted(SCALAR)))
        if draw(st.booleans()):
            key = "zz" + draw(st.from_regex(r"[a-z_]{1,8}", fullmatch=True))
            tables[table][key] = toml(draw(VALUES))
            problems.append(("unknown", key))
        else:
            key = draw(st.sampled_from(SCALAR[table]))
            tables[table][key] = draw(st.sampled_from(["{ a = 1 }", "[[1], {b = 2}]", "{}"]))
            problems.append(("type", key))
    lines = [f"data_dir = {json.dumps(str(data_dir))}"]
    lines += [f"{key} = {value}" for key, value in tables.pop("").items()]
    for table, pairs in tables.items():
        if not pairs:
            continue
        if table in ("nudges", "boundaries"):
            lines.append(f"[[{table}]]")
        else:
            lines.append(f"[{table}]")
        lines += [f"{key} = {value}" for key, value in pairs.items()]
    return "\n".join(lines) + "\n", problems


@contextlib.contextmanager
def folder() -> Any:
    path = Path(tempfile.mkdtemp(prefix="halfway-fuzz-config-"))
    try:
        yield path
    finally:
        shutil.rmtree(path)


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def check(path: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`halfway check --config PATH` in-process: its exit code, stdout, and stderr with
    every log line (tracebacks included) anything wrote."""
    out, err, kept = io.StringIO(), io.StringIO(), Kept()
    root = logging.getLogger()
    root.addHandler(kept)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HALFWAY_")}
    try:
        with (
            mock.patch.dict(os.environ, {**clean, **(env or {})}, clear=True),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = main.main(["check", "--config", str(path)])
    finally:
        root.removeHandler(kept)
    return code, out.getvalue(), err.getvalue() + "".join(f"{line}\n" for line in kept.lines)


def assert_refused(code: int, out: str, err: str, path: Path, home: Path) -> list[str]:
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err, err
    lines = err.splitlines()
    assert lines, (out, err)
    assert all(line.strip() for line in lines), err
    assert len(set(lines)) == len(lines), err  # one line per problem, each said once
    assert sorted(p.name for p in home.iterdir()) == [path.name]  # nothing else written
    return lines


def test_broken_configs_exit_2_with_one_line_per_problem_and_write_nothing() -> None:
    @FUZZ
    @given(st.data())
    def one(data: st.DataObject) -> None:
        with folder() as home:
            text, problems = data.draw(broken_configs(home / "data"))
            path = home / "config.toml"
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            code, out, err = check(path)
            lines = assert_refused(code, out, err, path, home)
            if any(line.startswith(f"{path}: not valid TOML") for line in lines):
                assert len(lines) == 1, err
                return
            assert all(line.startswith(f"{path}: ") for line in lines), err
            for kind, key in problems:
                naming = [line for line in lines if f"{key}:" in line or f".{key}" in line]
                assert naming, (kind, key, err)
                if kind == "unknown":
                    assert any("unknown key" in line for line in naming), err

    one()


def test_broken_toml_is_one_line() -> None:
    @FUZZ
    @given(
        st.one_of(
            st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
            st.binary(max_size=200),  # bytes that are not UTF-8 at all
        ).filter(lambda b: b.strip())
    )
    def one(raw: bytes) -> None:
        with folder() as home:
            path = home / "config.toml"
            path.write_bytes(b"x = [1,\n" + raw if raw[:1] != b"#" else raw + b"\n= = =")
            code, out, err = check(path)
            lines = assert_refused(code, out, err, path, home)
            assert len(lines) == 1, err
            assert lines[0].startswith(f"{path}: "), err

    one()


def test_a_config_that_is_not_utf8_is_exit_2_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'timezone = "Europe/Berlin"\n# caf\xe9\n')
    code, out, err = check(path)
    lines = assert_refused(code, out, err, path, tmp_path)
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{path}: "), err


def test_broken_environment_variables_exit_2_naming_the_variable() -> None:
    names = [
        "HALFWAY_TIMEZONE",
        "HALFWAY_SERVER__LISTEN",
        "HALFWAY_SEND_TIMEOUT",
        "HALFWAY_SERVER",
        "HALFWAY_NUDGES",
        "HALFWAY_IMAP__PORT",
    ]

    @settings(FUZZ, max_examples=60)
    @given(
        st.sampled_from(names),
        st.one_of(LIKELY, st.text(max_size=20), st.just("{not json"), st.just("[1, 2]")),
    )
    def one(name: str, value: str) -> None:
        if "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            return  # the environment cannot hold these
        with folder() as home:
            path = home / "config.toml"
            path.write_text(f"data_dir = {json.dumps(str(home / 'data'))}\nzz_surely_unknown = 1\n")
            code, out, err = check(path, {name: value})
            lines = assert_refused(code, out, err, path, home)
            assert any("zz_surely_unknown" in line for line in lines), err

    one()


def test_the_real_command_refuses_a_broken_config_without_a_traceback(tmp_path: Path) -> None:
    """Once through the installed `halfway` executable, as a user runs it."""
    path = tmp_path / "config.toml"
    data = tmp_path / "data"
    path.write_text(
        f"data_dir = {json.dumps(str(data))}\ntimezone = 5\nzz = 1\n[server]\nlisten = {{ a = 1 }}\n"
        '[[nudges]]\nid = "A B"\nkind = "x"\nremind_max = [1]\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "halfway", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("HALFWAY_")},
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), done.stderr
    assert len(lines) == len(set(lines)) >= 5, done.stderr
    assert not data.exists()
