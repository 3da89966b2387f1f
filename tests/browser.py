"""What the browser tests share: Debian's Chromium through Playwright, signing in, and
screenshots in var/screenshots/ to be looked at. The `browser` fixture is in conftest.py."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from contracts.demo.people import DEMO_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(settings.VAR_DIR) / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Playwright's sync API runs an event loop in this thread; the ORM calls in the tests are
# plain synchronous test code, not code running inside that loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def launch_chromium():
    """A context manager yielding a headless Chromium; skips (or fails where CI requires
    the browser) when Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("OPSDESK_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required here: scripts/check-system --browser installs it.")
        pytest.skip("Chromium is not installed (scripts/check-system --browser).")
    from contextlib import contextmanager

    from playwright.sync_api import sync_playwright

    @contextmanager
    def running():
        SHOTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            yield browser
            browser.close()

    return running()


def signed_in(browser, live_server, username: str, *, phone: bool = False):
    """A new page of a person signed in with the demo password, on a phone or a desktop."""
    options = {"is_mobile": True, "has_touch": True} if phone else {}
    context = browser.new_context(viewport=PHONE if phone else DESKTOP, locale="zh-CN", **options)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
