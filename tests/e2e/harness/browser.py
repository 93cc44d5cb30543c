"""Debian's Chromium, headless, driven by Playwright: never a downloaded browser.

``with chromium() as browser:`` yields a Playwright ``Browser``; each launch gets a
fresh profile (Playwright makes a new user-data-dir per ``launch``) and every
background service that could reach the network is off.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium(timeout: float = 30.0) -> Iterator[Browser]:
    executable = CHROMIUM if CHROMIUM.exists() else Path(shutil.which("chromium") or CHROMIUM)
    assert executable.exists(), "Debian's chromium is required (scripts/setup test installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=ARGS, timeout=timeout * 1000
        )
        try:
            yield browser
        finally:
            browser.close()
