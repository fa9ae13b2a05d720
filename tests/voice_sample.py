"""The voice test's sources made from sample data (tests/voice_sources.py has the rest):
`halfway demo-data` over a few seeds and lengths, then the digest of its last weeks (and
of an empty week before them) as `halfway digest` prints it, as its --out file, its
private page, and what `halfway digest --send` puts in a push, ntfy and an e-mail; the
calendar feed; the CLI's history and status; and the reply pages the hot file holds.
One seed is read in German and in Spanish too (a config with `language = …`).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient

from halfway.app.pages import NAV
from halfway.cli import demodata
from halfway.engine.daemon import Daemon
from halfway.store.database import Store
from halfway.words import language

from .conftest import Clock, config_text
from .voice import Text
from .voice_sources import (
    Receiver,
    get,
    load_settings_from,
    recording,
    run,
    scratch,
    serve,
    source,
    visible_page,
)


def quiet(work: Callable[[], object]) -> None:
    """Run `work` with halfway's log at warnings only, as `halfway demo-data` does."""
    logger = logging.getLogger("halfway")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        work()
    finally:
        logger.setLevel(level)


# The sample data: (seed, weeks) of `halfway demo-data`, ended at a fixed instant.
DEMOS = ((7, 12), (3, 8), (11, 20))
IN_OTHER_LANGUAGES = (3, 8)  # the sample data read in German and in Spanish as well
DEMO_END = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)  # a Monday morning, before the digest
DIGEST_WEEKS = 4  # the digests of the last this many weeks, and of an empty week before

# the digest, from sample data ---------------------------------------------------------


def demo_config(
    folder: Path, channels: dict[str, str], discreet: bool, lang: str = language.SOURCE
) -> Path:
    path = folder / f"config-{'discreet' if discreet else 'open'}.toml"
    body = f'language = "{lang}"\ndiscreet = {"true" if discreet else "false"}\n'
    body += '[[nudges]]\nid = "sunday-review"\nkind = "pattern_review"\ncron = "0 18 * * sun"\n'
    path.write_text(config_text(body, data_dir=folder / "data", channels=channels), "utf-8")
    return path


@functools.cache
def demo_world(seed: int, weeks: int, lang: str = language.SOURCE) -> dict[str, list[Text]]:
    """`halfway demo-data` for `weeks` weeks with `seed`, then the digest of the last few
    weeks (and of an empty week before them) in every form, the CLI's history and the
    reply pages of what the hot file still holds; in `lang` (the config says it)."""
    with language.speaking(lang):
        return _demo_world(seed, weeks, lang)


def _demo_world(seed: int, weeks: int, lang: str) -> dict[str, list[Text]]:
    folder = scratch()
    receiver = Receiver()
    found: dict[str, list[Text]] = {
        name: [] for name in ("text", "page", "sent", "cli", "reply", "calendar")
    }
    try:
        paths = {d: demo_config(folder, receiver.channels(), d, lang) for d in (False, True)}
        settings = load_settings_from(paths[False])
        with recording():
            quiet(lambda: demodata.fill(settings, weeks, seed, DEMO_END))
        monday = DEMO_END.date() - timedelta(days=DEMO_END.weekday())
        shown = [monday - timedelta(weeks=n) for n in range(1, DIGEST_WEEKS + 1)]
        shown.append(monday - timedelta(weeks=weeks + 2))  # nothing written down yet
        clock = Clock(DEMO_END.isoformat())
        daemons = {
            d: Daemon(load_settings_from(p), Store(settings.data_dir, clock=clock), clock=clock)
            for d, p in paths.items()
        }
        for day in shown:
            week = "{}-W{:02d}".format(*day.isocalendar()[:2])
            for discreet, path in paths.items():
                mode = "discreet" if discreet else "open"
                config = ("--config", str(path))
                with recording():
                    text = run("digest", "--week", week, *config)
                    found["text"].append(
                        Text(f"halfway digest --week {week} ({mode})", text, "digest")
                    )
                    out = folder / f"{week}-{mode}.html"
                    run("digest", "--week", week, "--out", str(out), "--force", *config)
                    found["text"] += visible_page(
                        f"digest --out {week} ({mode})", out.read_text(), True
                    )
                    found["cli"].append(
                        Text(
                            "halfway digest --send",
                            run(  # sample data: sent for real only when told
                                "digest",
                                "--week",
                                week,
                                "--send",
                                "--force",
                                "--real-channels",
                                *config,
                            ),
                            "cli",
                        )
                    )
                found["sent"] += receiver.texts(f"digest {week} ({mode}) sent", digest=True)
                receiver.posts.clear()
                receiver.smtp.messages.clear()
                link = run("digest", "--week", week, "--link", *config).strip()
                target = urlsplit(link)
                address = f"{target.path}?{target.query}" if target.query else target.path

                async def page(client: TestClient, address: str = address) -> tuple[int, str]:
                    return await get(client, address)

                status, html = serve(daemons[discreet], page)
                assert status == 200, (week, mode, status)
                found["page"] += visible_page(f"digest page {week} ({mode})", html, True)
        start = (monday - timedelta(weeks=DIGEST_WEEKS)).isoformat()
        end = (monday - timedelta(days=1)).isoformat()
        for discreet, path in paths.items():  # the summary for a counsellor, all included
            mode = "discreet" if discreet else "open"
            period = ("--from", start, "--to", end, "--notes", "--hurt", "--config", str(path))
            with recording():
                found["text"].append(Text(f"halfway summary ({mode})", run("summary", *period)))
                out = folder / f"summary-{mode}.html"
                run("summary", *period, "--out", str(out), "--force")
            found["page"] += visible_page(f"summary page ({mode})", out.read_text(), True)
            year = folder / f"year-{mode}.html"  # the year in review, as a file
            with recording():
                run(
                    "digest",
                    "--year",
                    str(DEMO_END.year),
                    "--out",
                    str(year),
                    "--force",
                    *period[-2:],
                )
            found["page"] += visible_page(f"year in review file ({mode})", year.read_text(), True)
        for discreet, path in paths.items():  # a week that has not begun: the missing page
            token = urlsplit(run("digest", "--link", "--config", str(path)).strip()).query
            missing = f"/digest/2099-W01?{token}"

            async def not_yet(client: TestClient, address: str = missing) -> tuple[int, str]:
                return await get(client, address)

            with recording():
                status, html = serve(daemons[discreet], not_yet)
            assert status == 404, (missing, status)
            found["page"] += visible_page("digest page not begun", html, True)
        topic = ("--topic", "weekend time")
        run("talk", "add", "in 3 days 18:00", *topic, "--config", str(paths[False]))
        for discreet, path in paths.items():  # the private app's pages, by the private link
            found["page"] += app_pages(daemons[discreet], path, discreet)
        for discreet, path in paths.items():
            found["calendar"] += calendar_texts(daemons[discreet], path, discreet)
        found["cli"].append(Text("halfway history", run("history", "--config", str(paths[False]))))
        found["cli"].append(
            Text("halfway status", run("status", "--config", str(paths[False]), ok=(0, 3)), "cli")
        )
        found["reply"] = [t for texts in reply_pages_demo(daemons[False], clock) for t in texts]
    finally:
        receiver.close()
    return found


