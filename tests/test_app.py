"""The private app over real HTTP to the daemon's web app (an injected clock): the
private link opens a session, every form is guarded, and the talks page writes what
`halfway talk` writes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from freezegun import freeze_time
from markupsafe import escape

from halfway.store import links
from halfway.store.database import Store

from .conftest import Clock
from .engine import make_daemon

NOW = "2026-11-25T19:00:00+01:00"  # a Wednesday evening in Berlin
EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'


@pytest.fixture
def served(tmp_path):
    """A started daemon on an injected clock; (daemon, the private token, clock)."""
    clock = Clock(NOW)
    daemon = make_daemon(tmp_path, EVENING, clock)
    return daemon, links.required(daemon.store.data_dir)["digest"], clock


def talk_to(daemon, steps: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run `steps` with a client that keeps cookies (on 127.0.0.1 too: `unsafe`)."""
    from aiohttp import CookieJar
    from aiohttp.test_utils import TestClient, TestServer

    async def run() -> Any:
        jar = CookieJar(unsafe=True)
        async with TestClient(TestServer(daemon.web_app()), cookie_jar=jar) as client:
            return await steps(client)

    return asyncio.run(run())


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def talks_of(daemon) -> list[dict[str, Any]]:
    return Store(daemon.store.data_dir).view().records("talks")


