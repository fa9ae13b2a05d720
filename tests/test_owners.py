"""Only the data folder's owner writes in it: a command run as root on the service's
folder changes nothing, and a folder with root's files inside names the `chown -R`.

Real owners: the tests run as root, give folders to the real `nobody` user, and run
halfway as `nobody` in a child process (setuid before exec) where an interpreter
`nobody` may run is found; otherwise those parts are skipped.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from halfway.store import links, runlock

from .conftest import free_port

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="giving a folder to another user needs root"
)


def nobody() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no 'nobody' user on this machine")


@pytest.fixture
def base() -> Iterator[Path]:
    """A folder `nobody` can pass through (pytest's own tmp folders are root's, 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="halfway-owners-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def write_config(base: Path) -> Path:
    config = base / "config.toml"
    config.write_text(f'timezone = "Europe/Berlin"\ndata_dir = "{base / "data"}"\n')
    config.chmod(0o644)
    return config


def give(path: Path, uid: int, gid: int, whole: bool = True) -> None:
    os.chown(path, uid, gid)
    if whole and path.is_dir():
        for inside in path.rglob("*"):
            os.chown(inside, uid, gid, follow_symlinks=False)


def owners_of(folder: Path) -> set[str]:
    return {pwd.getpwuid(p.lstat().st_uid).pw_name for p in [folder, *folder.rglob("*")]}


def interpreter(user: pwd.struct_passwd) -> tuple[str, dict[str, str]]:
    """A Python that `user` may run with halfway importable, or skip. The venv's own
    python may sit under /root (pyenv), where `nobody` cannot run it: the reason the
    README's service set-up says `/usr/bin/python3`."""
    site = sysconfig.get_paths()["purelib"]
    path = os.pathsep.join([str(ROOT / "src"), site])
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for candidate in (sys.executable, f"/usr/bin/{version}", f"/usr/local/bin/{version}"):
        env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "PYTHONPATH": path}
        try:
            probe = subprocess.run(
                [candidate, "-c", "import halfway.cli.main"],
                preexec_fn=drop_to(user),
                env=env,
                capture_output=True,
                timeout=60,
            )
        except OSError:
            continue
        if probe.returncode == 0:
            return candidate, env
    pytest.skip("no Python that 'nobody' may run can import halfway here")


def drop_to(user: pwd.struct_passwd):  # type: ignore[no-untyped-def]
    def drop() -> None:
        os.setgroups([])
        os.setgid(user.pw_gid)
        os.setuid(user.pw_uid)

    return drop


def as_user(user: pwd.struct_passwd, base: Path, *args: str) -> subprocess.CompletedProcess[str]:
    python, env = interpreter(user)
    env = {**env, "XDG_CONFIG_HOME": str(base / "xdg"), "XDG_STATE_HOME": str(base / "xdg")}
    return subprocess.run(
        [python, "-m", "halfway", *args],
        preexec_fn=drop_to(user),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=base,
    )


def test_root_cannot_take_the_service_users_data_file(halfway, base) -> None:
    """Root's `halfway log` on the service's folder is refused (exit 2), and
    the file stays the service user's; reading stays allowed and writes nothing."""
    user = nobody()
    config = write_config(base)
    data = base / "data"
    assert halfway("log", "note", "made by the service user", "--config", str(config)).code == 0
    links.ensure(data)  # as the daemon's first start makes them
    give(data, user.pw_uid, user.pw_gid)  # as if the service (User=halfway) had made it
    before = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}

    ran = halfway("log", "note", "x", "--config", str(config))
    assert ran.code == 2, ran.err
    [line] = ran.err.splitlines()
    assert f"{data}: belongs to the user nobody" in line
    assert "halfway changed nothing" in line
    assert line.endswith(f"sudo -u nobody halfway log note x --config {config}")
    assert owners_of(data) == {"nobody"}
    assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == before
    assert oct((data / "halfway.json").stat().st_mode & 0o777) == "0o600"

    ran = halfway("links", "revoke", "digest", "--config", str(config))
    assert ran.code == 2, ran.err
    assert "sudo -u nobody" in ran.err
    assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == before

    # reading commands stay open to root, and leave no file of root's behind
    history = halfway("history", "--config", str(config))
    assert history.code == 0, history.err
    assert "made by the service user" in history.out
    assert halfway("status", "--config", str(config)).code in (0, 3)
    assert owners_of(data) == {"nobody"}

    # and the service user itself still writes (a real process running as nobody)
    ran_as = as_user(user, base, "log", "note", "still mine", "--config", str(config))
    assert ran_as.returncode == 0, ran_as.stderr
    assert owners_of(data) == {"nobody"}


