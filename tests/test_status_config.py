"""A config that stops loading while the daemon runs: `status` still
says whether the daemon runs, found through what can be read of the config and the data
folder's lock, then the file's problem; `reload` refuses before it signals, and says the
daemon keeps its current config."""

from __future__ import annotations

import signal

from halfway.config import loader

from .conftest import wait_for

TYPO = "quiet_hous = 1\n"  # a top-level key halfway does not know


def problem_line(ran) -> str:
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in ran.err
    return lines[0]


def test_status_with_a_typo_says_the_daemon_runs_then_the_problem(
    config_file, start_daemon, halfway
) -> None:
    written = config_file(server=True)
    path, listen = written.path, written.listen
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: daemon.health(listen))
    good = path.read_text()

    path.write_text(TYPO + good)
    ran = halfway("status", "--config", str(path))
    assert ran.code == 2
    lines = ran.out.splitlines()
    assert lines[0] == f"halfway is running (pid {daemon.proc.pid}, version {daemon_version()})"
    assert lines[1].startswith("the config has a problem, said below: the daemon keeps the config")
    assert len(lines) == 2  # nothing more is shown from a config that does not load
    assert problem_line(ran) == f"{path}: quiet_hous: unknown key (check the spelling)"

    path.write_text("discreet = yes\n" + good)  # not TOML: the lines that parse still tell
    ran = halfway("status", "--config", str(path))
    assert ran.code == 2
    assert ran.out.startswith(f"halfway is running (pid {daemon.proc.pid}, ")
    assert "could not be read" not in ran.out
    assert problem_line(ran).startswith(f"{path}: not valid TOML: ")

    assert daemon.stop() == 0
    path.write_text(TYPO + good)
    ran = halfway("status", "--config", str(path))
    assert ran.code == 2
    assert ran.out.splitlines() == [
        f"halfway is NOT running on {written.data_dir} (no answer at http://{listen}/healthz)",
        "the config has a problem, said below: halfway cannot start until it is fixed",
    ]
    assert problem_line(ran) == f"{path}: quiet_hous: unknown key (check the spelling)"


def daemon_version() -> str:
    from halfway import __version__

    return __version__


def test_status_falls_back_to_the_environment_and_the_defaults_and_says_so(
    config_file, start_daemon, halfway, monkeypatch
) -> None:
    written = config_file(server=True)
    path, listen = written.path, written.listen
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: daemon.health(listen))

    path.write_bytes(b"\xff\xfe not UTF-8")  # nothing in it can be read
    ran = halfway("status", "--config", str(path))
    assert ran.code == 2
    default = loader.default_data_dir(path)
    assert ran.out.splitlines()[1:3] == [
        f"  data_dir could not be read from the config: {default} is the default",
        "  server.listen could not be read from the config: 127.0.0.1:8470 is the default",
    ]
    assert problem_line(ran) == f"{path}: not valid TOML: it is not UTF-8 text"

    monkeypatch.setenv("HALFWAY_DATA_DIR", str(written.data_dir))  # the lock is found
    ran = halfway("status", "--config", str(path))
    lines = ran.out.splitlines()  # (something else may answer on 8470: not said here)
    assert lines[0].startswith(
        f"halfway is running on {written.data_dir} (pid {daemon.proc.pid}), but "
    )
    assert lines[1] == (
        "  server.listen could not be read from the config: 127.0.0.1:8470 is the default"
    )
    monkeypatch.setenv("HALFWAY_SERVER__LISTEN", str(listen))  # and its /healthz
    ran = halfway("status", "--config", str(path))
    assert ran.code == 2
    assert ran.out.startswith(f"halfway is running (pid {daemon.proc.pid}, ")
    assert "could not be read" not in ran.out
    assert daemon.stop() == 0


def test_reload_of_a_bad_config_says_the_daemon_keeps_its_own_and_sends_nothing(
    config_file, start_daemon, halfway
) -> None:
    written = config_file(server=True)
    path, listen = written.path, written.listen
    daemon = start_daemon("--config", str(path))
    wait_for(lambda: daemon.health(listen))
    path.write_text(TYPO + path.read_text())

    ran = halfway("reload", "--config", str(path))
    assert ran.code == 2
    assert ran.out == ""
    assert ran.err.splitlines() == [
        f"{path}: quiet_hous: unknown key (check the spelling)",
        f"halfway reload: not reloaded: the running daemon (pid {daemon.proc.pid}) keeps its"
        " current config",
    ]
    # Not signalled: the one refusal in its log is the SIGHUP sent here, after.
    daemon.proc.send_signal(signal.SIGHUP)
    refused = f"the running daemon keeps its current config: {path}: quiet_hous: unknown key"
    wait_for(lambda: refused in daemon.stderr())
    assert daemon.stderr().count("reload refused") == 1
    assert daemon.stop() == 0

    ran = halfway("reload", "--config", str(path))  # no daemon: nothing keeps anything
    assert ran.code == 2
    assert ran.err.splitlines()[1] == (
        f"halfway reload: not reloaded (no daemon is running on {written.data_dir} either)"
    )