def test_the_link_opens_a_session_that_later_visits_use_without_the_link(served) -> None:
    daemon, token, _clock = served

    async def steps(client) -> tuple[Any, ...]:
        without = await client.get("/talks")
        opened = await client.get(f"/?t={token}")
        cookie = opened.headers["Set-Cookie"]
        talks = await client.get("/talks")  # the cookie alone, no link
        home = await client.get("/")
        return without.status, opened.status, cookie, talks.status, await home.text()

    without, opened, cookie, talks, home = talk_to(daemon, steps)
    assert (without, opened, talks) == (403, 200, 200)
    assert cookie.startswith("session=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "max-age", "path", "samesite"} <= attributes
    assert "samesite=strict" in cookie.lower()
    assert "max-age=2592000" in cookie.lower()  # 30 days, the default
    assert "secure" not in attributes  # plain http on loopback: a Secure cookie is never sent
    assert "Coming up" in home
    assert "Your week" in home


def test_the_session_ends_with_its_time_and_with_the_link(served, halfway, config_file) -> None:
    daemon, token, clock = served

    async def steps(client) -> list[int]:
        await client.get(f"/?t={token}")
        seen = [(await client.get("/talks")).status]
        clock.advance(days=29, hours=23)
        seen.append((await client.get("/talks")).status)
        clock.advance(hours=2)  # past 30 days: ended
        seen.append((await client.get("/talks")).status)
        await client.get(f"/?t={token}")  # the link opens a new one
        seen.append((await client.get("/talks")).status)
        links.revoke(daemon.store.data_dir, "digest")  # `halfway links revoke private`
        seen.append((await client.get("/talks")).status)
        seen.append((await client.get(f"/?t={token}")).status)
        return seen

    assert talk_to(daemon, steps) == [200, 200, 403, 200, 403, 403]


def test_a_secure_cookie_behind_https(tmp_path) -> None:
    clock = Clock(NOW)
    body = EVENING + '[server]\npublic_url = "https://halfway.example.net"\nsession = "2d"\n'
    daemon = make_daemon(tmp_path, body, clock)
    token = links.required(daemon.store.data_dir)["digest"]

    async def steps(client) -> str:
        return (await client.get(f"/?t={token}")).headers["Set-Cookie"]

    cookie = talk_to(daemon, steps).lower()
    assert "; secure" in cookie
    assert "max-age=172800" in cookie


def plan_form(when: str, topic: str, csrf: str | None) -> dict[str, str]:
    return {"when": when, "topic": topic} | ({"csrf": csrf} if csrf is not None else {})


@pytest.mark.parametrize(
    ("csrf", "headers", "why"),
    [
        (None, {}, "no guard"),
        ("forged", {}, "a forged guard"),
        ("good", {"Origin": "https://elsewhere.example"}, "another origin"),
        ("good", {"Origin": "null"}, "an opaque origin"),
        ("good", {"Sec-Fetch-Site": "cross-site"}, "another site"),
        ("good", {"Sec-Fetch-Site": "same-site"}, "a sibling site"),
    ],
)
def test_a_form_not_from_the_app_writes_nothing(served, csrf, headers, why) -> None:
    daemon, token, _clock = served

    async def steps(client) -> int:
        page = await (await client.get(f"/talks?t={token}")).text()  # opens the session
        guard = csrf_of(page) if csrf == "good" else csrf
        posted = await client.post(
            "/talks",
            data=plan_form("sat 19:00", "us", guard),
            headers=headers,
            allow_redirects=False,
        )
        return posted.status

    assert talk_to(daemon, steps) == 403, why
    assert talks_of(daemon) == []


def test_a_form_with_an_ended_or_revoked_session_writes_nothing(served) -> None:
    daemon, token, clock = served

    async def steps(client) -> list[int]:
        guard = csrf_of(await (await client.get(f"/talks?t={token}")).text())
        seen = []
        clock.advance(days=31)
        form = plan_form("sat 19:00", "us", guard)
        seen.append((await client.post("/talks", data=form, allow_redirects=False)).status)
        clock.set(NOW)
        links.revoke(daemon.store.data_dir, "digest")
        seen.append((await client.post("/talks", data=form, allow_redirects=False)).status)
        # the link alone, without the session's cookie, takes no form either
        client.session.cookie_jar.clear()
        fresh = links.required(daemon.store.data_dir)["digest"]
        posted = await client.post(f"/talks?t={fresh}", data=form, allow_redirects=False)
        seen.append(posted.status)
        return seen

    assert talk_to(daemon, steps) == [403, 403, 403]
    assert talks_of(daemon) == []


def test_planning_a_talk_shows_its_nudges_first_and_writes_nothing_until_confirmed(
    served,
) -> None:
    daemon, token, _clock = served

    async def steps(client) -> tuple[str, int, str]:
        guard = csrf_of(await (await client.get(f"/talks?t={token}")).text())
        preview = await client.post(
            "/talks/preview", data=plan_form("sat 19:00", "the weekend", guard)
        )
        shown = await preview.text()
        assert talks_of(daemon) == []  # a preview writes nothing
        posted = await client.post(
            "/talks",
            data=plan_form("sat 19:00", "the weekend", csrf_of(shown)),
            allow_redirects=False,
        )
        after = await (await client.get(posted.headers["Location"])).text()
        return shown, posted.status, after

    shown, status, after = talk_to(daemon, steps)
    assert "Sat 2026-11-28 19:00" in shown
    assert "the weekend" in shown
    for step in ("Your clear ask", "A kinder look at the story", "A calm minute", "Looking back"):
        assert step in shown
    assert 'value="Plan it"' in shown or ">Plan it<" in shown
    assert status == 303
    assert "Planned." in after
    (talk,) = talks_of(daemon)
    assert (talk["topic"], talk["state"]) == ("the weekend", "planned")


@pytest.mark.parametrize(
    ("when", "problem"),
    [
        ("someday", "someday"),
        ("monday", "time"),  # a day with no time: the same line asks for one
        ("yesterday 19:00", "yesterday 19:00"),
    ],
)
def test_a_when_it_cannot_take_is_said_in_the_cli_s_words_and_nothing_is_written(
    served, halfway, config_file, when, problem
) -> None:
    daemon, token, clock = served

    async def steps(client) -> tuple[int, str]:
        guard = csrf_of(await (await client.get(f"/talks?t={token}")).text())
        posted = await client.post("/talks", data=plan_form(when, "", guard))
        return posted.status, await posted.text()

    status, page = talk_to(daemon, steps)
    assert status == 422
    assert talks_of(daemon) == []
    written = config_file(EVENING)
    with freeze_time(clock()):
        ran = halfway("talk", "add", when, "--config", str(written.path))
    assert ran.code == 2
    said = ran.err.strip().partition("WHEN: ")[2]  # "halfway talk: WHEN: <the problem>"
    assert said
    assert str(escape(said)) in page  # the page says the CLI's own words
    assert problem in said


def test_the_same_talk_from_the_page_and_the_cli_is_the_same_record(
    served, halfway, config_file, tmp_path
) -> None:
    daemon, token, clock = served

    async def steps(client) -> None:
        guard = csrf_of(await (await client.get(f"/talks?t={token}")).text())
        await client.post("/talks", data=plan_form("tomorrow 20:30", "money", guard))
        (talk,) = talks_of(daemon)
        await client.post(f"/talks/{talk['id']}/move", data={"csrf": guard, "when": "sat 18:00"})
        await client.post(f"/talks/{talk['id']}/cancel", data={"csrf": guard})

    talk_to(daemon, steps)
    (from_page,) = talks_of(daemon)

    other = config_file(EVENING, name="other/config.toml")
    cli_data = tmp_path / "cli"
    other.path.write_text(other.path.read_text().replace(str(other.data_dir), str(cli_data)))
    with freeze_time(clock()):
        added = halfway(
            "talk", "add", "tomorrow 20:30", "--topic", "money", "--config", str(other.path)
        )
        assert added.code == 0, added.err
        talk_id = added.out.split()[2].rstrip(":")
        assert halfway("talk", "move", talk_id, "sat 18:00", "--config", str(other.path)).code == 0
        assert halfway("talk", "cancel", talk_id, "--config", str(other.path)).code == 0
    (from_cli,) = Store(cli_data).view().records("talks")

    def same(talk: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in talk.items() if k != "id"}

    assert same(from_page) == same(from_cli)
    assert [h["state"] for h in from_page["history"]] == ["planned", "moved", "cancelled"]


def test_done_before_the_talk_needs_the_page_s_own_already_button(served) -> None:
    daemon, token, _clock = served

    async def steps(client) -> tuple[str, str]:
        guard = csrf_of(await (await client.get(f"/talks?t={token}")).text())
        await client.post("/talks", data=plan_form("sat 19:00", "", guard))
        page = await (await client.get("/talks")).text()
        (talk,) = talks_of(daemon)
        refused = await client.post(f"/talks/{talk['id']}/done", data={"csrf": guard})
        refused_text = await refused.text()
        await client.post(f"/talks/{talk['id']}/done", data={"csrf": guard, "early": "yes"})
        return page, refused_text

    page, refused = talk_to(daemon, steps)
    assert "It took place already" in page
    assert "has not begun" in refused or "not begun" in refused
    (talk,) = talks_of(daemon)
    assert talk["state"] == "done"


def test_the_home_page_shows_what_comes_next_and_the_next_talk(served) -> None:
    daemon, token, _clock = served

    async def steps(client) -> str:
        guard = csrf_of(await (await client.get(f"/talks?t={token}")).text())
        await client.post("/talks", data=plan_form("sat 19:00", "the weekend", guard))
        return await (await client.get("/")).text()

    home = talk_to(daemon, steps)
    coming = home.split("Coming up", 1)[1].split("</section>", 1)[0]
    assert "Wed 2026-11-25 20:00" in coming
    assert "A small moment today?" in coming  # the practice by its title, not its id
    assert "Your next talk" in home
    assert "Sat 2026-11-28 19:00" in home


def test_the_preview_says_what_halfway_talk_add_says_when_daylight_saving_moves_the_time(
    served,
) -> None:
    daemon, token, _clock = served

    async def steps(client) -> str:
        guard = csrf_of(await (await client.get(f"/talks?t={token}")).text())
        preview = await client.post("/talks/preview", data=plan_form("2027-03-28 02:30", "", guard))
        return await preview.text()

    shown = str(talk_to(daemon, steps))
    assert "does not exist in Europe/Berlin (the clocks go forward), so it is 03:30" in shown
    assert talks_of(daemon) == []
