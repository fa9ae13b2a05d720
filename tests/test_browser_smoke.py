"""Smoke test of the browser fixtures: a phone-sized Chromium posts a real form to loopback.

A tiny aiohttp app, like the reply page's, runs on 127.0.0.1 in a thread of its own. The
test opens its form, types a note, presses the button (a real form POST), follows the
redirect and checks that the page shows what the server recorded, then saves a screenshot.
"""

from __future__ import annotations

import asyncio
import html
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

from .browser import screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{ font-family: sans-serif; margin: 0; padding: 1.5rem; background: #fdf8f3; }}
  h1 {{ font-size: 1.5rem; }}
  textarea {{ width: 100%; box-sizing: border-box; font-size: 1rem; min-height: 5rem; }}
  button {{ width: 100%; margin-top: 1rem; padding: 1rem; font-size: 1.25rem;
           border: 0; border-radius: 0.75rem; background: #2f7d5b; color: white; }}
  .recorded {{ padding: 1rem; border-radius: 0.75rem; background: #e3f1ea; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""

FORM = """<h1>Did you call Mum today?</h1>
<form method="post" action="/reply">
  <input type="hidden" name="token" value="{token}">
  <label for="note">A note (optional)</label>
  <textarea id="note" name="note"></textarea>
  <button type="submit" name="answer" value="done">Done</button>
</form>
"""

THANKS = """<h1>Thank you</h1>
<p class="recorded" id="recorded">Recorded: <b>{answer}</b> — {note}</p>
"""


@dataclass
class ReplyServer:
    """A real HTTP server on loopback that shows a form and records each POST of it."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    posts: list[dict[str, str]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self.form)
        app.router.add_post("/reply", self.reply)
        app.router.add_get("/thanks", self.thanks)
        return app

    async def form(self, request: web.Request) -> web.Response:
        body = FORM.format(token=html.escape(self.token))
        return web.Response(text=PAGE.format(title="Check-in", body=body), content_type="text/html")

    async def reply(self, request: web.Request) -> web.Response:
        data = await request.post()
        self.posts.append(
            {
                "method": request.method,
                "content_type": request.content_type,
                **{key: str(value) for key, value in data.items()},
            }
        )
        raise web.HTTPSeeOther("/thanks")

    async def thanks(self, request: web.Request) -> web.Response:
        last = self.posts[-1] if self.posts else {"answer": "nothing", "note": ""}
        body = THANKS.format(answer=html.escape(last["answer"]), note=html.escape(last["note"]))
        return web.Response(text=PAGE.format(title="Thanks", body=body), content_type="text/html")


@pytest.fixture
def reply_server() -> Iterator[ReplyServer]:
    """Run ReplyServer's aiohttp app on a free loopback port, in an event loop of its own."""
    server = ReplyServer()
    runner = web.AppRunner(server.app(), access_log=None)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="reply-server", daemon=True)
    thread.start()

    async def start() -> None:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        server.port = runner.addresses[0][1]

    try:
        asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_phone_page_is_phone_sized(phone_page: Page, reply_server: ReplyServer) -> None:
    # A page that was navigated to: Chromium's first blank page predates touch emulation.
    phone_page.goto(reply_server.url("/"))
    seen = phone_page.evaluate(
        """() => ({
            width: innerWidth, height: innerHeight, ratio: devicePixelRatio,
            touch: 'ontouchstart' in window, points: navigator.maxTouchPoints,
            coarse: matchMedia('(pointer: coarse)').matches, agent: navigator.userAgent,
        })"""
    )
    assert (seen["width"], seen["height"], seen["ratio"]) == (390, 844, 2)
    assert (seen["touch"], seen["points"] > 0, seen["coarse"]) == (True, True, True)
    assert "Mobile" in seen["agent"]
    assert "HeadlessChrome" not in seen["agent"]


def test_form_post_from_a_phone(phone_page: Page, reply_server: ReplyServer) -> None:
    phone_page.goto(reply_server.url("/"))
    assert phone_page.title() == "Check-in"

    phone_page.get_by_label("A note (optional)").fill("Called at lunch ☎")
    screenshot(phone_page, "browser-smoke-form")
    phone_page.get_by_role("button", name="Done").tap()  # a touch, as on a phone
    phone_page.wait_for_url(reply_server.url("/thanks"))

    assert reply_server.posts == [
        {
            "method": "POST",
            "content_type": "application/x-www-form-urlencoded",
            "token": reply_server.token,
            "note": "Called at lunch ☎",
            "answer": "done",
        }
    ]
    assert phone_page.locator("#recorded").inner_text() == "Recorded: done — Called at lunch ☎"

    path = screenshot(phone_page, "browser-smoke-thanks")
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
