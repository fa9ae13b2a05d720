"""A talk's card: the drafts written for it, the sentence of intent kept with it, what
helped last time (the last reflection's note, also in the next reframe's words), and
"I need more time", which moves the talk and its chain as `halfway talk move` does."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from halfway.core import kinds
from halfway.core.instants import parse_instant
from halfway.replies import service
from halfway.store import links
from halfway.store.database import Store
from halfway.talks import card, planning

from .conftest import Clock, wait_for
from .engine import make_daemon, run_tick
from .test_app import EVENING, csrf_of, talk_to, talks_of

BERLIN = ZoneInfo("Europe/Berlin")
NOW = "2026-11-25T12:00:00+01:00"  # a Wednesday noon in Berlin
SAT = datetime(2026, 11, 28, 19, 0, tzinfo=BERLIN)


@pytest.fixture
def served(tmp_path):
    clock = Clock(NOW)
    daemon = make_daemon(tmp_path, "discreet = false\n" + EVENING, clock)
    return daemon, links.required(daemon.store.data_dir)["digest"], clock


def delivery_of(daemon, talk_id: str, kind: str) -> dict[str, Any]:
    (talk,) = [t for t in talks_of(daemon) if t["id"] == talk_id]
    (step,) = [e for e in talk["chain"] if e["kind"] == kind]
    return dict(daemon.store.view().get("deliveries", step["delivery_id"]))


def answer(daemon, clock, talk_id: str, kind: str, value: str, note: str | None = None) -> None:
    delivery = delivery_of(daemon, talk_id, kind)
    service.accept(daemon.store, delivery, value, "web", clock(), note=note)


def prepared(daemon, clock) -> str:
    """A talk on Saturday with its ask and opening words written the evening before."""
    talk = planning.add(daemon.store, daemon.settings, SAT, "money", clock())
    clock.set("2026-11-27T19:45:00+01:00")  # Friday evening: the ask and the reframe come
    run_tick(daemon)
    answer(daemon, clock, talk["id"], "clarity_ask", "Twenty minutes on Sunday, just us?")
    answer(daemon, clock, talk["id"], "reframe", "I feel far from you, and I would love a walk.")
    return str(talk["id"])


def test_the_card_needs_the_session_and_shows_what_was_prepared(served) -> None:
    daemon, token, clock = served
    talk_id = prepared(daemon, clock)

    async def steps(client) -> tuple[int, str, int]:
        without = (await client.get(f"/talks/{talk_id}/card")).status
        await client.get(f"/?t={token}")
        page = await (await client.get(f"/talks/{talk_id}/card")).text()
        missing = (await client.get("/talks/t_nothing/card")).status
        return without, page, missing

    without, page, missing = talk_to(daemon, steps)
    assert (without, missing) == (403, 404)
    assert "Sat 2026-11-28 19:00" in page
    assert "Twenty minutes on Sunday, just us?" in page
    assert "just for you until you have said it" in page  # a draft, not yet said
    assert "I feel far from you, and I would love a walk." in page
    assert "Nothing noted yet." in page  # no earlier talk kept what helped


def test_the_talks_page_and_home_link_each_planned_talk_s_card(served) -> None:
    daemon, token, clock = served
    talk = planning.add(daemon.store, daemon.settings, SAT, "money", clock())

    async def steps(client) -> tuple[str, str]:
        talks = await (await client.get(f"/talks?t={token}")).text()
        return talks, await (await client.get("/")).text()

    talks, home = talk_to(daemon, steps)
    assert f'href="/talks/{talk["id"]}/card"' in talks
    assert f'href="/talks/{talk["id"]}/card"' in home


def test_the_sentence_of_intent_is_kept_with_the_talk_and_shown_back(served) -> None:
    daemon, token, clock = served
    talk = planning.add(daemon.store, daemon.settings, SAT, None, clock())
    where = f"/talks/{talk['id']}/card"

    async def steps(client) -> tuple[int, int, str, int, str]:
        guard = csrf_of(await (await client.get(f"{where}?t={token}")).text())
        refused = await client.post(f"{where}/intent", data={"intent": "to listen"})
        too_long = await client.post(
            f"{where}/intent", data={"csrf": guard, "intent": "x" * (card.MAX_INTENT + 1)}
        )
        kept = await client.post(
            f"{where}/intent", data={"csrf": guard, "intent": "  To listen first.  "}
        )
        return (
            refused.status,
            too_long.status,
            await too_long.text(),
            kept.status,
            await kept.text(),
        )

    refused, too_long, too_long_page, kept, page = talk_to(daemon, steps)
    assert (refused, too_long, kept) == (403, 422, 200)
    assert "longer than" in too_long_page
    assert "Kept with this talk." in page
    assert ">To listen first.</textarea>" in page
    (stored,) = talks_of(daemon)
    assert stored["intent"] == "To listen first."
    # the same function, called as the page calls it, gives the same record
    assert card.set_intent(daemon.store, talk["id"], "To listen first.") == stored
    assert "intent" not in card.set_intent(daemon.store, talk["id"], "")  # emptied: gone


def test_what_helped_is_kept_from_the_reflection_and_shown_on_the_next_card_and_reframe(
    served,
) -> None:
    daemon, token, clock = served
    first = planning.add(daemon.store, daemon.settings, SAT, "money", clock())
    clock.set("2026-11-28T21:30:00+01:00")  # the reflection, two hours after
    run_tick(daemon)
    answer(daemon, clock, first["id"], "talk_reflection", "later")  # not an answer: nothing kept
    assert "helped" not in talks_of(daemon)[0]
    answer(daemon, clock, first["id"], "talk_reflection", "acknowledged", "A walk first helped.")
    (kept,) = talks_of(daemon)
    assert kept["helped"] == "A walk first helped."

    second = planning.add(
        daemon.store, daemon.settings, SAT + timedelta(days=7), "weekends", clock()
    )
    clock.set("2026-12-04T19:45:00+01:00")
    run_tick(daemon)
    reframe = delivery_of(daemon, second["id"], "reframe")
    assert reframe["words"].endswith("Last time you noted: “A walk first helped.”")
    assert "A walk first helped." in reframe["body"]  # not discreet: the push says it
    clarity = delivery_of(daemon, second["id"], "clarity_ask")
    assert "A walk first helped." not in clarity["words"]  # only the reframe says it

    async def steps(client) -> str:
        await client.get(f"/?t={token}")
        return await (await client.get(f"/talks/{second['id']}/card")).text()

    page = talk_to(daemon, steps)
    assert "What helped last time" in page
    assert "A walk first helped." in page
    assert "From Sat 2026-11-28 19:00" in page


def test_what_helped_is_never_on_a_discreet_push_and_read_back_from_the_archives(
    tmp_path,
) -> None:
    clock = Clock(NOW)
    daemon = make_daemon(tmp_path, EVENING, clock)  # discreet, the default
    first = planning.add(daemon.store, daemon.settings, SAT, None, clock())
    clock.set("2026-11-28T21:30:00+01:00")
    run_tick(daemon)
    answer(daemon, clock, first["id"], "talk_reflection", "none", "Sitting side by side.")
    planning.done(daemon.store, first["id"], clock())
    clock.set("2026-12-20T12:00:00+01:00")  # weeks later: the first talk has left the hot file
    daemon.store.compact(clock())
    assert not [t for t in daemon.store.view().records("talks") if t["id"] == first["id"]]
    second = planning.add(daemon.store, daemon.settings, SAT + timedelta(days=28), None, clock())
    clock.set("2026-12-25T19:45:00+01:00")
    run_tick(daemon)
    reframe = delivery_of(daemon, second["id"], "reframe")
    assert "Sitting side by side." in reframe["words"]  # the reply page shows it
    assert "Sitting side by side." not in reframe["title"] + reframe["body"]
    assert reframe["body"].startswith(kinds.message("", "", None, True)[1].split("\n")[0])


def test_a_reframe_with_nothing_kept_says_nothing_of_last_time(served) -> None:
    daemon, _token, clock = served
    talk = planning.add(daemon.store, daemon.settings, SAT, "money", clock())
    clock.set("2026-11-27T19:45:00+01:00")
    run_tick(daemon)
    assert "Last time" not in delivery_of(daemon, talk["id"], "reframe")["words"]


def test_more_time_moves_the_talk_and_its_chain_as_the_cli_does(
    served, halfway, config_file, tmp_path
) -> None:
    daemon, token, clock = served
    talk = planning.add(daemon.store, daemon.settings, SAT, "money", clock())
    where = f"/talks/{talk['id']}/card"

    async def steps(client) -> tuple[str, int, str, int, str]:
        page = await (await client.get(f"{where}?t={token}")).text()
        guard = csrf_of(page)
        later = await client.post(f"{where}/move", data={"csrf": guard, "when": "someday"})
        refused_page = await later.text()
        moved = await client.post(f"{where}/move", data={"csrf": guard, "when": "2026-11-28 19:30"})
        return page, later.status, refused_page, moved.status, await moved.text()

    page, refused, refused_page, moved, after = talk_to(daemon, steps)
    assert "30 minutes later: Sat 2026-11-28 19:30" in page
    assert 'value="2026-11-28 19:30"' in page
    assert "Tomorrow, same time: Sun 2026-11-29 19:00" in page
    assert 'value="2026-11-29 19:00"' in page
    assert refused == 422
    assert "someday" in refused_page
    assert moved == 200
    assert "Moved." in after
    (from_page,) = talks_of(daemon)
    assert parse_instant(from_page["at"]) == SAT + timedelta(minutes=30)

    other = config_file("discreet = false\n" + EVENING, name="other/config.toml")
    cli_data = tmp_path / "cli"
    other.path.write_text(other.path.read_text().replace(str(other.data_dir), str(cli_data)))
    with freeze_time(clock()):
        added = halfway(
            "talk", "add", "2026-11-28 19:00", "--topic", "money", "--config", str(other.path)
        )
        talk_id = added.out.split()[2].rstrip(":")
        ran = halfway("talk", "move", talk_id, "2026-11-28 19:30", "--config", str(other.path))
        assert ran.code == 0, ran.err
    (from_cli,) = Store(cli_data).view().records("talks")

    def same(talk: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in talk.items() if k != "id"}

    assert same(from_page) == same(from_cli)


def test_after_a_move_the_old_step_times_never_fire(served) -> None:
    """In-process, on an injected clock: the steps wait for the new time."""
    daemon, token, clock = served
    talk = planning.add(daemon.store, daemon.settings, SAT, None, clock())
    clock.set("2026-11-28T17:30:00+01:00")
    where = f"/talks/{talk['id']}/card"

    async def steps(client) -> int:
        guard = csrf_of(await (await client.get(f"{where}?t={token}")).text())
        moved = await client.post(
            f"{where}/move", data={"csrf": guard, "when": "2026-11-29 19:00"}, allow_redirects=False
        )
        return moved.status

    assert talk_to(daemon, steps) == 303
    clock.set("2026-11-28T18:00:00+01:00")  # the old calm minute's time
    run_tick(daemon)
    assert talk_sent(daemon) == []
    clock.set("2026-11-28T21:00:00+01:00")  # the old reflection's time
    run_tick(daemon)
    # only the new evening-before steps (Saturday, for Sunday's talk): no calm minute,
    # no reflection at the old times
    assert talk_sent(daemon) == [
        ("clarity_ask", datetime(2026, 11, 28, 19, 0, tzinfo=BERLIN)),
        ("reframe", datetime(2026, 11, 28, 19, 30, tzinfo=BERLIN)),
    ]
    clock.set("2026-11-29T18:00:00+01:00")  # the new calm minute's
    run_tick(daemon)
    assert talk_sent(daemon)[-1] == (
        "self_regulation",
        datetime(2026, 11, 29, 18, 0, tzinfo=BERLIN),
    )


def talk_sent(daemon) -> list[tuple[str, datetime]]:
    sent = [d for d in daemon.store.view().records("deliveries") if d.get("talk_id")]
    found = [(d["kind"], parse_instant(d["scheduled_for"])) for d in sent]
    return sorted(found, key=lambda item: item[1])


def test_the_calm_minute_s_reply_page_opens_the_card(served) -> None:
    daemon, _token, clock = served
    talk = planning.add(daemon.store, daemon.settings, SAT, None, clock())
    clock.set("2026-11-27T19:45:00+01:00")
    run_tick(daemon)
    clock.set("2026-11-28T18:00:00+01:00")
    run_tick(daemon)
    calm = delivery_of(daemon, talk["id"], "self_regulation")
    reframe = delivery_of(daemon, talk["id"], "reframe")

    async def steps(client) -> list[str]:
        paths = ["/r/" + d["link"].rsplit("/r/", 1)[1] for d in (calm, reframe)]
        return [await (await client.get(path)).text() for path in paths]

    calm_page, reframe_page = talk_to(daemon, steps)
    assert f'href="/talks/{talk["id"]}/card"' in calm_page
    assert "Your talk card" in calm_page
    assert "/card" not in reframe_page  # only the calm minute before a talk


def test_more_time_with_the_real_daemon_the_old_times_never_fire(
    config_file, http_receiver, start_daemon, halfway
) -> None:
    """The real daemon and a loopback receiver: the calm minute was due AHEAD s from
    now; "30 minutes later" on the card moves it, and nothing arrives at its old time."""
    now = datetime.now(UTC)
    talk_at = datetime.fromtimestamp(math.ceil((now.timestamp() + 40) / 60) * 60, UTC)
    due = now.replace(microsecond=0) + timedelta(seconds=AHEAD)
    before = int((talk_at - due).total_seconds())
    body = f'discreet = false\n[talks]\nself_regulation_before = "{before}s"\n'
    written = config_file(body, server=True, channels={"push": http_receiver.json_url()})
    path, listen = str(written.path), written.listen
    daemon = start_daemon("--config", path)
    try:
        wait_for(lambda: (daemon.health(listen) or {}).get("status") == "ok")
        when = talk_at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")
        ran = halfway("talk", "add", when, "--config", path)
        assert ran.code == 0, ran.err
        talk_id = ran.out.split()[2].rstrip(":")
        link = halfway("digest", "--link", "--config", path).out.strip()
        later = (talk_at + timedelta(minutes=30)).astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")
        assert asyncio.run(move_on_card(f"http://{listen}", link, talk_id, later)) == 303
        assert datetime.now(UTC) < due, "the move came after the old time: too slow a machine"
        wait_for(lambda: datetime.now(UTC) > due + timedelta(seconds=4), timeout=AHEAD + 10)
        assert http_receiver.posts() == []  # the old time came and went: nothing sent
    finally:
        assert daemon.stop() == 0
    (talk,) = Store(written.data_dir).view().records("talks")
    assert parse_instant(talk["at"]) == talk_at + timedelta(minutes=30)
    steps = {e["kind"]: (e["state"], parse_instant(e["due_at"])) for e in talk["chain"]}
    assert steps["self_regulation"] == ("planned", due + timedelta(minutes=30))
    assert steps["talk_reflection"][0] == "planned"


AHEAD = 20  # seconds from now to the calm minute: room to start and move on a busy machine


async def move_on_card(base: str, link: str, talk_id: str, when: str) -> int:
    """Open the private link, then post the card's move form as the browser does."""
    import re

    from aiohttp import ClientSession, CookieJar

    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as client:
        async with client.get(link) as opened:
            assert opened.status == 200
        async with client.get(f"{base}/talks/{talk_id}/card") as page:
            text = await page.text()
        offered = re.search(r'name="when" value="([^"]+)"', text)
        assert offered is not None
        assert offered.group(1) == when  # "30 minutes later"
        form = {"csrf": csrf_of(text), "when": when}
        async with client.post(
            f"{base}/talks/{talk_id}/card/move", data=form, allow_redirects=False
        ) as moved:
            return moved.status


def test_export_carries_the_card_s_fields(served, halfway, config_file) -> None:
    import csv
    import io
    import json

    daemon, _token, clock = served
    talk = planning.add(daemon.store, daemon.settings, SAT, None, clock())
    card.set_intent(daemon.store, talk["id"], "To listen, first.")
    clock.set("2026-11-28T21:30:00+01:00")
    run_tick(daemon)
    answer(daemon, clock, talk["id"], "talk_reflection", "none", "Tea before, not after.")
    written = config_file(EVENING)
    as_json = json.loads(halfway("export", "--format", "json", "--config", str(written.path)).out)
    (exported,) = as_json["talks"]
    assert (exported["intent"], exported["helped"]) == (
        "To listen, first.",
        "Tea before, not after.",
    )
    rows = csv.DictReader(
        io.StringIO(halfway("export", "--format", "csv", "--config", str(written.path)).out)
    )
    (row,) = [r for r in rows if r["record"] == "talk"]
    assert (row["intent"], row["helped"]) == ("To listen, first.", "Tea before, not after.")
