"""The private app in German and Spanish (issue 20): every page, every state it names,
every "done" line and the problems its forms can have, read with a session over real
HTTP to the daemon's web app; not one English word, not one msgid without its
translation, `<html lang>` the person's language, the tab discreet."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from halfway.core import kinds
from halfway.ledger import book, boundaries
from halfway.store import links
from halfway.talks import card, display, planning
from halfway.talks.when import talk_time
from halfway.words import discretion, invoked, language, templates

from .conftest import Clock
from .engine import make_daemon
from .languages import english_words
from .test_app import EVENING, csrf_of, talk_to

BERLIN = ZoneInfo("Europe/Berlin")
NOW = "2026-11-25T12:00:00+01:00"  # a Wednesday noon in Berlin
# What the test types itself, in the person's language (never checked for English).
TYPED = {
    "de": {"topic": "Geld", "ask": "Zwanzig Minuten am Sonntag", "boundary": "Mein Spaziergang",
           "entry": "Kaffee ans Bett", "helped": "Langsam reden"},
    "es": {"topic": "dinero", "ask": "Veinte minutos el domingo", "boundary": "Mi paseo",
           "entry": "Café en la cama", "helped": "Hablar despacio"},
}  # fmt: skip
DONE = {
    "/talks": ("planned", "moved", "cancelled", "done"),
    "/asks": ("added", "draft", "asked", "agreed", "declined", "no_answer", "resting",
              "followed_up"),
    "/boundaries": ("added", "retired"),
    "/log": ("noted",),
    "/calm": ("kept",),
}  # fmt: skip


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(BERLIN)


def furnished(daemon: Any, typed: dict[str, str]) -> dict[str, str]:
    """Something on every page: talks planned, done, called off, one too soon for its
    evening steps, one the partner's idea; asks in every state; a boundary that held and
    one set aside; a moment today. The ids of the talks a card is read for."""
    store, settings, now = daemon.store, daemon.settings, at(NOW)
    saturday = planning.add(store, settings, at("2026-11-28T19:00:00+01:00"), typed["topic"], now)
    thursday = planning.add(store, settings, at("2026-11-26T18:00:00+01:00"), None, now)
    planning.done(store, thursday["id"], now, early=True)
    friday = planning.add(store, settings, at("2026-11-27T18:00:00+01:00"), None, now)
    planning.cancel(store, friday["id"], now)
    soon = planning.add(store, settings, now + timedelta(minutes=90), typed["topic"], now)
    with store.transaction() as tx:
        done = tx.get("talks", thursday["id"])
        tx.put("talks", {**done, "helped": typed["helped"]})  # the card's "what helped"
        theirs = tx.get("talks", soon["id"])
        tx.put("talks", {**theirs, "by": "partner"})
    states = ("draft", "asked", "agreed", "declined", "no_answer", "resting", "followed_up")
    for number, state in enumerate(states):
        ask = book.add_ask(store, f"{typed['ask']} {number}", now, draft=state == "draft")
        path = {"agreed": ["agreed"], "declined": ["declined"], "no_answer": ["no_answer"],
                "resting": ["resting"], "followed_up": ["agreed", "followed_up"]}  # fmt: skip
        for step in path.get(state, []):
            book.update_ask(store, ask["id"], step, now)
    kept = book.add_boundary(store, typed["boundary"], now)
    with store.transaction() as tx:
        tx.put("boundaries", boundaries.answered(kept, "d_test", "held", None, now))
    retired = book.add_boundary(store, f"{typed['boundary']} 2", now)
    book.retire_boundary(store, retired["id"], now)
    book.add_entry(store, "gesture", typed["entry"], None, now)
    return {key: str(talk["id"]) for key, talk in
            (("saturday", saturday), ("thursday", thursday), ("friday", friday))}  # fmt: skip


@pytest.fixture(params=["de", "es"])
def spoken(request, tmp_path) -> Iterator[tuple[str, Any, str]]:
    """(language, a started daemon speaking it, the private token); the process speaks
    English again after the test."""
    lang = request.param
    with language.speaking(lang):
        config = f'language = "{lang}"\ndiscreet = false\n' + EVENING
        daemon = make_daemon(tmp_path, config, Clock(NOW))
        yield lang, daemon, links.required(daemon.store.data_dir)["digest"]


def readable(page: str) -> str:
    """The words a person reads on a page of the app, without its footer and quick exit
    (the frame's, checked with the frame) and without any markup."""
    page = re.split(r'<p style="position:fixed|<footer', page, maxsplit=1)[0]
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def app_top(home: str) -> str:
    """The app's part of the home page: from the way around to the year's link (the
    latest digest follows it)."""
    start = home.index('<nav aria-label="')
    return home[start : home.index("</p>", home.index('href="/year"'))]


def test_every_page_of_the_app_speaks_the_person_s_language(spoken) -> None:
    lang, daemon, token = spoken
    typed = TYPED[lang]
    ids = furnished(daemon, typed)
    saturday = ids["saturday"]

    async def steps(client) -> dict[str, tuple[int, str]]:
        seen: dict[str, tuple[int, str]] = {}

        async def get(path: str) -> str:
            answer = await client.get(path)
            seen[path] = (answer.status, await answer.text())
            return seen[path][1]

        async def post(path: str, form: dict[str, str], name: str) -> None:
            answer = await client.post(path, data={"csrf": guard, **form})
            seen[name] = (answer.status, await answer.text())

        await get(f"/?t={token}")
        guard = csrf_of(await get("/talks"))
        for path in ("/asks", "/asks?all=1", "/boundaries", "/boundaries?all=1",
                     "/log", "/calm", "/summary", f"/talks/{saturday}/card",
                     f"/talks/{ids['thursday']}/card", "/talks/t_nothere/card"):  # fmt: skip
            await get(path)
        for page, dones in DONE.items():
            for done in dones:
                await get(f"{page}?done={done}")
        await get(f"/talks/{saturday}/card?done=kept")
        await get("/year/2026")  # too little written down for a look back
        # a talk close to another: the preview says so
        when = "2026-11-28 19:30"
        await post("/talks/preview", {"when": when, "topic": typed["topic"]}, "preview")
        # the problems the forms can have
        await post("/asks", {"text": " ", "draft": "no"}, "empty ask")
        await post("/boundaries", {"text": " "}, "empty boundary")
        await post("/log", {"kind": "gesture", "text": " "}, "empty entry")
        await post("/log", {"kind": "praise", "text": typed["entry"]}, "unknown kind")
        await post("/calm", {"text": " "}, "empty moment")
        await post("/summary", {"first": "soon", "last": "later"}, "no dates")
        await post("/asks/a_nothere/state", {"state": "agreed"}, "no such ask")
        await post(f"/talks/{ids['friday']}/cancel", {}, "called off twice")
        await post(f"/talks/{ids['thursday']}/move", {"when": "2026-12-01 19:00"}, "moved after")
        long = {"intent": "x" * (card.MAX_INTENT + 1)}
        await post(f"/talks/{saturday}/card/intent", long, "intent too long")
        return seen

    with language.watching() as missing:
        seen = talk_to(daemon, steps)
    assert not missing, f"looked up without a {lang} translation: {sorted(missing)}"
    # the words the test typed, the CLI's own command a problem names, and the nudges'
    # titles on the home's "coming up" (words.toml's, checked with them)
    titles = tuple(practice.title for practice in kinds.PRACTICES.values())
    commands = (invoked.command("ask list --all"), invoked.command("talk add"))
    allowed = (*typed.values(), *commands, *titles)
    # a kind no page offers (a form made by hand) is told with the CLI's codes, as `log`
    codes = ", ".join(book.ENTRY_KINDS)
    for name, (status, page) in seen.items():
        assert status in (200, 404, 422), (name, status)
        home = name.startswith("/?t=")
        if not home:  # the home's frame is the digest page's (page.html), not the app's
            assert f'<html lang="{lang}">' in page, name
        if name.startswith("/year/"):
            continue  # beyond its frame, the year's words are the year's (digest/year)
        words = readable(app_top(page) if home else page)
        words = words.replace(codes, " ") if name == "unknown kind" else words
        assert not english_words(words, allowed), (name, english_words(words, allowed))
    look_back = {"de": "halfway · Ein Rückblick", "es": "halfway · Una mirada atrás"}
    assert f"<title>{look_back[lang]}</title>" in seen["/year/2026"][1]
    problems = ("empty ask", "empty boundary", "empty entry", "unknown kind", "empty moment",
                "no dates", "no such ask", "called off twice", "moved after", "intent too long")  # fmt: skip
    for name in problems:
        assert seen[name][0] == 422, name
        assert 'role="alert"' in seen[name][1], name
    assert seen["preview"][0] == 200
    near = {"de": "ist auch innerhalb einer Stunde", "es": "también está planeada a menos de"}
    assert near[lang] in readable(seen["preview"][1])
    # the states, the steps and the problems are there, in the person's words
    talks = readable(seen["/talks"][1])
    assert re.search(r"\b(Gespräche|Conversaciones)\b", talks)
    asks = readable(seen["/asks?all=1"][1])
    said = {"de": "Ausgesprochen, wartet auf Antwort", "es": "Dicha, esperando respuesta"}
    assert said[lang] in asks
    entry = readable(seen["empty entry"][1])
    empty = {"de": "Was passiert ist: ist leer", "es": "Qué pasó: está vacío"}
    assert empty[lang] in entry


def test_the_tab_names_the_page_in_the_person_s_language_or_nothing_when_discreet(
    tmp_path,
) -> None:
    for lang, talks in (("de", "Gespräche"), ("es", "Conversaciones")):
        for discreet in ("false", "true"):
            with language.speaking(lang):
                config = f'language = "{lang}"\ndiscreet = {discreet}\n' + EVENING
                daemon = make_daemon(tmp_path / lang / discreet, config, Clock(NOW))
                token = links.required(daemon.store.data_dir)["digest"]

                async def steps(client, token=token) -> str:
                    return await (await client.get(f"/talks?t={token}")).text()

                page = talk_to(daemon, steps)
                neutral = discretion.frame(daemon.settings).page_title("not this")
            title = re.search(r"<title>(.*?)</title>", page).group(1)
            if discreet == "false":
                assert title == f"halfway · {talks}"
            else:
                assert title == neutral  # the discreet title, whatever page it is
                assert talks not in title
                assert "halfway" not in title


def test_a_plain_answer_of_the_app_is_in_the_person_s_language(spoken) -> None:
    lang, daemon, token = spoken

    async def steps(client) -> tuple[int, str, int, str]:
        guard = csrf_of(await (await client.get(f"/talks?t={token}")).text())
        odd = await client.post("/engage", data={"csrf": guard, "answer": "maybe", "run": "r"})
        forged = await client.post("/talks", data={"csrf": "forged", "when": "sat 19:00"})
        return odd.status, await odd.text(), forged.status, await forged.text()

    with language.watching() as missing:
        odd, odd_text, forged, forged_text = talk_to(daemon, steps)
    assert not missing
    assert (odd, forged) == (422, 403)
    for text in (odd_text, forged_text):
        assert text
        assert not english_words(text), text
    assert ("Nichts wurde geändert" if lang == "de" else "No se ha cambiado nada") in forged_text


def test_english_stays_as_it_was(tmp_path) -> None:
    """The same pages in English keep their words (the msgids are the English)."""
    with language.speaking("en"):
        daemon = make_daemon(tmp_path, 'language = "en"\n' + EVENING, Clock(NOW))
        token = links.required(daemon.store.data_dir)["digest"]
        furnished(daemon, TYPED["de"])

        async def steps(client) -> list[str]:
            pages = [await (await client.get(f"/asks?all=1&t={token}")).text()]
            pages.append(await (await client.get("/calm")).text())
            pages.append(await (await client.get("/talks")).text())
            return pages

        asks, calm, talks = talk_to(daemon, steps)
    assert '<html lang="en">' in asks
    assert "Said, waiting for an answer · since 2026-11-25 12:00" in asks
    assert "<h2>Open</h2>" in asks
    assert '<span class="in">in</span><span class="out">out</span>' in calm
    assert "(done)" in talks
    assert "(cancelled)" in talks
    assert "Wed 2026-11-25 13:30 CET, about “Geld”, their idea" in talks


@pytest.mark.parametrize("lang", ["de", "es"])
def test_the_engage_offer_on_the_home_speaks_the_person_s_language(lang) -> None:
    """The offer shows once, after weeks of movement (app/engage): its words, read in
    the person's language around the setting and the commands, which stay as typed."""
    engage = {
        "run": "2026-W40",
        "setting": "[partner]\nrecord = false",
        "reload": invoked.command("reload"),
        "erase": invoked.command("erase --partner-side"),
    }
    home = {"nav": [], "here": "/", "coming": [], "quick": [], "engage": engage, "csrf": "g"}
    with language.speaking(lang), language.watching() as missing:
        page = templates.template("app_home.html").render(home=home)
    assert not missing
    assert engage["reload"] in page
    assert engage["erase"] in page
    words = readable(page)
    assert not english_words(words, tuple(engage.values())), english_words(words)
    moving = {"de": "Es bewegt sich etwas", "es": "Algo se está moviendo"}
    assert moving[lang] in words


def test_every_state_and_reason_of_a_talk_s_steps_is_said_in_the_person_s_language(
    spoken,
) -> None:
    """What a talk's steps show (talks/display): planned, after quiet hours, sending now,
    paused then, sent, cancelled, and every reason a step is left out, kept in English
    in the records and read in the person's language."""
    _lang, daemon, _token = spoken
    now = at(NOW)
    reasons = (planning.QUIET_TOO_LONG, planning.BEGUN, planning.TOO_OLD,
               planning.TALK_CANCELLED, planning.TALK_DONE, planning.ASK_WAITING,
               planning.PAUSED_ALL, "its time has already passed", "the talk has already begun",
               "the talk is less than 2 hours away, too close for this one",
               "the talk is less than 1 hour away, too close for this one",
               "the talk is less than 90 minutes away, too close for this one")  # fmt: skip

    def step(hours: float, state: str, **more: object) -> dict[str, object]:
        due = (now + timedelta(hours=hours)).isoformat()
        return {"kind": "self_regulation", "due_at": due, "state": state, **more}

    chain = [
        step(2, "planned"),
        step(3, "planned", deferred=True),
        step(-1, "planned"),
        step(-2, "sent"),
        step(1, "cancelled", reason=planning.TALK_CANCELLED),
    ]
    chain += [step(-3, "left_out", reason=reason) for reason in reasons]  # fmt: skip
    talk = {"id": "t_1", "at": (now + timedelta(days=1)).isoformat(), "chain": chain}
    paused = ((now + timedelta(hours=1, minutes=30), now + timedelta(hours=2, minutes=30)),)
    with language.watching() as missing:
        steps = display.chain_steps(talk, daemon.settings, now, paused)
        names = {display.step_name(kind) for kind, _ in steps}
    assert not missing, sorted(missing)
    said = " ".join(what for _, what in steps) + " ".join(names)
    assert not english_words(said), english_words(said)
    assert len({what for _, what in steps}) == len(steps)  # each its own words


@pytest.mark.parametrize("lang", ["de", "es"])
def test_every_example_the_when_field_gives_is_read_in_its_language(lang) -> None:
    """The hint under the app's WHEN fields (talks, card): each example in it is a WHEN
    the grammar reads, in the person's language."""
    now = at(NOW)
    with language.speaking(lang):
        hint = language._(display.WHEN_EXAMPLES)
        examples = hint.split(":", 1)[1].strip().rstrip(".").split(", ")
        assert len(examples) == 4
        for example in examples:
            assert talk_time(example, now, BERLIN, "dmy").at > now, example
