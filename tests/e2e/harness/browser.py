"""Headless Chromium for the tests: Debian's /usr/bin/chromium driven by Playwright.

    with chromium(hosts=["attacker.test"]) as browser:
        page = browser.new_page()
        page.goto("http://attacker.test:8000/")

Playwright starts every browser with a new, empty profile (user-data-dir) of its own
and deletes it at close; no browser is ever downloaded. ``hosts`` are resolved to
127.0.0.1 by the browser itself (``--host-resolver-rules``), so pages can come from
other origins and other sites without touching /etc/hosts.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
LAUNCH_TIMEOUT_MS = 30_000


@contextlib.contextmanager
def chromium(*, hosts: Iterable[str] = (), args: Iterable[str] = ()) -> Iterator[Browser]:
    """A started headless Chromium; ``hosts`` resolve to 127.0.0.1, ``args`` are extra switches."""
    assert CHROMIUM.exists() or shutil.which("chromium"), "chromium is required (scripts/setup test)"
    switches = [*ARGS, *args]
    names = list(hosts)
    if names:
        switches.append("--host-resolver-rules=" + ", ".join(f"MAP {name} 127.0.0.1" for name in names))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=switches, headless=True, timeout=LAUNCH_TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            browser.close()
