"""open_url: the URL handed to the browser, its bound in time and in threads."""

from __future__ import annotations

import asyncio
import threading

import pytest

from phonebar.cti.browser import BrowserLauncher, BrowserOptions
from phonebar.cti.rules import ActionFailed
from tests.unit.cti.firings import open_rule, ringing


async def test_the_browser_gets_the_url_with_values_encoded_off_the_loop() -> None:
    opened: list[tuple[str, str]] = []

    def opener(url: str) -> bool:
        opened.append((url, threading.current_thread().name))
        return True

    launcher = BrowserLauncher(BrowserOptions(), opener)
    await launcher.open(ringing(open_rule("https://crm.test/search?phone={number}&who={name}"), name="A&B"))
    assert opened == [("https://crm.test/search?phone=1003&who=A%26B", "cti-browser")]


async def test_no_browser_is_a_failure() -> None:
    with pytest.raises(ActionFailed, match="no browser found"):
        await BrowserLauncher(BrowserOptions(), lambda url: False).open(
            ringing(open_rule("https://crm.test/"))
        )


async def test_a_browser_that_hangs_is_abandoned_and_threads_are_bounded() -> None:
    release = threading.Event()

    def stuck(url: str) -> bool:
        release.wait(10)
        return True

    launcher = BrowserLauncher(BrowserOptions(timeout=0.1, max_threads=2), stuck)
    firing = ringing(open_rule("https://crm.test/"))
    for _ in range(2):
        with pytest.raises(ActionFailed, match=r"did not return within 0\.1 s"):
            await launcher.open(firing)
    with pytest.raises(ActionFailed, match="2 browser openings have not returned"):
        await launcher.open(firing)
    release.set()
    for _ in range(100):
        if launcher.running == 0:
            break
        await asyncio.sleep(0.02)
    assert launcher.running == 0
