"""Every word a person can read is held to halfway's voice (tests/voice.py): no blame or
diagnosis of the partner, no push to stay or leave, no score against the partner, no
guilt for what was skipped, and titles and push bodies short enough for a lock screen.

Each source of words is its own test id, so a failure names where the words came from:
words.toml kind by kind; every message a nudge sends (push, ntfy, e-mail, discreet and
not) through `halfway send` to real servers on loopback; the reply page of every kind
through the real aiohttp app (open, answered, closed, refused); the digest as text, file,
page, e-mail and push, made from `halfway demo-data` over a few seeds and lengths; the
CLI's words on that sample data; and every string literal in halfway's code.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import atexit
import contextlib
import email
import email.policy
import functools
import io
import json
import re
import shutil
import tempfile
import threading
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import pytest
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.controller import Controller

from halfway import cli, config_models, demodata, practices, words
from halfway.daemon import Daemon
from halfway.settings import load_settings
from halfway.store import Store

from .conftest import Clock, SmtpReceiver, config_text, free_port
from .voice import Text, page_texts, problems, report, tallies

SRC = Path(__file__).resolve().parent.parent / "src" / "halfway"
TEMPLATES = SRC / "templates"
FIELDS = {"boundary": "no work calls after 22:00", "topic": "weekend time"}
LONG = "x" * 40  # a long boundary or topic, like "no phone calls about work after ten at night"
# The sample data: (seed, weeks) of `halfway demo-data`, ended at a fixed instant.
DEMOS = ((7, 12), (3, 8), (11, 20))
DEMO_END = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)  # a Monday morning, before the digest
DIGEST_WEEKS = 4  # the digests of the last this many weeks, and of an empty week before
EXTRA_LINES = (practices.REMINDER_LINE, practices.PAUSE_OFFER)
SHOWN = 40  # a failure lists this many problems, then how many more


# --- the sources ------------------------------------------------------------------------

SOURCES: dict[str, Callable[[], list[Text]]] = {}
RENDERED: set[str] = set()  # the templates rendered while a source was being read
_render = jinja2.Template.render
_recording = 0  # sources read pages in worker threads too: a count, not a thread's flag


def _recorded_render(self: jinja2.Template, *args: Any, **kwargs: Any) -> str:
    if _recording and self.name:
        RENDERED.add(self.name)
    return _render(self, *args, **kwargs)


jinja2.Template.render = _recorded_render  # type: ignore[method-assign]


def source(name: str) -> Callable[[Callable[[], list[Text]]], Callable[[], list[Text]]]:
    """Register a reader of words under `name` (a test id)."""

    def register(read: Callable[[], list[Text]]) -> Callable[[], list[Text]]:
        SOURCES[name] = read
        return read

    return register


@contextlib.contextmanager
def recording() -> Iterator[None]:
    """Count the templates rendered meanwhile as read by the voice test."""
    global _recording
    _recording += 1
    try:
        yield
    finally:
        _recording -= 1


def scratch() -> Path:
    """A folder for a source's data, kept for the process (sources are cached)."""
    folder = Path(tempfile.mkdtemp(prefix="halfway-voice-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def run(*args: str, ok: tuple[int, ...] = (0,)) -> str:
    """`halfway ARGS…` in-process; its output (stdout and stderr) if it exits as `ok`
    (`status` exits 3 while no daemon runs)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    assert code in ok, f"halfway {' '.join(args)} exited {code}: {err.getvalue()}"
    return out.getvalue() + err.getvalue()


class Receiver:
    """A push service and an SMTP server on loopback, keeping everything they were sent."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                posts.append((self.path, json.loads(body or b"{}")))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.smtp = SmtpReceiver(port=free_port())
        self.controller = Controller(self.smtp, hostname="127.0.0.1", port=self.smtp.port)
        self.controller.start()

    def channels(self) -> dict[str, str]:
        port = self.http.server_address[1]
        return {
            "push": f"json://127.0.0.1:{port}/hook",
            "ntfy": f"ntfy://127.0.0.1:{port}/private-topic",
            "mail": self.smtp.url(),
        }

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
        self.controller.stop()

    def texts(self, where: str, digest: bool = False) -> list[Text]:
        """What a person reads of everything sent so far: titles, bodies, buttons, mails."""
        body_role = "digest" if digest else "push"
        mail_role = "digest" if digest else "text"  # a mail is read opened, not on a lock screen
        found: list[Text] = []
        for path, sent in self.posts:
            kind = "ntfy" if path == "/" else "push"
            found.append(Text(f"{where} {kind} title", str(sent.get("title", "")), "title"))
            found.append(Text(f"{where} {kind} body", str(sent.get("message", "")), body_role))
            if digest:  # and as a push body, for its length
                found.append(Text(f"{where} {kind} body", str(sent.get("message", "")), "push"))
            for action in sent.get("actions", ()):
                found.append(Text(f"{where} ntfy button", str(action.get("label", "")), "title"))
        for envelope in self.smtp.messages:
            mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
            found.append(Text(f"{where} e-mail subject", str(mail["subject"]), "heading"))
            for part in mail.walk():
                if part.get_content_type() == "text/plain":
                    text = part.get_content()
                    found.append(Text(f"{where} e-mail text part", text, mail_role))
                elif part.get_content_type() == "text/html":
                    html = part.get_content()
                    found += page_texts(f"{where} e-mail html part", html, mail_role)
        return found


def visible_page(where: str, html: str, digest: bool = False) -> list[Text]:
    return page_texts(where, html, "digest" if digest else "text")


async def _get(client: TestClient, path: str) -> tuple[int, str]:
    answer = await client.get(path)
    return answer.status, await answer.text()


def serve(daemon: Daemon, steps: Callable[[TestClient], Any]) -> Any:
    """Run `steps(client)` against the daemon's real web app on loopback."""

    async def go() -> Any:
        async with TestClient(TestServer(daemon.web_app())) as client:
            return await steps(client)

    with recording():
        return asyncio.run(go())


# words.toml --------------------------------------------------------------------------


def kind_texts(kind: str) -> list[Text]:
    practice = practices.PRACTICES[kind]
    at = f"words.toml kinds.{kind}"
    found = [
        Text(f"{at}.title", practice.title, "title"),
        Text(f"{at}.text_label", practice.text_label),
        Text(f"{at}.note_label", practice.note_label),
    ]
    if practice.scale:
        found.append(Text(f"{at}.scale", practice.scale))
    found += [Text(f"{at}.choices.{code}", label, "title") for code, label in practice.choices]
    for i, variant in enumerate(practice.variants):
        for fields in ({}, FIELDS, dict.fromkeys(practice.fields, LONG)):
            body = practices.render(kind, variant, None, fields)[1]
            found.append(Text(f"{at}.variants[{i}] rendered", body, "push"))
    return found


for _kind in words.kinds():
    source(f"words.toml:kinds.{_kind}")(functools.partial(kind_texts, _kind))


@source("words.toml:placeholders+safety")
def placeholder_texts() -> list[Text]:
    found = [Text("words.toml safety", practices.safety_line())]
    for name, spec in words.shipped().placeholders.items():
        found.append(Text(f"words.toml placeholders.{name}.filled", spec.filled))
        found.append(Text(f"words.toml placeholders.{name}.empty", spec.empty))
    return found


@source("practices:messages")
def message_texts() -> list[Text]:
    """Every message a nudge can leave as: discreet or not, a reminder, the pause offer."""
    found = [
        Text("practices Shape.label(later)", practices.Shape().label(practices.LATER), "title"),
        Text("practices Shape.label(pause)", practices.Shape().label(practices.PAUSE_WEEK)),
    ]
    link = "http://127.0.0.1:8470/r/d_1.token"
    for kind in words.kinds():
        title, words_ = practices.render(kind, seed="d_1", fields=FIELDS)
        for discreet in (True, False):
            for reminder, offer in ((False, False), (True, False), (False, True)):
                sent = practices.message(title, words_, link, discreet, reminder, offer)
                at = f"practices.message({kind}, discreet={discreet})"
                found += [
                    Text(f"{at} title", sent[0], "title"),
                    Text(f"{at} body", sent[1], "push"),
                ]
    return found


@source("demo.toml")
def demo_texts() -> list[Text]:
    """The built-in demo's own words ('halfway run --demo')."""
    demo = tomllib.loads(resources.files("halfway").joinpath("demo.toml").read_text("utf-8"))
    found = []
    for nudge in demo.get("nudges", ()):
        title, body = practices.render(nudge["kind"], nudge.get("text"), "d_1", FIELDS)
        found += [
            Text(f"demo.toml {nudge['id']}", body, "push"),
            Text("demo title", title, "title"),
        ]
    return found


@source("config.example.toml")
def example_config_texts() -> list[Text]:
    """The example config a person reads and copies ('halfway init' writes it): its
    comments and its words (it may say what a key needs, like a command)."""
    example = resources.files("halfway").joinpath("config.example.toml").read_text("utf-8")
    return [Text("config.example.toml", example, "cli")]


# the nudges, sent ---------------------------------------------------------------------

BOUNDARY = "no work calls after 22:00"


def nudges_config(folder: Path, channels: dict[str, str], discreet: bool) -> Path:
    body = f"discreet = {'true' if discreet else 'false'}\n"
    for kind in config_models.KINDS:
        body += f'[[nudges]]\nid = "{kind.replace("_", "-")}"\nkind = "{kind}"\n'
        body += 'cron = "0 9 * * *"\n'
    body += f'[[boundaries]]\nid = "calls"\ntext = "{BOUNDARY}"\n'
    path = folder / f"config-{'discreet' if discreet else 'open'}.toml"
    text = config_text(body, data_dir=folder / "data", channels=channels)
    path.write_text(text, encoding="utf-8")
    return path


@functools.cache
def nudges_world(discreet: bool) -> dict[str, Any]:
    """Every configurable kind sent once by `halfway send` to a push service, ntfy and
    e-mail on loopback; the CLI's words, what arrived, and each kind's reply page."""
    folder = scratch()
    receiver = Receiver()
    try:
        path = nudges_config(folder, receiver.channels(), discreet)
        settings = load_settings_from(path)
        Store(settings.data_dir)  # the hot file
        clock = Clock(datetime.now(UTC).isoformat())
        daemon = Daemon(settings, Store(settings.data_dir, clock=clock), clock=clock)
        cli_words = [Text("halfway check", run("check", "--config", str(path)), "cli")]
        cli_words.append(Text("halfway upcoming", run("upcoming", "--config", str(path)), "cli"))
        for kind in config_models.KINDS:
            with recording():
                out = run("send", kind.replace("_", "-"), "--config", str(path))
            cli_words.append(Text(f"halfway send {kind}", out, "cli"))
        for delivery in Store(settings.data_dir).everything()["deliveries"]:
            codes = [code for code, _ in delivery["reply"].get("choices", ())]
            for value in [*codes, "later"]:
                out = run("reply", delivery["id"], value, "--config", str(path))
                cli_words.append(Text(f"halfway reply ({delivery['kind']}) {value}", out, "cli"))
        cli_words.append(Text("halfway history", run("history", "--config", str(path))))
        status = run("status", "--config", str(path), ok=(0, 3))
        cli_words.append(Text("halfway status", status, "cli"))
        sent = receiver.texts(f"sent ({'discreet' if discreet else 'open'})")
    finally:
        receiver.close()
    pages = reply_pages(daemon, clock)
    return {"cli": cli_words, "sent": sent, "pages": pages}


def load_settings_from(path: Path) -> Any:
    return load_settings(argparse.Namespace(config=str(path), checks_channels=False))


def reply_pages(daemon: Daemon, clock: Clock) -> dict[str, list[Text]]:
    """Each delivery's reply page by kind: as it opens, after each answer, once closed,
    and the page for a link that is not one halfway made."""
    every = daemon.store.everything()["deliveries"]
    links = [(d["kind"], urlsplit(d["link"]).path, d) for d in every if d.get("link")]

    async def steps(client: TestClient) -> dict[str, list[Text]]:
        pages: dict[str, list[Text]] = {}
        for kind, path, delivery in links:
            found = pages.setdefault(kind, [])
            status, html = await _get(client, path)
            assert status == 200, (path, status)
            found += visible_page(f"reply page ({kind})", html)
            codes = [code for code, _ in delivery["reply"].get("choices", ())]
            for value in [*codes, "later"]:
                answer = await client.post(path, json={"value": value, "note": "a note"})
                assert answer.status == 200, (path, value, await answer.text())
                label = (await answer.json())["label"]
                found.append(Text(f"reply page ({kind}) answer label", label, "title"))
                status, html = await _get(client, f"{path}?saved=1")
                found += visible_page(f"reply page ({kind}) answered {value}", html)
            if delivery["reply"].get("free_text"):
                await client.post(path, json={"value": "my own words"})
                status, html = await _get(client, f"{path}?saved=1")
                found += visible_page(f"reply page ({kind}) answered in words", html)
        clock.advance(days=60)  # every window closed
        for kind, path, _delivery in links:
            status, html = await _get(client, path)
            pages[kind] += visible_page(f"reply page ({kind}) closed", html)
        status, html = await _get(client, "/r/d_123.forged")
        pages.setdefault("refused", []).extend(visible_page("reply page (forged link)", html))
        return pages

    return dict(serve(daemon, steps))


for _discreet in (False, True):
    _mode = "discreet" if _discreet else "open"
    source(f"cli:check+upcoming+send+reply+history+status:{_mode}")(
        functools.partial(lambda d: nudges_world(d)["cli"], _discreet)
    )
    source(f"sent:push+ntfy+e-mail:{_mode}")(
        functools.partial(lambda d: nudges_world(d)["sent"], _discreet)
    )

for _kind in (*config_models.KINDS, "refused"):
    source(f"reply-page:{_kind}")(
        functools.partial(lambda k: nudges_world(False)["pages"].get(k, []), _kind)
    )
source("reply-page:all-kinds:discreet")(
    lambda: [t for found in nudges_world(True)["pages"].values() for t in found]
)


# the digest, from sample data ---------------------------------------------------------


def demo_config(folder: Path, channels: dict[str, str], discreet: bool) -> Path:
    path = folder / f"config-{'discreet' if discreet else 'open'}.toml"
    body = f"discreet = {'true' if discreet else 'false'}\n"
    body += '[[nudges]]\nid = "sunday-review"\nkind = "pattern_review"\ncron = "0 18 * * sun"\n'
    path.write_text(config_text(body, data_dir=folder / "data", channels=channels), "utf-8")
    return path


@functools.cache
def demo_world(seed: int, weeks: int) -> dict[str, list[Text]]:
    """`halfway demo-data` for `weeks` weeks with `seed`, then the digest of the last few
    weeks (and of an empty week before them) in every form, the CLI's history and the
    reply pages of what the hot file still holds."""
    folder = scratch()
    receiver = Receiver()
    found: dict[str, list[Text]] = {
        name: [] for name in ("text", "page", "sent", "cli", "reply", "calendar")
    }
    try:
        paths = {d: demo_config(folder, receiver.channels(), d) for d in (False, True)}
        settings = load_settings_from(paths[False])
        with recording():
            demodata.fill(settings, weeks, seed, DEMO_END)
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
                            run("digest", "--week", week, "--send", "--force", *config),
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
                    return await _get(client, address)

                status, html = serve(daemons[discreet], page)
                assert status == 200, (week, mode, status)
                found["page"] += visible_page(f"digest page {week} ({mode})", html, True)
        topic = ("--topic", "weekend time")
        run("talk", "add", "in 3 days 18:00", *topic, "--config", str(paths[False]))
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


def calendar_texts(daemon: Daemon, path: Path, discreet: bool) -> list[Text]:
    """The calendar feed's events, as a shared calendar shows them."""
    link = urlsplit(run("calendar-url", "--config", str(path)).strip())

    async def feed(client: TestClient) -> tuple[int, str]:
        return await _get(client, f"{link.path}?{link.query}" if link.query else link.path)

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
            _status, html = await _get(client, path)  # 410 for one whose window closed
            pages.append(visible_page(f"reply page ({kind}, sample data)", html))
        clock.advance(days=30)
        for kind, path in links:
            _status, html = await _get(client, path)
            pages.append(visible_page(f"reply page ({kind}, sample data, closed)", html))
        clock.advance(days=-30)
        return pages

    return list(serve(daemon, steps))


for _seed, _weeks in DEMOS:
    _at = f"seed{_seed}-{_weeks}w"
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
            functools.partial(lambda s, w, f: demo_world(s, w)[f], _seed, _weeks, _form)
        )


# every string in the code -------------------------------------------------------------


def literals(path: Path) -> list[str]:
    """Every string literal of a module that is not a docstring (f-strings' fixed parts)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and re.search(r"[A-Za-z]{2,} [A-Za-z]{2,}", node.value)  # words, not codes or keys
    ]


def code_texts(path: Path) -> list[Text]:
    where = f"code {path.relative_to(SRC.parent)}"
    return [Text(where, text, "code") for text in literals(path)] or [Text(where, "")]


for _path in sorted(SRC.rglob("*.py")):
    source(f"code:{_path.relative_to(SRC).as_posix()}")(functools.partial(code_texts, _path))


# --- the tests --------------------------------------------------------------------------


def code_problems(items: list[Text]) -> list[str]:
    """For code: blame, pushing and guilt only (a program's own failure, a state named
    'missed', a '%' in a format are not said to the person)."""
    kept = ("blames", "pushes", "guilt: 'you", "keeps score: '▲", "keeps score: '▼")
    return [
        f"{item.where}: {problem}\n    in: {item.text[:200]!r}"
        for item in items
        for problem in problems(Text(item.where, item.text))
        if problem.startswith((*kept, "keeps score (their side"))
    ]


@pytest.mark.parametrize("name", list(SOURCES))
def test_every_word_keeps_halfway_s_voice(name: str) -> None:
    items = SOURCES[name]()
    assert items, f"{name}: found no words at all (the source is broken)"
    found = code_problems(items) if name.startswith("code:") else report(items, EXTRA_LINES)
    shown = found[:SHOWN] + ([f"… and {len(found) - SHOWN} more"] if len(found) > SHOWN else [])
    assert not found, f"{len(found)} problem(s) in {name}:\n" + "\n".join(shown)


def test_every_template_is_read_by_a_source() -> None:
    """A template added later is a new source of words: it must be rendered here too."""
    for name, read in SOURCES.items():
        if not name.startswith("code:"):
            read()
    included = set()
    for name in RENDERED:
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        included |= set(re.findall(r"""{%-?\s*(?:include|extends|import)\s+["']([^"']+)""", text))
    every = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*") if p.is_file()}
    assert every - RENDERED - included == set()
    assert resources.files("halfway").joinpath("templates").is_dir()


# --- the checks themselves ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "role", "rule"),
    [
        ("He is such a NARCISSIST.", "text", "blames"),
        ("Classic gaslighting.", "text", "blames"),
        ("That was manipulative", "text", "blames"),
        ("It’s your fault", "text", "blames"),
        ("They never listen", "text", "blames"),
        ("Their abusive words", "text", "blames"),
        ("You should leave him.", "text", "pushes"),
        ("You must talk tonight.", "text", "demands"),
        ("Time to break up?", "text", "pushes"),
        ("Balance: 56 % from their side", "digest", "keeps score"),
        ("my reaching out ▲ up", "digest", "keeps score"),
        ("You answered 9 of 11 check-ins.", "digest", "keeps score"),
        ("5 Oct   them  2 · you  3", "digest", "keeps score"),
        ("You reached out 3 times, they did twice.", "push", "keeps score"),
        ("Nothing on their side; a quiet week on your side too.", "digest", "keeps score"),
        ("their side · your reaching out", "digest", "keeps score"),
        ("You took a calm minute twice, and they reached out once.", "text", "keeps score"),
        ("Your partner began a talk twice; you reached out 4 times.", "text", "keeps score"),
        ("You missed two check-ins.", "text", "guilt"),
        ("You forgot to answer.", "text", "guilt"),
        ("You didn't answer yesterday.", "text", "guilt"),
        ("2 check-ins missed while halfway was not running", "digest", "guilt"),
        ("t" * 49, "title", "a title"),
        ("t" * 61, "heading", "a heading"),
        ("w" * 241 + "\nReply: http://x/r/1", "push", "a push body"),
    ],
)
def test_the_checks_find_what_they_are_for(text: str, role: str, rule: str) -> None:
    assert [p for p in problems(Text("t", text, role)) if p.startswith(rule)], text


@pytest.mark.parametrize(
    "text",
    [
        "If you ever feel afraid or unsafe, please contact your local emergency services "
        "or a domestic-abuse helpline.",
        "Movement noted in 3 of the last 8 weeks.",
        "In 3 of the last 8 weeks, you noted movement from your partner.",
        "You noted 2 small moments from them this week.",
        "If you are afraid, it is not your fault. It's not your fault either way.",
        "This is not a score; what you wrote down is rarely all that happened.",
        "Tue 24 Nov: they asked about my day",
        "You took a calm minute twice. They reached out once.",
        "Skipping is always fine. None today is an honest answer.",
        "halfway is a companion, not professional advice; it never tells you to stay or to leave.",
        "Your week, gently · 23 – 29 Nov 2026",
    ],
)
def test_the_checks_let_kind_words_through(text: str) -> None:
    assert problems(Text("t", text, "digest")) == []
    assert tallies(text) == []
