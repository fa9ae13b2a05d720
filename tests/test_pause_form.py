"""The private page's "pause everything" form: real HTTP requests to the daemon's web app
(with an injected clock), guarded like the reply page's forms, writing exactly the pause
`halfway pause --all --until …` writes; and once in real Chromium against `halfway run`."""

from __future__ import annotations

import asyncio
import re
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from playwright.sync_api import expect

from halfway.core.instants import format_instant
from halfway.store import links
from halfway.store.database import Store

from .browser import screenshot
from .conftest import Clock, wait_for
from .engine import make_daemon

NOW = "2026-11-25T19:00:00+01:00"  # a Wednesday evening in Berlin
EVENING = '[[nudges]]\nid = "evening"\nkind = "gesture_log"\ncron = "0 20 * * *"\n'
SPANS = {"day": timedelta(days=1), "week": timedelta(days=7), "open": None}


@pytest.fixture
def served(tmp_path):
    """A started daemon on an injected clock; yields (daemon, the private token, clock)."""
    clock = Clock(NOW)
    daemon = make_daemon(tmp_path, EVENING, clock)
    token = links.required(daemon.store.data_dir)["digest"]
    return daemon, token, clock


def talk_to(daemon, steps) -> Any:
    from aiohttp.test_utils import TestClient, TestServer

    async def run() -> Any:
        async with TestClient(TestServer(daemon.web_app())) as client:
            return await steps(client)

    return asyncio.run(run())


async def form_of(client, token: str) -> tuple[str, str]:
    """(the guard, the pause form's action) from the private page."""
    page = await (await client.get(f"/?t={token}")).text()
    assert "Pause everything" in page
    guard = re.search(r'name="guard" value="([^"]+)"', page).group(1)
    action = re.search(r'<form method="post" action="([^"]+)"', page).group(1)
    return guard, action.replace("&amp;", "&")


def everything(data_dir) -> dict[str, Any] | None:
    return Store(data_dir).view().get("nudges", "*")


@pytest.mark.parametrize("span", list(SPANS))
def test_the_form_writes_the_pause_halfway_pause_all_writes(
    served, span, config_file, halfway, tmp_path
) -> None:
    daemon, token, clock = served

    async def steps(client) -> tuple[int, str, str]:
        guard, action = await form_of(client, token)
        posted = await client.post(
            action, data={"guard": guard, "span": span}, allow_redirects=False
        )
        page = await (await client.get(posted.headers["Location"])).text()
        return posted.status, posted.headers["Location"], page

    status, location, page = talk_to(daemon, steps)
    assert (status, location) == (303, f"/?t={token}&done=paused")
    from_page = everything(daemon.store.data_dir)
    assert from_page is not None

    # the same pause by the command, at the same instant, on a folder of its own
    other = config_file(name="other/config.toml")
    assert other.data_dir is not None
    other_config = other.path.read_text().replace(str(other.data_dir), str(tmp_path / "cli"))
    other.path.write_text(other_config)
    length = SPANS[span]
    until = [] if length is None else ["--until", (clock() + length).isoformat()]
    with freeze_time(clock()):
        ran = halfway("pause", "--all", *until, "--config", str(other.path))
    assert ran.code == 0, ran.err
    assert from_page == everything(tmp_path / "cli")
    (pause,) = from_page["pauses"]
    assert pause == {
        "from": format_instant(clock()),
        "until": format_instant(clock() + length) if length else None,
    }
    ends = {"day": "Thu 2026-11-26 19:00 CET", "week": "Wed 2026-12-02 19:00 CET"}
    assert f"Paused until {ends.get(span, 'you resume')}. Take the time you need." in page
    assert "Resume now" in page  # and no second pause form while paused
    assert 'name="span"' not in page


def test_resume_ends_every_pause_like_halfway_resume_all(served, halfway, tmp_path) -> None:
    daemon, token, clock = served

    async def steps(client) -> tuple[int, str, str]:
        guard, action = await form_of(client, token)
        await client.post(action, data={"guard": guard, "span": "open"}, allow_redirects=False)
        clock.advance(hours=2)
        page = await (await client.get(f"/?t={token}")).text()
        assert "Everything is paused until you resume" in page  # said on every visit
        resume = re.search(r'action="(/resume\?[^"]+)"', page).group(1).replace("&amp;", "&")
        posted = await client.post(resume, data={"guard": guard}, allow_redirects=False)
        after = await (await client.get(posted.headers["Location"])).text()
        return posted.status, posted.headers["Location"], after

    status, location, page = talk_to(daemon, steps)
    assert (status, location) == (303, f"/?t={token}&done=resumed")
    assert "Resumed." in page
    assert 'name="span"' in page  # the pause form is back
    cursor = everything(daemon.store.data_dir)
    assert cursor is not None
    assert cursor["pauses"] == [
        {"from": format_instant(clock() - timedelta(hours=2)), "until": format_instant(clock())}
    ]


