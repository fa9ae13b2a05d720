"""`halfway erase`: everything halfway wrote in the data folder goes (the reply key and
the link tokens too), after the person types the folder's name or with --yes; nothing
goes while a daemon runs on it, without a terminal and without --yes, or on a wrong name.
The confirmation is typed on a real pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from halfway.core import tokens
from halfway.store import links
from halfway.store.datafile import SIDECAR

from .conftest import wait_for


def everything(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder` with its bytes (None for a folder)."""
    return {
        str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def filled(config_file, halfway):
    """A data folder with weeks of history made by halfway itself: the hot file, archive
    months, the reply key, the link tokens, the locks."""
    written = config_file(server=True)
    ran = halfway("demo-data", "--weeks", "6", "--config", str(written.path))
    assert ran.code == 0, ran.err
    folder = written.data_dir
    assert folder is not None
    made = everything(folder)
    assert {"halfway.json", tokens.KEY_FILE, links.FILE, "halfway.daemon.lock"} <= set(made)
    assert any(name.startswith("archive/") for name in made)
    return written, folder


def typed(config: Path, answer: str) -> tuple[int, str]:
    """`halfway erase` on a real terminal, answering its question with `answer`."""
    main, side = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "halfway", "erase", "--config", str(config)],
        stdin=side,
        stdout=side,
        stderr=side,
        close_fds=True,
    )
    os.close(side)
    shown = b""
    answered = False
    while True:
        ready, _, _ = select.select([main], [], [], 30)
        if not ready:
            proc.kill()
            raise AssertionError(f"erase did not finish: {shown.decode(errors='replace')}")
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal closed: the process has ended
            break
        if not chunk:
            break
        shown += chunk
        if not answered and b"to erase it: " in shown:
            os.write(main, answer.encode() + b"\n")
            answered = True
    os.close(main)
    return proc.wait(timeout=30), shown.decode().replace("\r\n", "\n")


def test_yes_removes_everything_halfway_wrote_and_keeps_the_config(filled, halfway) -> None:
    written, folder = filled
    config = written.path.read_bytes()
    made = everything(folder)
    ran = halfway("erase", "--yes", "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert not folder.exists()  # the folder too, once nothing is left in it
    for name in made:
        assert f"removed {folder / name}\n" in ran.out
    assert f"removed {folder / tokens.KEY_FILE}" in ran.out
    assert f"removed {folder / links.FILE}" in ran.out
    assert f"removed {folder / SIDECAR}" in ran.out  # the hot file's count, beside it
    files = ran.out.count("\nremoved ") + ran.out.startswith("removed ") - 2  # less 2 folders
    assert f"erased {files} files and 2 folders halfway kept in {folder}\n" in ran.out
    assert written.path.read_bytes() == config
    assert f"your config file is left as it is: {written.path}" in ran.out
    # and a daemon started afterwards begins afresh: a new key, new links
    again = halfway("links", "--config", str(written.path))
    assert again.code == 1


def test_what_is_not_halfways_is_left_alone_and_named(filled, halfway) -> None:
    written, folder = filled
    (folder / "my-notes.txt").write_text("mine")
    (folder / "archive" / "photo.jpg").write_bytes(b"\xff\xd8")
    ran = halfway("erase", "--yes", "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert everything(folder) == {
        "archive": None,
        "archive/photo.jpg": b"\xff\xd8",
        "my-notes.txt": b"mine",
    }
    assert f"left alone (not halfway's): {folder / 'my-notes.txt'}" in ran.out


def test_it_refuses_while_the_daemon_runs_and_erases_nothing(filled, halfway, start_daemon) -> None:
    written, folder = filled
    daemon = start_daemon("--config", str(written.path))
    try:
        wait_for(lambda: daemon.health(str(written.listen)))
        before = everything(folder)
        ran = halfway("erase", "--yes", "--config", str(written.path))
        assert ran.code == 1
        assert len(ran.err.strip().splitlines()) == 1
        assert "a halfway daemon is running on this data" in ran.err
        assert "stop it first" in ran.err
        assert "Traceback" not in ran.err
        assert ran.out == ""
        assert everything(folder) == before
        assert daemon.health(str(written.listen))  # and it runs on, untouched
    finally:
        assert daemon.stop() == 0
    ran = halfway("erase", "--yes", "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert not folder.exists()


def test_without_a_terminal_it_asks_for_yes_exit_2(filled, halfway) -> None:
    written, folder = filled
    before = everything(folder)
    ran = halfway("erase", "--config", str(written.path))  # pytest's stdin is no terminal
    assert ran.code == 2
    assert len(ran.err.strip().splitlines()) == 1
    assert "--yes" in ran.err
    assert everything(folder) == before


def test_a_wrong_name_on_the_terminal_erases_nothing(filled) -> None:
    written, folder = filled
    before = everything(folder)
    code, shown = typed(written.path, "halfway")
    assert code == 1, shown
    assert f"Type the folder's name ({folder.name}) to erase it:" in shown
    assert str(folder / tokens.KEY_FILE) in shown  # it says what would go
    assert "that is not the folder's name; nothing was erased" in shown
    assert everything(folder) == before


def test_the_right_name_on_the_terminal_erases(filled) -> None:
    written, folder = filled
    code, shown = typed(written.path, folder.name)
    assert code == 0, shown
    assert f"removed {folder / tokens.KEY_FILE}" in shown
    assert not folder.exists()


def test_nothing_to_erase_is_said_plainly(config_file, halfway) -> None:
    written = config_file()
    ran = halfway("erase", "--config", str(written.path))
    assert ran.code == 0
    assert "nothing was erased" in ran.out
    assert written.data_dir is not None
    assert not written.data_dir.exists()


def test_help_says_what_goes_and_what_stays(halfway) -> None:
    ran = halfway("erase", "--help")
    assert ran.code == 0
    for words in ("reply key", "--yes", "refuses while a halfway daemon runs", "config file"):
        assert words in " ".join(ran.out.split())
