"""Private output files (`export --output`, `digest --out`) on a full disk, for real: a
small tmpfs. Nothing truncated or empty is left behind to block
the next try, and the user reads one line naming the folder, with exit 1. Skipped
where this machine cannot mount a tmpfs."""

from __future__ import annotations

import os
import stat

import pytest

from .test_digest_cli import seeded  # noqa: F401 - a fixture
from .test_full_disk import fill, small_disk  # noqa: F401 - a fixture

COMMANDS = {
    "export": ("export", "--output"),
    "digest": ("digest", "--out"),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_full_disk_leaves_no_partial_file_and_says_so_in_one_line(
    halfway,
    seeded,  # noqa: F811
    small_disk,  # noqa: F811
    command,
) -> None:
    written, _ = seeded
    name, option = COMMANDS[command]
    out = small_disk / f"mine.{command}"
    filler = fill(small_disk)
    ran = halfway(name, option, str(out), "--config", str(written.path))
    assert ran.code == 1
    assert ran.err.count("\n") == 1, ran.err
    assert f"{option}: {out} was not written" in ran.err
    assert f"the disk holding {small_disk} is full" in ran.err
    assert "Errno" not in ran.err
    assert "OSError" not in ran.err
    assert sorted(os.listdir(small_disk)) == ["filler"]  # no truncated file, no temp file

    filler.unlink()  # room again: the next try needs no --force
    again = halfway(name, option, str(out), "--config", str(written.path))
    assert again.code == 0, again.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert sorted(os.listdir(small_disk)) == [out.name]


def test_force_replaces_a_file_whole_and_only_its_owner_may_read_it(
    halfway,
    seeded,  # noqa: F811
    tmp_path,
) -> None:
    written, _ = seeded
    out = tmp_path / "export.json"
    out.write_text("old")
    out.chmod(0o644)
    ran = halfway("export", "--output", str(out), "--force", "--config", str(written.path))
    assert ran.code == 0, ran.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text().startswith("{")
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
