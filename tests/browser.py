"""A real headless Chromium for tests, driven through Playwright for Python.

The browser is Debian's `chromium` package (`apt-get install chromium`), not one that
Playwright downloads: never run `playwright install`. The Python side is the `playwright`
wheel from PyPI, whose bundled driver talks to `/usr/bin/chromium` over a pipe.

conftest.py imports the fixtures, so any test can take `phone_page`.
`browser` starts Chromium once per test module; `phone_page` gives each test a fresh page
in its own context, sized and behaving like a phone; `screenshot(page, name)` saves a PNG
under `test-artifacts/` (git-ignored) for a person to look at.

Without `/usr/bin/chromium` (or without the `playwright` package) a test that needs the
browser is skipped on a developer's machine, but fails where the environment variable `CI`
is set, so a CI machine that lacks the browser cannot pass by skipping its tests.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")

# Each flag keeps Chromium quiet and self-contained on a closed network, running as root.
# Playwright adds --headless, --remote-debugging-pipe and a fresh, empty --user-data-dir
# (a temporary folder it deletes on close) by itself.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",  # root cannot use Chromium's sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no calls home: this network refuses them, noisily
    "--disable-component-update",
    "--disable-sync",
)

PHONE_WIDTH, PHONE_HEIGHT = 375, 812  # CSS pixels: the narrowest common phones (iPhone mini, SE)
PHONE_SCALE = 2
# An Android Chrome user agent; its version is filled in from the browser that runs.
PHONE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/{major}.0.0.0 Mobile Safari/537.36"
)

# Generous, but far below pytest's patience: a hung browser fails the test, not the run.
LAUNCH_TIMEOUT_MS = 30_000
ACTION_TIMEOUT_MS = 10_000


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


def _unavailable(reason: str) -> NoReturn:
    """Skip on a developer's machine; fail under CI, where the browser must be there."""
    if _in_ci():
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


# Once per module, not per session: Playwright's sync API leaves its event loop running on
# the main thread until it stops, so a later test's `asyncio.run()` would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched once for each test module that needs it."""
    if not CHROMIUM.exists():
        _unavailable(f"no browser at {CHROMIUM}: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed: pip install 'playwright>=1.49'")

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_ARGS),
            timeout=LAUNCH_TIMEOUT_MS,
        )
    except BaseException:
        playwright.stop()
        raise
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    """A new page in its own fresh context, sized and behaving like a phone."""
    major = browser.version.split(".", 1)[0]
    context = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
        screen={"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
        device_scale_factor=PHONE_SCALE,
        is_mobile=True,
        has_touch=True,
        user_agent=PHONE_USER_AGENT.format(major=major),
        locale="en-US",
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save what `page` shows as `test-artifacts/<name>.png` and return that path."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "screenshot"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def accessibility_problems(page: Page) -> list[str]:
    """axe-core's serious and critical violations on what `page` shows now, one line
    each (rule, impact, the first element). axe runs through the DevTools protocol, so
    the pages' policy (no script at all) stays as it is."""
    from axe_playwright_python.base import AXE_SCRIPT

    page.evaluate(AXE_SCRIPT)
    found = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target'] if v['nodes'] else ''} {v['help']}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
