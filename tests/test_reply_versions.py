"""A reply by its link, and a changed reply's earlier versions in `history` and both
exports (issue 16 item 24), through the real CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from freezegun import freeze_time

from halfway.replies import tokens

from .engine import first_start

NUDGE = (
    'discreet = false\n[[nudges]]\nid = "evening"\nkind = "custom"\n'
    'text = "Did you get a moment together?"\nchoices = ["yes", "no"]\ncron = "0 20 * * *"\n'
)


@pytest.fixture
def sent(config_file, http_receiver, halfway) -> tuple[Path, str, str]:
    """A nudge sent at 18:30 Berlin time (17:30 UTC); its config, delivery id and reply link."""
    written = config_file(NUDGE, channels={"push": http_receiver.json_url()})
    first_start(written.data_dir)
    with freeze_time("2026-11-25T17:30:00Z"):
        ran = halfway("send", "evening", "--config", str(written.path))
    assert ran.code == 0, ran.err
    link = re.search(r"https?://\S+/r/\S+", http_receiver.bodies()[0]["message"]).group(0)
    delivery_id = link.rsplit("/", 1)[1].split(".")[0]
    return written.path, delivery_id, link


def export(halfway, path: Path, fmt: str = "json") -> str:
    ran = halfway("export", "--format", fmt, "--config", str(path))
    assert ran.code == 0, ran.err
    return ran.out


def test_reply_takes_the_token_as_the_link_ends_it(sent, halfway) -> None:
    path, delivery_id, link = sent
    token = link.rsplit("/", 1)[1]
    assert token.startswith(delivery_id + ".")
    with freeze_time("2026-11-25T17:40:00Z"):
        ran = halfway("reply", token, "yes", "--config", str(path))
    assert (ran.code, ran.out.strip()) == (0, "noted: Yes"), ran.err
    [reply] = json.loads(export(halfway, path))["replies"]
    assert (reply["delivery_id"], reply["value"], reply["via"]) == (delivery_id, "yes", "cli")


def test_reply_takes_the_whole_link_and_an_unknown_one_is_exit_2(sent, halfway) -> None:
    path, delivery_id, link = sent
    assert link.startswith("http://")
    with freeze_time("2026-11-25T17:40:00Z"):
        ran = halfway("reply", link + "?saved=1", "later", "--config", str(path))
        assert (ran.code, ran.out.strip()) == (0, "noted: Later"), ran.err
        secure = "https://" + link.removeprefix("http://")  # behind a proxy, say
        ran = halfway("reply", f"  {secure}#top  ", "no", "--config", str(path))
        assert ran.code == 0, ran.err
        assert [r["value"] for r in json.loads(export(halfway, path))["replies"]] == ["no"]

        unknown = link.replace(delivery_id, "d_000000000000")
        missing = halfway("reply", unknown, "yes", "--config", str(path))
        bare = halfway("reply", "d_000000000000", "yes", "--config", str(path))
        assert (missing.code, missing.err) == (bare.code, bare.err) == (2, missing.err)
        assert "no delivery 'd_000000000000'" in missing.err
        assert missing.err.count("\n") == 1
        assert link.rsplit(".", 1)[1] not in missing.err  # the signature is never echoed

        for wrong in (f"{link}x" * 200, "https://example.net/nothing/here", "d_1./", "d_1.a b"):
            ran = halfway("reply", wrong, "yes", "--config", str(path))
            assert ran.code == 2, (wrong, ran.err)
            assert ran.err.count("\n") == 1, ran.err


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ("d_1a2b", "d_1a2b"),  # the bare id, as today
        ("d_1a2b.Zx-_9", "d_1a2b"),
        ("https://example.net/halfway/r/d_1a2b.Zx-_9?saved=1#x", "d_1a2b"),  # under a path
        ("http://127.0.0.1:8470/r/d_1a2b.Zx-_9/log", "d_1a2b"),  # the page's own form
        ("https://example.net/r/d_1a2b", None),  # a link without its signature
        ("https://example.net/r/", None),
        ("d_1a2b.", None),
        ("d_1a2b.Zx9" + "9" * 64, None),  # longer than any signature
        ("https://example.net/r/d_1a2b.Zx9" + "/" * 2048, None),  # longer than any link
        ("", None),
    ],
)
def test_delivery_named_reads_an_id_a_token_or_a_link(given: str, named: str | None) -> None:
    assert tokens.delivery_named(given) == named
