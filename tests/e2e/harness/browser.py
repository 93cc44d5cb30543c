"""Headless Chromium for the tests: Debian's /usr/bin/chromium driven by Playwright.

    with chromium(hosts=["attacker.test"]) as browser:
        page = browser.new_page()
        page.goto("http://attacker.test:8000/")

Playwright starts every browser with a new, empty profile (user-data-dir) of its own
and deletes it at close; no browser is ever downloaded. ``hosts`` are resolved to
127.0.0.1 by the browser itself (``--host-resolver-rules``), so pages can come from
other origins and other sites without touching /etc/hosts. Browsers open at the same time (the bar tests'
one for the whole run, a test's own with other switches) share one Playwright.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from playwright.sync_api import Browser, Playwright, sync_playwright

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


class _Driver:
    """One Playwright per process, shared by every browser that is open: a second sync
    Playwright cannot start while another one runs (its event loop is already running)."""

    def __init__(self) -> None:
        self.playwright: Playwright | None = None
        self.users = 0

    def acquire(self) -> Playwright:
        if self.playwright is None:
            self.playwright = sync_playwright().start()
        self.users += 1
        return self.playwright

    def release(self) -> None:
        self.users -= 1
        if self.users == 0 and self.playwright is not None:
            self.playwright.stop()
            self.playwright = None


_DRIVER = _Driver()


@contextlib.contextmanager
def chromium(*, hosts: Iterable[str] = (), args: Iterable[str] = ()) -> Iterator[Browser]:
    """A started headless Chromium; ``hosts`` resolve to 127.0.0.1, ``args`` are extra switches."""
    assert CHROMIUM.exists() or shutil.which("chromium"), "chromium is required (scripts/setup test)"
    switches = [*ARGS, *args]
    names = list(hosts)
    if names:
        switches.append("--host-resolver-rules=" + ", ".join(f"MAP {name} 127.0.0.1" for name in names))
    playwright = _DRIVER.acquire()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=switches, headless=True, timeout=LAUNCH_TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        _DRIVER.release()
