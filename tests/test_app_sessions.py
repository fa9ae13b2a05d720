"""The private app's sessions: a signed cookie bound to the private link's token now."""

from __future__ import annotations

import pytest

from halfway.core import tokens

KEY = b"k" * 32
LINK = "a-private-link-token"
NOW = 1_800_000_000


def test_a_session_holds_until_it_ends() -> None:
    cookie = tokens.open_session(KEY, LINK, NOW + 60)
    assert tokens.session_ends(KEY, LINK, cookie, NOW) == NOW + 60
    assert tokens.session_ends(KEY, LINK, cookie, NOW + 59.5) == NOW + 60
    assert tokens.session_ends(KEY, LINK, cookie, NOW + 60) is None


def test_two_sessions_differ_and_revoking_the_link_ends_both() -> None:
    first, second = (tokens.open_session(KEY, LINK, NOW + 60) for _ in range(2))
    assert first != second
    for cookie in (first, second):
        assert tokens.session_ends(KEY, "the-new-token", cookie, NOW) is None
        assert tokens.session_ends(KEY, None, cookie, NOW) is None


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.replace(c.split(".")[0], str(NOW + 10**6), 1),  # a later end
        lambda c: c[:-1] + ("A" if not c.endswith("A") else "B"),  # the mac
        lambda c: c + "x",
        lambda c: "",
        lambda c: "x" * 5000,
        lambda c: c.replace(".", ":"),
    ],
)
def test_a_changed_cookie_opens_nothing(change) -> None:
    cookie = tokens.open_session(KEY, LINK, NOW + 60)
    assert tokens.session_ends(KEY, LINK, change(cookie), NOW) is None


def test_another_key_opens_nothing() -> None:
    cookie = tokens.open_session(b"o" * 32, LINK, NOW + 60)
    assert tokens.session_ends(KEY, LINK, cookie, NOW) is None
