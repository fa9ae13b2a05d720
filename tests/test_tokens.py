"""Reply tokens cannot be forged: every one-character change of a genuine token, in
the delivery id or the signature, is refused; so are other shapes."""

from __future__ import annotations

import string

from halfway.core import tokens

ALPHABET = string.ascii_letters + string.digits + "-_."


def test_every_one_character_forgery_is_refused() -> None:
    key = bytes(range(32))
    genuine = tokens.make(key, "d_0123456789ab")
    assert tokens.check(key, genuine) == "d_0123456789ab"
    tried = 0
    for position in range(len(genuine)):
        for char in ALPHABET:
            if char == genuine[position]:
                continue
            forged = genuine[:position] + char + genuine[position + 1 :]
            assert tokens.check(key, forged) is None, forged
            tried += 1
    assert tried == len(genuine) * (len(ALPHABET) - 1)  # 35 positions × 64 = 2,240


def test_other_shapes_and_other_keys_are_refused() -> None:
    key, other = bytes(range(32)), bytes(range(1, 33))
    genuine = tokens.make(key, "d_0123456789ab")
    for token in ("", ".", "d_0123456789ab", genuine + "A", genuine[:-1], "ä" + genuine[1:]):
        assert tokens.check(key, token) is None, token
    assert tokens.check(other, genuine) is None
