"""A backup of an encrypted data folder (issues 20's two promises together): sealed
whole with the folder's own key, so not one byte of a note or an id is readable in it;
checked and restored through the command line with the configured key, back into sealed
files that hold every record by id."""

from __future__ import annotations

from halfway.store import sealing
from halfway.store.database import Store

from .test_encryption import NOTES, config, every_byte, fill, ids, readable


def test_an_encrypted_folder_backs_up_sealed_and_restores_sealed_by_id(tmp_path, halfway) -> None:
    made = fill(tmp_path / "data")
    key_file = tmp_path / "etc" / "halfway.key"
    path = config(tmp_path, key_file)
    assert halfway("--config", str(path), "encrypt").code == 0
    key = sealing.read_key(key_file)

    backup = tmp_path / "halfway.backup"
    done = halfway("--config", str(path), "backup", str(backup))
    assert done.code == 0, done.err
    assert "not encrypted" not in done.out
    raw = backup.read_bytes()
    assert sealing.is_sealed(raw)
    for words in (*NOTES, *[i for found in made.values() for i in found], "manifest"):
        assert words.encode() not in raw
    assert base64_of(key) not in raw

    checked = halfway("--config", str(path), "backup", "--check", str(backup))
    assert checked.code == 0, checked.err
    (tmp_path / "other").mkdir()
    plain = config(tmp_path / "other", None)  # no [encryption]: the backup does not open
    refused = halfway("--config", str(plain), "backup", "--check", str(backup))
    assert refused.code == 2
    assert "encrypted" in refused.err

    target = tmp_path / "restored"
    back = halfway("--config", str(path), "restore", str(backup), "--to", str(target))
    assert back.code == 0, back.err
    assert readable(target) == []
    assert all(
        sealing.is_sealed(p.read_bytes()) for p in target.rglob("*.json") if p.name[0] != "."
        and p.name not in ("links.json", "halfway.writes.json")
    )  # fmt: skip
    assert ids(Store(target, key=key, create=False)) == made
    assert every_byte(target)  # something was written


def base64_of(key: bytes) -> bytes:
    import base64

    return base64.b64encode(key)
