"""The private app's log page and calm minute over real HTTP to the daemon's web app (an
injected clock): each kind of entry from the page is the record `halfway log` writes;
what the CLI refuses, the page refuses in its words with 422 and nothing written; the
story check keeps its moment as `halfway log gesture` does, and breathing writes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from freezegun import freeze_time
from markupsafe import escape

from halfway.ledger import book
from halfway.store import links
from halfway.store.database import Store

from .conftest import Clock
from .engine import make_daemon
from .test_app import csrf_of, talk_to

NOW = "2026-11-25T19:00:00+01:00"  # a Wednesday evening in Berlin
EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'


@pytest.fixture
def served(tmp_path):
    """A started daemon on an injected clock; (daemon, the private token, clock)."""
    clock = Clock(NOW)
    daemon = make_daemon(tmp_path, EVENING, clock)
    return daemon, links.required(daemon.store.data_dir)["digest"], clock


def entries_of(data_dir) -> list[dict[str, Any]]:
    return Store(data_dir).view().records("entries")


def without_id(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "id"} for r in records]


@pytest.fixture
def cli(config_file, halfway, tmp_path):
    """`halfway ARGS… --config` on a config of its own (data in tmp_path/cli)."""
    other = config_file(EVENING, name="other/config.toml")
    data = tmp_path / "cli"
    other.path.write_text(other.path.read_text().replace(str(other.data_dir), str(data)))

    def run(*args: str):
        return halfway(*args, "--config", str(other.path))

    run.data = data  # type: ignore[attr-defined]
    return run


def post(daemon, token: str, path: str, form: dict[str, str]) -> tuple[int, str, str]:
    """Open the session, post `form` to `path` with the page's guard: (status, the page
    it leads to, the Location it answered)."""

    async def steps(client) -> tuple[int, str, str]:
        guard = csrf_of(await (await client.get(f"{path}?t={token}")).text())
        posted = await client.post(path, data={**form, "csrf": guard}, allow_redirects=False)
        where = posted.headers.get("Location", "")
        shown = await (await client.get(where)).text() if where else await posted.text()
        return posted.status, shown, where

    return talk_to(daemon, steps)


@pytest.mark.parametrize(
    ("kind", "text", "by"),
    [
        ("gesture", "made me tea", None),
        ("gesture", "left a note on the fridge\nwith a heart", "partner"),
        ("initiation", "I suggested a walk", None),
        ("initiation", "I asked about the weekend", "me"),
        ("initiation", "asked how my day was", "partner"),
        ("boundary", "I took my evening walk", None),
        ("note", "a long day at work for both of us", "me"),
        ("hurt", "a sharp word at dinner", "partner"),
        ("hurt", "I felt alone tonight", None),
    ],
)
def test_each_kind_from_the_page_is_the_entry_halfway_log_writes(
    served, cli, kind, text, by
) -> None:
    daemon, token, clock = served
    form = {"kind": kind, "text": text} | ({"by": by} if by else {})
    status, page, where = post(daemon, token, "/log", form)
    assert (status, where) == (303, "/log?done=noted")
    assert '<p class="status" role="status">Noted in your log.' in page
    assert str(escape(text.splitlines()[0])) in page  # today's entries: its own words

    with freeze_time(clock()):
        ran = cli("log", kind, text, *(["--by", by] if by else []))
    assert ran.code == 0, ran.err
    from_page, from_cli = entries_of(daemon.store.data_dir), entries_of(cli.data)
    assert len(from_page) == 1
    assert without_id(from_page) == without_id(from_cli)
    if kind == "initiation":
        assert from_page[0]["by"] == (by or "me")


@pytest.mark.parametrize(
    ("text", "cli_said"),
    [
        ("", "TEXT: is empty; write a few words"),
        ("   \n\t ", "TEXT: is empty; write a few words"),
        ("x" * (book.MAX_ENTRY + 1), f"TEXT: is longer than {book.MAX_ENTRY} characters"),
    ],
)
def test_a_text_the_cli_refuses_the_page_refuses_in_its_words_writing_nothing(
    served, cli, text, cli_said
) -> None:
    daemon, token, clock = served
    status, page, _where = post(daemon, token, "/log", {"kind": "gesture", "text": text})
    assert status == 422
    assert entries_of(daemon.store.data_dir) == []
    with freeze_time(clock()):
        ran = cli("log", "gesture", text)
    assert ran.code == 2
    assert cli_said in ran.err
    problem = cli_said.partition(": ")[2]
    assert f'<p class="problem" role="alert">What happened: {problem}</p>' in page
    assert not cli.data.exists()  # the CLI refuses before the data folder is touched


@pytest.mark.parametrize(
    ("form", "said"),
    [
        ({"kind": "praise", "text": "hello"}, "What it was: 'praise' is not one of gesture"),
        ({"kind": "", "text": "hello"}, "What it was: '' is not one of gesture"),
        ({"kind": "gesture", "text": "hello", "by": "them"}, "Who: 'them' is not one of me"),
    ],
)
def test_a_kind_or_who_the_cli_does_not_take_is_refused_writing_nothing(served, form, said) -> None:
    daemon, token, _clock = served
    status, page, _where = post(daemon, token, "/log", form)
    assert status == 422
    assert str(escape(said)) in page
    assert entries_of(daemon.store.data_dir) == []
    assert ">hello</textarea>" in page  # the words typed are kept


def test_a_log_form_not_from_the_app_writes_nothing(served) -> None:
    daemon, token, _clock = served

    async def steps(client) -> list[int]:
        seen = [(await client.get("/log")).status, (await client.get("/calm")).status]
        await client.get(f"/log?t={token}")  # the session opens
        form = {"kind": "gesture", "text": "tea"}
        seen.append((await client.post("/log", data=form, allow_redirects=False)).status)
        seen.append(
            (await client.post("/calm", data={"text": "tea"}, allow_redirects=False)).status
        )
        forged = {**form, "csrf": "forged"}
        seen.append((await client.post("/log", data=forged, allow_redirects=False)).status)
        return seen

    assert talk_to(daemon, steps) == [403, 403, 403, 403, 403]
    assert entries_of(daemon.store.data_dir) == []


def test_today_shows_only_today_s_words_latest_first_and_no_score(served) -> None:
    daemon, token, clock = served
    store = daemon.store
    book.add_entry(store, "gesture", "yesterday's tea", None, clock())
    clock.advance(hours=6)  # 01:00 on Thursday, Berlin
    book.add_entry(store, "initiation", "I said good night", None, clock())
    clock.advance(hours=12)
    book.add_entry(store, "hurt", "a cold silence", "partner", clock())

    async def steps(client) -> str:
        return await (await client.get(f"/log?t={token}")).text()

    page = talk_to(daemon, steps)
    today = page.split("<h2>Today</h2>", 1)[1]
    assert "yesterday&#39;s tea" not in today
    assert today.index("a cold silence") < today.index("I said good night")
    assert "13:00" in today
    assert "01:00" in today
    shown = page.split("<h1>", 1)[1].lower()  # what the page says, below its styles
    for word in ("count", "score", "%", "effort", "balance"):
        assert word not in shown, word


def test_the_tab_title_says_nothing_of_the_page_when_discreet(served) -> None:
    daemon, token, _clock = served

    async def steps(client) -> list[str]:
        return [await (await client.get(f"{p}?t={token}")).text() for p in ("/log", "/calm")]

    for page in talk_to(daemon, steps):
        title = page.split("<title>", 1)[1].split("</title>", 1)[0].lower()
        for word in ("halfway", "log", "calm", "moment", "partner"):
            assert word not in title


def test_the_calm_minute_breathes_in_css_and_writes_nothing_by_itself(served) -> None:
    daemon, token, _clock = served

    async def steps(client) -> tuple[int, str]:
        home = await (await client.get(f"/?t={token}")).text()
        assert 'href="/calm"' in home  # linked from home
        answer = await client.get("/calm")
        return answer.status, await answer.text()

    status, page = talk_to(daemon, steps)
    assert status == 200
    assert "<script" not in page
    assert "@keyframes breathe" in page
    assert "animation:breathe 10s" in page  # 4 s in (40 %), 6 s out
    assert "prefers-reduced-motion: reduce" in page
    assert "In, two, three, four." in page  # the still words
    assert "does not fit that story" in page
    assert entries_of(daemon.store.data_dir) == []


def test_the_story_check_keeps_its_moment_as_halfway_log_gesture(served, cli) -> None:
    daemon, token, clock = served
    text = "they saved me the last piece of cake"
    status, page, where = post(daemon, token, "/calm", {"text": text})
    assert (status, where) == (303, "/calm?done=kept")
    assert '<p class="status" role="status">Kept in your log.' in page
    with freeze_time(clock()):
        assert cli("log", "gesture", text).code == 0
    (entry,) = entries_of(daemon.store.data_dir)
    assert (entry["kind"], entry["text"]) == ("gesture", text)
    assert "by" not in entry  # as the evening's answer: not asked who
    assert without_id([entry]) == without_id(entries_of(cli.data))


def test_an_empty_story_check_is_refused_writing_nothing(served) -> None:
    daemon, token, _clock = served
    status, page, _where = post(daemon, token, "/calm", {"text": "  "})
    assert status == 422
    assert "The moment: is empty; write a few words" in page
    assert entries_of(daemon.store.data_dir) == []
