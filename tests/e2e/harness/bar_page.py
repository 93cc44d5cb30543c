"""The agent's bar in headless Chromium: a page object over Playwright, for the bar tests."""

from __future__ import annotations

import time
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.harness.phonebar_process import PhonebarProcess

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
DOCKED = {"width": 360, "height": 760}
STRETCHED = {"width": 1280, "height": 800}


class BarPage:
    """One browser tab on a phonebar's bar. ``errors`` collects uncaught page errors:
    a test ends by asserting there were none."""

    def __init__(self, context: BrowserContext, page: Page, phone: PhonebarProcess) -> None:
        self.context = context
        self.page = page
        self.phone = phone
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    @classmethod
    def open(
        cls,
        browser: Browser,
        phone: PhonebarProcess,
        *,
        viewport: dict[str, int] | None = None,
        path: str = "/",
        live: bool = True,
    ) -> BarPage:
        context = browser.new_context(viewport=viewport or DOCKED)
        bar = cls(context, context.new_page(), phone)
        bar.page.goto(f"{phone.base_url}{path}")
        if live:
            bar.expect_connection("live")
            expect(bar.page.locator("#dnd")).to_be_enabled()  # the first /api/status has been read
        return bar

    # -- what the bar shows --------------------------------------------------------------

    def expect_connection(self, state: str, timeout: float = 10.0) -> None:
        expect(self.page.locator("#connection")).to_have_attribute(
            "data-state", state, timeout=timeout * 1000
        )

    def card(self, session_id: str) -> Locator:
        return self.page.locator(f'li.call[data-session-id="{session_id}"]')

    def cards(self) -> Locator:
        return self.page.locator("li.call")

    def action(self, session_id: str, action: str) -> Locator:
        return self.card(session_id).locator(f'button[data-action="{action}"]')

    def wait_card(self, session_id: str, state: str, timeout: float = 10.0) -> Locator:
        card = self.card(session_id)
        expect(card).to_have_attribute("data-state", state, timeout=timeout * 1000)
        return card

    def time_until_visible(self, locator: Locator, since: float, timeout: float = 10.0) -> float:
        """Seconds from ``since`` (a time.monotonic()) until ``locator`` is visible."""
        expect(locator).to_be_visible(timeout=timeout * 1000)
        return time.monotonic() - since

    # -- doing things --------------------------------------------------------------------

    def dial(self, number: str) -> None:
        self.page.get_by_role("textbox", name="Number to dial").fill(number)
        self.page.get_by_role("textbox", name="Number to dial").press("Enter")

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    def close(self) -> None:
        self.context.close()


# the agent dials colleagues by number, as at a PBX; the test peers register by name
AGENT_DIAL_MAP = {"1002": "sip:bob@127.0.0.1", "1003": "sip:carol@127.0.0.1", "1004": "sip:dave@127.0.0.1"}


def agent_settings(**calls: object) -> dict[str, dict[str, object]]:
    """The settings of the agent whose bar is tested: alice, with numbers to dial."""
    return {"calls": {"dial_map": AGENT_DIAL_MAP, **calls}}