def test_a_forged_missing_or_cross_site_guard_is_403_and_writes_nothing(served) -> None:
    daemon, token, _clock = served
    before = everything(daemon.store.data_dir)

    async def steps(client) -> list[int]:
        guard, action = await form_of(client, token)
        forged = guard[:-2] + ("AA" if not guard.endswith("AA") else "BB")
        answers = []
        for data, headers in (
            ({"span": "week"}, {}),
            ({"guard": "", "span": "week"}, {}),
            ({"guard": forged, "span": "week"}, {}),
            ({"guard": "ünïcode", "span": "week"}, {}),
            ({"guard": guard, "span": "week"}, {"Sec-Fetch-Site": "cross-site"}),
        ):
            posted = await client.post(action, data=data, headers=headers, allow_redirects=False)
            answers.append(posted.status)
        resume = action.replace("/pause?", "/resume?")
        answers.append((await client.post(resume, data={}, allow_redirects=False)).status)
        # a real guard with a wrong or no token is refused before the form is read
        other = token[:-1] + ("A" if not token.endswith("A") else "B")  # one letter off
        for wrong in ("/pause", "/pause?t=", f"/pause?t={other}"):
            posted = await client.post(wrong, data={"guard": guard, "span": "week"})
            answers.append(posted.status)
        return answers

    assert talk_to(daemon, steps) == [403] * 9
    assert everything(daemon.store.data_dir) == before


def test_an_unknown_span_is_422_and_a_body_that_cannot_be_read_400_writing_nothing(
    served,
) -> None:
    daemon, token, _clock = served

    async def steps(client) -> list[int]:
        guard, action = await form_of(client, token)
        unknown = await client.post(action, data={"guard": guard, "span": "forever"})
        garbled = await client.post(
            action,
            data=f"guard={guard}&span=week".encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Content-Encoding": "gzip",  # but it is not
            },
        )
        return [unknown.status, garbled.status]

    assert talk_to(daemon, steps) == [422, 400]
    assert everything(daemon.store.data_dir) is None


def test_a_revoked_link_takes_its_forms_with_it(served, halfway, config_file) -> None:
    daemon, token, _clock = served

    async def before(client) -> tuple[str, str]:
        return await form_of(client, token)

    guard, action = talk_to(daemon, before)
    links.revoke(daemon.store.data_dir, "digest")
    fresh = links.required(daemon.store.data_dir)["digest"]

    async def after(client) -> list[int]:
        old = await client.post(action, data={"guard": guard, "span": "week"})
        # the old guard with the new token: the guard belongs to the token it was made for
        moved = action.replace(token, fresh)
        forged = await client.post(moved, data={"guard": guard, "span": "week"})
        return [old.status, forged.status]

    assert talk_to(daemon, after) == [403, 403]
    assert everything(daemon.store.data_dir) is None


# in a real browser, against the real daemon ------------------------------------------


def test_pause_everything_for_a_week_from_the_phone_then_resume(
    phone_page, config_file, start_daemon, halfway
) -> None:
    written = config_file(EVENING, server=True)
    daemon = start_daemon("--config", str(written.path))
    try:
        wait_for(lambda: daemon.health(str(written.listen)))
        ran = halfway("digest", "--link", "--config", str(written.path))
        assert ran.code == 0, ran.err
        phone_page.goto(ran.out.strip())
        form = phone_page.get_by_role("region", name="Pause everything")
        form.get_by_label("For a week").check()
        form.get_by_role("button", name="Pause everything").tap()
        phone_page.wait_for_url(re.compile(r"done=paused$"))
        expect(phone_page.get_by_role("status")).to_contain_text("Paused until")
        screenshot(phone_page, "private-page-paused")
        status = halfway("status", "--config", str(written.path)).out
        assert "paused: every nudge until" in status
        cursor = everything(written.data_dir)
        assert cursor is not None
        (pause,) = cursor["pauses"]
        assert pause["until"] is not None
        from halfway.core.instants import parse_instant

        assert parse_instant(pause["until"]) - parse_instant(pause["from"]) == timedelta(days=7)

        phone_page.get_by_role("button", name="Resume now").tap()
        phone_page.wait_for_url(re.compile(r"done=resumed$"))
        expect(phone_page.get_by_role("status")).to_contain_text("Resumed.")
        status = halfway("status", "--config", str(written.path)).out
        assert "paused: every nudge" not in status
        # the page itself is still only for the link: without it, 403
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://{written.listen}/", timeout=5)
        assert refused.value.code == 403
    finally:
        daemon.stop()
