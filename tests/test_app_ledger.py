"""The private app's asks and boundaries pages over real HTTP to the daemon's web app (an
injected clock): they write what `halfway ask` and `halfway boundary` write, refuse
what those refuse in the same words (422, nothing written), and keep no score."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from markupsafe import escape

from halfway.ledger import book, boundaries
from halfway.store import links
from halfway.store.database import Store

from .conftest import Clock
from .engine import make_daemon
from .test_app import EVENING, NOW, csrf_of, talk_to


@pytest.fixture
def served(tmp_path):
    """A started daemon on an injected clock; (daemon, the private token, clock)."""
    clock = Clock(NOW)
    daemon = make_daemon(tmp_path, EVENING, clock)
    return daemon, links.required(daemon.store.data_dir)["digest"], clock


def records(data_dir: Path, table: str) -> list[dict[str, Any]]:
    return Store(data_dir).view().records(table)


def without_ids(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(({k: v for k, v in r.items() if k != "id"} for r in found), key=lambda r: str(r))


@pytest.fixture
def cli_side(config_file, halfway, tmp_path):
    """Run `halfway …` on a second config whose data folder is its own; (run, data dir)."""
    other = config_file(EVENING, name="other/config.toml")
    data = tmp_path / "cli"
    other.path.write_text(other.path.read_text().replace(str(other.data_dir), str(data)))

    def run(*args: str):
        return halfway(*args, "--config", str(other.path))

    return run, data


def new_id(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> str:
    (made,) = {r["id"] for r in after} - {r["id"] for r in before}
    return made


# asks ---------------------------------------------------------------------------------


def test_the_same_asks_from_the_page_and_the_cli_are_the_same_records(served, cli_side) -> None:
    daemon, token, clock = served
    data = daemon.store.data_dir

    async def steps(client) -> list[str]:
        guard = csrf_of(await (await client.get(f"/asks?t={token}")).text())
        said: list[str] = []
        posted = await client.post(
            "/asks", data={"csrf": guard, "text": "20 minutes on Saturday", "draft": "no"}
        )
        said.append(await posted.text())
        said_id = records(data, "asks")[0]["id"]
        before = records(data, "asks")
        posted = await client.post(
            "/asks", data={"csrf": guard, "text": "a walk on Sunday", "draft": "yes"}
        )
        said.append(await posted.text())
        draft_id = new_id(before, records(data, "asks"))
        clock.advance(hours=1)
        for ask_id, state in ((draft_id, "asked"), (said_id, "agreed"), (said_id, "resting")):
            posted = await client.post(
                f"/asks/{ask_id}/state", data={"csrf": guard, "state": state}
            )
            said.append(await posted.text())
        return said

    clock_at = clock()
    pages = talk_to(daemon, steps)
    assert "Noted your ask." in pages[0]
    assert "Kept as a draft" in pages[1]
    assert "Marked as said." in pages[2]
    assert "It rests now." in pages[4]

    run, cli_data = cli_side
    with freeze_time(clock_at) as frozen:
        assert run("ask", "add", "20 minutes on Saturday").code == 0
        said_id = records(cli_data, "asks")[0]["id"]
        before = records(cli_data, "asks")
        assert run("ask", "add", "a walk on Sunday", "--draft").code == 0
        draft_id = new_id(before, records(cli_data, "asks"))
        frozen.tick(3600)
        for ask_id, state in ((draft_id, "asked"), (said_id, "agreed"), (said_id, "resting")):
            ran = run("ask", "update", ask_id, state)
            assert ran.code == 0, ran.err

    from_page, from_cli = records(data, "asks"), records(cli_data, "asks")
    assert without_ids(from_page) == without_ids(from_cli)
    states = {a["text"]: [h["state"] for h in a["history"]] for a in from_page}
    assert states == {
        "20 minutes on Saturday": ["asked", "agreed", "resting"],
        "a walk on Sunday": ["draft", "asked"],
    }


def test_declined_on_a_draft_is_refused_in_the_cli_s_words_and_nothing_is_written(
    served, cli_side
) -> None:
    daemon, token, clock = served
    data = daemon.store.data_dir

    async def steps(client) -> tuple[int, str, list[dict[str, Any]], str]:
        guard = csrf_of(await (await client.get(f"/asks?t={token}")).text())
        await client.post("/asks", data={"csrf": guard, "text": "a walk", "draft": "yes"})
        before = records(data, "asks")
        shown = await (await client.get("/asks")).text()
        posted = await client.post(
            f"/asks/{before[0]['id']}/state", data={"csrf": guard, "state": "declined"}
        )
        return posted.status, await posted.text(), before, shown

    status, page, before, shown = talk_to(daemon, steps)
    assert status == 422
    assert records(data, "asks") == before  # nothing written
    # the page offers only what a draft can take
    assert 'value="asked"' in shown
    assert 'value="resting"' in shown
    assert 'value="declined"' not in shown

    run, cli_data = cli_side
    with freeze_time(clock()):
        assert run("ask", "add", "a walk", "--draft").code == 0
        (ask,) = records(cli_data, "asks")
        ran = run("ask", "update", ask["id"], "declined")
    assert ran.code == 2
    said = ran.err.strip().partition("STATE: ")[2]
    assert "has not been said yet" in said
    page_words = said.replace(ask["id"], before[0]["id"])
    assert str(escape(page_words)) in page


@pytest.mark.parametrize(
    ("form", "where", "says"),
    [
        ({"text": "   "}, "/asks", "an ask needs a few words"),
        ({"text": "x" * 2001}, "/asks", "at most 2000 characters"),
        ({"state": "maybe"}, "/asks/{id}/state", "is not a state of an ask"),
        ({"state": "agreed"}, "/asks/a_nothere/state", "no ask 'a_nothere'"),
        ({"state": "asked"}, "/asks/{id}/state", "is already asked"),
    ],
)
def test_a_form_the_ledger_refuses_is_said_and_writes_nothing(served, form, where, says) -> None:
    daemon, token, _clock = served
    data = daemon.store.data_dir

    async def steps(client) -> tuple[int, str, list[dict[str, Any]]]:
        guard = csrf_of(await (await client.get(f"/asks?t={token}")).text())
        await client.post("/asks", data={"csrf": guard, "text": "an ask", "draft": "no"})
        before = records(data, "asks")
        posted = await client.post(where.format(id=before[0]["id"]), data={"csrf": guard, **form})
        return posted.status, await posted.text(), before

    status, page, before = talk_to(daemon, steps)
    assert status == 422
    assert str(escape(says)) in page
    assert 'role="alert"' in page
    assert records(data, "asks") == before


def test_resting_asks_are_folded_and_all_shows_them_without_any_count_of_answers(
    served,
) -> None:
    daemon, token, _clock = served

    async def steps(client) -> tuple[str, str]:
        guard = csrf_of(await (await client.get(f"/asks?t={token}")).text())
        for text in ("first", "second", "third"):
            await client.post("/asks", data={"csrf": guard, "text": text, "draft": "no"})
        ids = {a["text"]: a["id"] for a in records(daemon.store.data_dir, "asks")}
        await client.post(f"/asks/{ids['first']}/state", data={"csrf": guard, "state": "resting"})
        await client.post(f"/asks/{ids['second']}/state", data={"csrf": guard, "state": "declined"})
        folded = await (await client.get("/asks")).text()
        everything = await (await client.get("/asks?all=1")).text()
        return folded, everything

    folded, everything = talk_to(daemon, steps)
    assert "1 resting." in folded
    assert "first" not in folded.split("One clear ask", 1)[1]
    assert "They said no" in folded  # the state, in words
    assert 'href="/asks?all=1"' in folded
    assert "first" in everything
    assert "Take it up again" in everything
    # no tally of answers anywhere
    for page in (folded, everything):
        assert not re.search(r"\d+\s+(declined|said no|agreed|no answer)", page, re.I)


def test_an_ask_form_without_its_guard_writes_nothing(served) -> None:
    daemon, token, _clock = served

    async def steps(client) -> list[int]:
        await client.get(f"/asks?t={token}")
        seen = [(await client.post("/asks", data={"text": "an ask"})).status]
        seen.append((await client.post("/boundaries", data={"text": "my walk"})).status)
        seen.append((await client.post("/boundaries", data={"text": "a", "csrf": "forged"})).status)
        return seen

    assert talk_to(daemon, steps) == [403, 403, 403]
    assert records(daemon.store.data_dir, "asks") == []
    assert records(daemon.store.data_dir, "boundaries") == []


def test_the_pages_need_the_link_or_its_session(served) -> None:
    daemon, _token, _clock = served

    async def steps(client) -> list[int]:
        return [(await client.get(path)).status for path in ("/asks", "/boundaries")]

    assert talk_to(daemon, steps) == [403, 403]


# boundaries -----------------------------------------------------------------------------


def test_the_same_boundaries_from_the_page_and_the_cli_are_the_same_records(
    served, cli_side
) -> None:
    daemon, token, clock = served
    data = daemon.store.data_dir

    async def steps(client) -> list[str]:
        guard = csrf_of(await (await client.get(f"/boundaries?t={token}")).text())
        added = await client.post("/boundaries", data={"csrf": guard, "text": "my evening walk"})
        await client.post("/boundaries", data={"csrf": guard, "text": "  sleep  by  11  "})
        walk = next(b for b in records(data, "boundaries") if b["text"] == "my evening walk")
        clock.advance(hours=2)
        retired = await client.post(f"/boundaries/{walk['id']}/retire", data={"csrf": guard})
        return [await added.text(), await retired.text()]

    clock_at = clock()
    added, retired = talk_to(daemon, steps)
    assert "Added." in added
    assert "my evening walk" in added
    assert "Set aside." in retired
    active = retired.split("Yours now", 1)[1].split("<details>", 1)[0]
    assert "sleep by 11" in active
    assert "my evening walk" not in active
    assert "my evening walk" in retired.split("<details>", 1)[1]

    run, cli_data = cli_side
    with freeze_time(clock_at) as frozen:
        assert run("boundary", "add", "my evening walk").code == 0
        assert run("boundary", "add", "  sleep  by  11  ").code == 0
        walk = next(b for b in records(cli_data, "boundaries") if b["text"] == "my evening walk")
        frozen.tick(7200)
        assert run("boundary", "retire", walk["id"]).code == 0

    assert without_ids(records(data, "boundaries")) == without_ids(records(cli_data, "boundaries"))


def test_a_boundary_shows_how_it_held_last_in_the_nudge_s_words(served) -> None:
    daemon, token, clock = served
    added = book.add_boundary(daemon.store, "my evening walk", clock())
    with daemon.store.transaction() as tx:
        found = tx.boundary(added["id"])
        assert found is not None
        for day, value in ((1, "held"), (2, "crossed"), (3, "strained")):
            at = clock() + timedelta(days=day)
            found = boundaries.answered(found, f"d_{day}", value, None, at)
        tx.put("boundaries", found)

    async def steps(client) -> str:
        return await (await client.get(f"/boundaries?t={token}")).text()

    page = talk_to(daemon, steps)
    assert "Last time: Felt strained (2026-11-28 19:00)" in page
    assert "Did not hold" not in page  # the latest only, never a tally
    assert ">Held" not in page


@pytest.mark.parametrize(
    ("where", "form", "says"),
    [
        ("/boundaries", {"text": " "}, "a boundary needs a few words"),
        ("/boundaries", {"text": "x" * 301}, "at most 300 characters"),
        ("/boundaries/b_nothere/retire", {}, "no boundary 'b_nothere'"),
        ("/boundaries/{id}/retire", {}, "is already retired"),
    ],
)
def test_a_boundary_form_it_cannot_take_is_said_in_the_cli_s_words(
    served, where, form, says
) -> None:
    daemon, token, _clock = served
    data = daemon.store.data_dir

    async def steps(client) -> tuple[int, str, list[dict[str, Any]]]:
        guard = csrf_of(await (await client.get(f"/boundaries?t={token}")).text())
        await client.post("/boundaries", data={"csrf": guard, "text": "my walk"})
        (walk,) = records(data, "boundaries")
        await client.post(f"/boundaries/{walk['id']}/retire", data={"csrf": guard})
        before = records(data, "boundaries")
        posted = await client.post(where.format(id=walk["id"]), data={"csrf": guard, **form})
        return posted.status, await posted.text(), before

    status, page, before = talk_to(daemon, steps)
    assert status == 422
    assert str(escape(says)) in page
    assert records(data, "boundaries") == before


def test_a_boundary_from_the_config_is_not_offered_to_retire(tmp_path) -> None:
    clock = Clock(NOW)
    body = EVENING + '[[boundaries]]\nid = "walk"\ntext = "my evening walk"\n'
    daemon = make_daemon(tmp_path, body, clock)
    token = links.required(daemon.store.data_dir)["digest"]

    async def steps(client) -> tuple[str, int]:
        page = await (await client.get(f"/boundaries?t={token}")).text()
        posted = await client.post("/boundaries/walk/retire", data={"csrf": csrf_of(page)})
        return page, posted.status

    page, status = talk_to(daemon, steps)
    assert "my evening walk" in page
    assert "From your config file" in page
    assert "/boundaries/walk/retire" not in page
    assert status == 422
    (walk,) = records(daemon.store.data_dir, "boundaries")
    assert walk["active"] is True