def app_pages(daemon: Daemon, path: Path, discreet: bool) -> list[Text]:
    """Every page of the private app's way around, as the person sees it."""
    token = urlsplit(run("digest", "--link", "--config", str(path)).strip()).query

    async def pages(client: TestClient) -> list[tuple[str, int, str]]:
        talks = [t["id"] for t in daemon.store.view().records("talks")]
        cards = [f"/talks/{talk_id}/card" for talk_id in talks]  # each talk's card too
        hrefs = [href for href, _name in NAV] + ["/summary", "/year"] + cards
        return [(href, *await get(client, f"{href}?{token}")) for href in hrefs]

    found = []
    for href, status, html in serve(daemon, pages):
        assert status == 200, (href, status)
        mode = "discreet" if discreet else "open"
        found += visible_page(f"app page {href} ({mode})", html, href == "/")
    return found


def calendar_texts(daemon: Daemon, path: Path, discreet: bool) -> list[Text]:
    """The calendar feed's events, as a shared calendar shows them."""
    link = urlsplit(run("calendar-url", "--config", str(path)).strip())

    async def feed(client: TestClient) -> tuple[int, str]:
        return await get(client, f"{link.path}?{link.query}" if link.query else link.path)

    status, ics = serve(daemon, feed)
    assert status == 200, status
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    found = []
    for line in unfolded.splitlines():
        name, _, value = line.partition(":")
        if name.split(";")[0] in ("SUMMARY", "DESCRIPTION", "LOCATION", "X-WR-CALNAME"):
            words_ = value.replace("\\,", ",").replace("\\n", "\n").replace("\\;", ";")
            mode = "discreet" if discreet else "open"
            found.append(Text(f"calendar {name.split(';')[0]} ({mode})", words_, "heading"))
    assert found, "the calendar feed has no events"
    return found


def reply_pages_demo(daemon: Daemon, clock: Clock) -> list[list[Text]]:
    """The reply pages of the sample data's deliveries still in the hot file: the weekly
    review's with what it shows beside its question, open and then closed."""
    held = daemon.store.view().records("deliveries")
    links = [(d["kind"], urlsplit(d["link"]).path) for d in held if "/r/" in d.get("link", "")]

    async def steps(client: TestClient) -> list[list[Text]]:
        pages = []
        for kind, path in links:
            _status, html = await get(client, path)  # 410 for one whose window closed
            pages.append(visible_page(f"reply page ({kind}, sample data)", html))
        clock.advance(days=30)
        for kind, path in links:
            _status, html = await get(client, path)
            pages.append(visible_page(f"reply page ({kind}, sample data, closed)", html))
        clock.advance(days=-30)
        return pages

    return list(serve(daemon, steps))


_RUNS = [(*demo, language.SOURCE) for demo in DEMOS]
_RUNS += [(*IN_OTHER_LANGUAGES, lang) for lang in language.LANGUAGES[1:]]
for _seed, _weeks, _lang in _RUNS:
    _at = f"seed{_seed}-{_weeks}w" + ("" if _lang == language.SOURCE else f":{_lang}")
    for _form in ("text", "page", "sent", "cli", "reply", "calendar"):
        _name = {
            "text": "digest:text+file",
            "page": "digest:page",
            "sent": "digest:e-mail+push",
            "cli": "cli:digest+history+status",
            "reply": "reply-page:sample-data",
            "calendar": "calendar:feed",
        }[_form]
        source(f"{_name}:{_at}")(
            functools.partial(
                lambda s, w, g, f: demo_world(s, w, g)[f], _seed, _weeks, _lang, _form
            )
        )
