"""Where halfway's words come from, for the voice test (tests/test_voice.py): each source
is a function that reads one kind of text a person sees, registered in SOURCES under
the test id that names it. Sources run the real code: words.toml through the renderer,
`halfway send` to a push service, ntfy and SMTP on loopback, the reply page through the
real aiohttp app, the CLI in-process; tests/voice_sample.py adds the sample data's.
A source runs once per process (they are cached), in a scratch folder of its own.

Every language halfway speaks is read: the nudges' words, messages and the discreet
lines in each, and `halfway send` with each language's config; an id ending in ":de"
or ":es" names a source read in that language (English ids have no ending).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import email
import email.policy
import functools
import io
import json
import shutil
import tempfile
import threading
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from aiohttp.test_utils import TestClient, TestServer
from aiosmtpd.controller import Controller

from halfway.cli import main
from halfway.cli.invocation import load_settings
from halfway.config import values
from halfway.core import kinds
from halfway.engine.daemon import Daemon
from halfway.store.database import Store
from halfway.words import catalog, discretion, language

from .conftest import Clock, SmtpReceiver, config_text, free_port
from .voice import Text, literals, page_texts

SRC = Path(__file__).resolve().parent.parent / "src" / "halfway"
TEMPLATES = SRC / "templates"
FIELDS = {"boundary": "no work calls after 22:00", "topic": "weekend time"}
LONG = "x" * 40  # a long boundary or topic, like "no phone calls about work after ten at night"

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
        code = main.main(list(args))
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


async def get(client: TestClient, path: str) -> tuple[int, str]:
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


def in_language(read: Callable[[], list[Text]], lang: str) -> Callable[[], list[Text]]:
    """`read`, with halfway speaking `lang` while it reads."""

    def spoken() -> list[Text]:
        with language.speaking(lang):
            return read()

    return spoken


def each_language(name: str, read: Callable[[], list[Text]]) -> None:
    """Register `read` under `name` in English, and as `name:de`, `name:es` in the others."""
    for lang in language.LANGUAGES:
        source(name if lang == language.SOURCE else f"{name}:{lang}")(in_language(read, lang))


def kind_texts(kind: str) -> list[Text]:
    practice = kinds.PRACTICES[kind]
    at = f"words.toml kinds.{kind} ({language.current()})"
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
            body = kinds.render(kind, variant, None, fields)[1]
            found.append(Text(f"{at}.variants[{i}] rendered", body, "push"))
    return found


for _kind in catalog.kinds():
    each_language(f"words.toml:kinds.{_kind}", functools.partial(kind_texts, _kind))


def placeholder_texts() -> list[Text]:
    found = [
        Text("words.toml safety", kinds.safety_line()),
        Text("words.toml safety, with a helpline", kinds.safety_line("0800 111 0 111")),
    ]
    for name, spec in catalog.spoken().placeholders.items():
        found.append(Text(f"words.toml placeholders.{name}.filled", spec.filled))
        found.append(Text(f"words.toml placeholders.{name}.empty", spec.empty))
    return found


def discreet_texts() -> list[Text]:
    """Every discreet line a lock screen, a mail preview or a calendar can show."""
    return [Text("discretion", line, "push") for line in discretion.lines()] + [
        Text("discretion title", discretion.shown_title(discretion.TITLE), "title"),
        *(Text("discretion button", language._(b), "title") for b in BUTTONS),
    ]


BUTTONS = (discretion.OPEN, discretion.LATER)


each_language("words.toml:placeholders+safety", placeholder_texts)
each_language("discretion:lines", discreet_texts)


def message_texts() -> list[Text]:
    """Every message a nudge can leave as: discreet or not, a reminder, the pause offer."""
    found = [
        Text("kinds Shape.label(later)", kinds.Shape().label(kinds.LATER), "title"),
        Text("kinds Shape.label(pause)", kinds.Shape().label(kinds.PAUSE_WEEK)),
    ]
    link = "http://127.0.0.1:8470/r/d_1.token"
    for kind in catalog.kinds():
        title, words_ = kinds.render(kind, seed="d_1", fields=FIELDS)
        for discreet in (True, False):
            for reminder, offer in ((False, False), (True, False), (False, True)):
                sent = kinds.message(title, words_, link, discreet, reminder, offer)
                at = f"kinds.message({kind}, discreet={discreet})"
                found += [
                    Text(f"{at} title", sent[0], "title"),
                    Text(f"{at} body", sent[1], "push"),
                ]
    return found


each_language("kinds:messages", message_texts)


@source("demo.toml")
def demo_texts() -> list[Text]:
    """The built-in demo's own words ('halfway run --demo')."""
    demo = tomllib.loads(resources.files("halfway").joinpath("demo.toml").read_text("utf-8"))
    found = []
    for nudge in demo.get("nudges", ()):
        title, body = kinds.render(nudge["kind"], nudge.get("text"), "d_1", FIELDS)
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


