"""Commands that only read leave a data folder that does not exist as it is."""

from __future__ import annotations

import pytest

COMMANDS = [
    (("status",), 3),  # 3: no daemon answers
    (("history",), 0),
    (("history", "--json"), 0),
    (("export", "--format", "json"), 0),
    (("export", "--format", "csv"), 0),
    (("digest",), 0),
    (("digest", "--out", "OUT"), 0),
    (("digest", "--link"), 1),  # no reply key yet: the daemon makes it
    (("upcoming",), 0),
    (("check",), 0),
    (("talk", "list"), 0),
    (("ask", "list"), 0),
    (("boundary", "list"), 0),
    (("calendar-url",), 1),  # no key yet
]


@pytest.mark.parametrize(("argv", "code"), COMMANDS, ids=[" ".join(a) for a, _ in COMMANDS])
def test_a_reading_command_makes_no_data_folder(config_file, halfway, tmp_path, argv, code):
    written = config_file(
        '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n',
        server=True,
        channels={"phone": "ntfy://ntfy.example.net/halfway-7f3a"},
    )
    assert written.data_dir is not None
    assert not written.data_dir.exists()
    args = [str(tmp_path / "out.html") if a == "OUT" else a for a in argv]
    ran = halfway(*args, "--config", str(written.path))
    assert ran.code == code, ran.err
    assert "Traceback" not in ran.err
    assert not written.data_dir.exists()


def test_a_folder_that_lost_its_file_is_still_refused_by_name(config_file, halfway) -> None:
    written = config_file()
    assert written.data_dir is not None
    written.data_dir.mkdir()
    (written.data_dir / "secret.key").write_bytes(b"k" * 32)
    ran = halfway("history", "--config", str(written.path))
    assert ran.code == 1
    assert "halfway.json" in ran.err
    assert "missing" in ran.err
    assert not (written.data_dir / "halfway.json").exists()
