"""Sealed bytes (store/sealing): what one key seals only that key opens, under that name."""

from __future__ import annotations

import pytest

from halfway.store import sealing


def test_a_sealed_file_opens_only_with_its_key_and_its_name(tmp_path):
    key = sealing.new_key()
    data = sealing.seal(key, b'{"note": "felt close"}', "halfway.json")
    assert sealing.is_sealed(data)
    assert b"felt close" not in data
    assert sealing.unseal(key, data, "halfway.json") == b'{"note": "felt close"}'
    with pytest.raises(sealing.SealError):
        sealing.unseal(sealing.new_key(), data, "halfway.json")
    with pytest.raises(sealing.SealError):
        sealing.unseal(key, data, "archive-2026-11.json")
    changed = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(sealing.SealError):
        sealing.unseal(key, changed, "halfway.json")


def test_a_key_file_is_made_0600_and_refused_when_others_can_read_it(tmp_path):
    path = tmp_path / "halfway.key"
    key = sealing.new_key()
    sealing.write_key(path, key)
    assert path.stat().st_mode & 0o777 == 0o600
    assert sealing.read_key(path) == key
    with pytest.raises(FileExistsError):
        sealing.write_key(path, key)
    path.chmod(0o644)
    with pytest.raises(sealing.SealError, match="other users"):
        sealing.read_key(path)
    path.chmod(0o600)
    path.write_text("not a key\n")
    with pytest.raises(sealing.SealError, match="not a halfway key"):
        sealing.read_key(path)
    with pytest.raises(sealing.SealError, match="does not exist"):
        sealing.read_key(tmp_path / "gone.key")