def nudges_config(
    folder: Path, channels: dict[str, str], discreet: bool, lang: str = language.SOURCE
) -> Path:
    body = f'language = "{lang}"\ndiscreet = {"true" if discreet else "false"}\n'
    for kind in values.KINDS:
        body += f'[[nudges]]\nid = "{kind.replace("_", "-")}"\nkind = "{kind}"\n'
        body += 'cron = "0 9 * * *"\n'
    body += f'[[boundaries]]\nid = "calls"\ntext = "{BOUNDARY}"\n'
    path = folder / f"config-{'discreet' if discreet else 'open'}-{lang}.toml"
    text = config_text(body, data_dir=folder / "data", channels=channels)
    path.write_text(text, encoding="utf-8")
    return path


@functools.cache
def nudges_world(discreet: bool, lang: str = language.SOURCE) -> dict[str, Any]:
    """Every configurable kind sent once by `halfway send` to a push service, ntfy and
    e-mail on loopback; the CLI's words, what arrived, and each kind's reply page; with
    a config that says `language = LANG` (halfway speaks it for the while)."""
    with language.speaking(lang):
        return _nudges_world(discreet, lang)


def _nudges_world(discreet: bool, lang: str) -> dict[str, Any]:
    folder = scratch()
    receiver = Receiver()
    try:
        path = nudges_config(folder, receiver.channels(), discreet, lang)
        settings = load_settings_from(path)
        Store(settings.data_dir)  # the hot file
        clock = Clock(datetime.now(UTC).isoformat())
        daemon = Daemon(settings, Store(settings.data_dir, clock=clock), clock=clock)
        cli_words = [Text("halfway check", run("check", "--config", str(path)), "cli")]
        cli_words.append(Text("halfway upcoming", run("upcoming", "--config", str(path)), "cli"))
        for kind in values.KINDS:
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
        sent = receiver.texts(f"sent ({'discreet' if discreet else 'open'}, {lang})")
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
            status, html = await get(client, path)
            assert status == 200, (path, status)
            found += visible_page(f"reply page ({kind})", html)
            codes = [code for code, _ in delivery["reply"].get("choices", ())]
            for value in [*codes, "later"]:
                answer = await client.post(path, json={"value": value, "note": "a note"})
                assert answer.status == 200, (path, value, await answer.text())
                label = (await answer.json())["label"]
                found.append(Text(f"reply page ({kind}) answer label", label, "title"))
                status, html = await get(client, f"{path}?saved=1")
                found += visible_page(f"reply page ({kind}) answered {value}", html)
            if delivery["reply"].get("free_text"):
                await client.post(path, json={"value": "my own words"})
                status, html = await get(client, f"{path}?saved=1")
                found += visible_page(f"reply page ({kind}) answered in words", html)
        clock.advance(days=60)  # every window closed
        for kind, path, _delivery in links:
            status, html = await get(client, path)
            pages[kind] += visible_page(f"reply page ({kind}) closed", html)
        status, html = await get(client, "/r/d_123.forged")
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

for _kind in (*values.KINDS, "refused"):
    source(f"reply-page:{_kind}")(
        functools.partial(lambda k: nudges_world(False)["pages"].get(k, []), _kind)
    )
source("reply-page:all-kinds:discreet")(
    lambda: [t for found in nudges_world(True)["pages"].values() for t in found]
)
for _lang in language.LANGUAGES[1:]:  # the same, with a config in German or in Spanish
    for _discreet in (False, True):
        _mode = "discreet" if _discreet else "open"
        source(f"sent:push+ntfy+e-mail:{_mode}:{_lang}")(
            functools.partial(lambda d, g: nudges_world(d, g)["sent"], _discreet, _lang)
        )
        source(f"cli:check+upcoming+send+reply+history+status:{_mode}:{_lang}")(
            functools.partial(lambda d, g: nudges_world(d, g)["cli"], _discreet, _lang)
        )
        source(f"reply-page:all-kinds:{_mode}:{_lang}")(
            functools.partial(
                lambda d, g: [t for f in nudges_world(d, g)["pages"].values() for t in f],
                _discreet,
                _lang,
            )
        )


# every string in the code -------------------------------------------------------------


def code_texts(path: Path) -> list[Text]:
    where = f"code {path.relative_to(SRC.parent)}"
    return [Text(where, text, "code") for text in literals(path)] or [Text(where, "")]


for _path in sorted(SRC.rglob("*.py")):
    source(f"code:{_path.relative_to(SRC).as_posix()}")(functools.partial(code_texts, _path))
