"""Reply tokens cannot be forged: every one-character change of a genuine token, in
the delivery id or the signature, is refused; so are other shapes."""

from __future__ import annotations

import string

from halfway.core import tokens
from halfway.replies import mailparse

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


def test_one_shape_for_every_reader_of_a_token() -> None:
    """The reply page, an e-mail reply and `halfway reply` read a token in one shape,
    bounded: a genuine token is in it; what is longer or not ASCII is in none of them."""
    key = bytes(range(32))
    genuine = tokens.make(key, "d_0123456789ab")
    link = f"https://h.example/r/{genuine}"
    assert tokens.well_formed(genuine)
    assert tokens.delivery_named(link) == "d_0123456789ab"
    assert mailparse.TOKEN_LINK.search(f"> {link}\n").group("token") == genuine  # type: ignore[union-attr]
    assert mailparse.SUBJECT_TOKEN.search(f"Re: a nudge [{genuine}]").group("token") == genuine  # type: ignore[union-attr]
    for shape in (
        "d_" + "a" * 63 + ".sig",
        "d_1." + "s" * 65,
        "d_ä.sig",
        "d-1.sig",
        "d_1",
        "d_1.s.t",
    ):
        assert not tokens.well_formed(shape), shape
        assert tokens.delivery_named(f"https://h.example/r/{shape}") is None, shape
        assert mailparse.SUBJECT_TOKEN.search(f"[{shape}]") is None, shape