def test_a_folder_given_to_the_service_with_roots_files_inside_names_the_chown(
    halfway, base
) -> None:
    """The Quick start run as root made the data; `install -d -o` gave the
    service user the folder only. `check` as that user names the owner and the fix."""
    user = nobody()
    config = write_config(base)
    data = base / "data"
    assert halfway("log", "note", "made as root", "--config", str(config)).code == 0
    give(data, user.pw_uid, user.pw_gid, whole=False)  # install -d -o nobody: the folder only

    ran = as_user(user, base, "check", "--config", str(config))
    assert ran.returncode == 2, ran.stderr
    [line] = ran.stderr.splitlines()
    assert f"'{data / 'halfway.json'}' cannot be written by this user" in line
    assert f"it belongs to root, not to nobody; as root: chown -R nobody: {data}" in line

    ran = as_user(user, base, "log", "note", "x", "--config", str(config))
    assert ran.returncode == 2, ran.stderr
    [line] = ran.stderr.splitlines()
    assert f"{data / 'halfway.json'}: belongs to root, not to nobody" in line
    assert f"chown -R nobody: {data}" in line
    assert owners_of(data) == {"root", "nobody"}  # nothing new, nothing changed hands

    give(data, user.pw_uid, user.pw_gid)  # the suggested chown -R mends it
    ran = as_user(user, base, "check", "--config", str(config))
    assert ran.returncode == 0, ran.stderr


def test_a_stranger_file_in_ones_own_folder_is_refused_before_any_write(halfway, base) -> None:
    """The same rule without a second process: root's own folder holding a file of
    nobody's (a real chown) refuses a write and names the chown that mends it."""
    user = nobody()
    config = write_config(base)
    data = base / "data"
    assert halfway("log", "note", "first", "--config", str(config)).code == 0
    os.chown(data / "halfway.json", user.pw_uid, user.pw_gid)
    before = (data / "halfway.json").read_bytes()
    ran = halfway("log", "note", "second", "--config", str(config))
    assert ran.code == 2, ran.err
    assert f"{data / 'halfway.json'}: belongs to nobody, not to root" in ran.err
    assert f"chown -R root: {data}" in ran.err
    assert (data / "halfway.json").read_bytes() == before
    assert (data / "halfway.json").stat().st_uid == user.pw_uid


def test_the_daemon_as_root_on_the_service_folder_stops_without_a_restart_loop(
    halfway, base
) -> None:
    """`halfway run` as the wrong user exits 2, which the unit's
    RestartPreventExitStatus=2 does not restart."""
    user = nobody()
    config = write_config(base)
    data = base / "data"
    assert halfway("log", "note", "x", "--config", str(config)).code == 0
    give(data, user.pw_uid, user.pw_gid)
    text = config.read_text() + f'[server]\nlisten = "127.0.0.1:{free_port()}"\n'
    config.write_text(text)
    try:  # a daemon that starts would run on: bounded, and a failure
        ran = subprocess.run(
            [sys.executable, "-m", "halfway", "run", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("halfway run as root started on the service user's folder")
    assert ran.returncode == 2, ran.stderr
    assert "sudo -u nobody" in ran.stderr
    assert owners_of(data) == {"nobody"}
    unit = (ROOT / "systemd" / "halfway.service").read_text()
    assert "RestartPreventExitStatus=2" in unit


def test_asking_whether_a_daemon_runs_leaves_no_lock_file(tmp_path) -> None:
    """`runlock.running` (status, erase, links) only looks: a lock file it made as root
    would be root's, and the service could not take its own lock."""
    assert runlock.running(tmp_path) is None
    assert list(tmp_path.iterdir()) == []
