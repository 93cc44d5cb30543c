"""Fixtures of the end-to-end test bed: Kamailio, phonebar peers, tones, sipp."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.harness.audio import make_tone
from tests.e2e.harness.bar_page import BarPage
from tests.e2e.harness.browser import chromium
from tests.e2e.harness.event_stream import close_all as close_all_event_streams
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.phonebar_process import PhonebarProcess
from tests.e2e.harness.processes import stop_all

# every phone in the tests loops a tone of its own, so an FFT tells who is heard
TONES = {"agent": 1000, "alice": 1000, "bob": 440, "carol": 660, "dave": 880, "erin": 550, "frank": 770}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def tone_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tones")
    for frequency in set(TONES.values()):
        make_tone(folder / f"{frequency}.wav", frequency)
    return folder


@pytest.fixture
def tone(tone_dir: Path) -> Callable[[int], Path]:
    return lambda frequency: tone_dir / f"{frequency}.wav"


@pytest.fixture
def kamailio(tmp_path: Path) -> Iterator[Kamailio]:
    server = Kamailio(tmp_path).start()
    yield server
    server.stop()


PhoneFactory = Callable[..., PhonebarProcess]


@pytest.fixture
def phones(tmp_path: Path, tone_dir: Path) -> Iterator[PhoneFactory]:
    """``phones("bob", kamailio=k, user="bob", auto_answer=True)``: a started phonebar peer,
    looping its own tone by default, stopped at the end of the test."""
    started: list[PhonebarProcess] = []

    def start(
        name: str, *, start: bool = True, tone_hz: int | bool | None = True, **options: Any
    ) -> PhonebarProcess:
        frequency = TONES.get(options.get("user") or name, 1000) if tone_hz is True else tone_hz
        tone_path = tone_dir / f"{frequency}.wav" if frequency else None
        if tone_path is not None and not tone_path.exists():
            make_tone(tone_path, int(frequency))  # type: ignore[arg-type]
        phone = PhonebarProcess(name, tmp_path, tone=tone_path, **options)
        started.append(phone)
        return phone.start() if start else phone

    yield start
    for phone in reversed(started):
        phone.stop()


@pytest.fixture(autouse=True, scope="session")
def _stop_leftovers() -> Iterator[None]:
    yield
    stop_all()


@pytest.fixture(autouse=True)
def _close_event_streams() -> Iterator[None]:
    """No event reader outlives its test (one whose daemon died would keep reconnecting)."""
    yield
    close_all_event_streams()


@pytest.fixture(scope="module")
def bar_browser() -> Iterator[Browser]:
    """One headless Chromium per test module (each test gets its own context). Not per
    session: Playwright's sync API keeps an event loop running on the main thread while it
    is open, and the asyncio tests that come later cannot start theirs."""
    expect.set_options(timeout=10_000)
    with chromium() as browser:
        yield browser


BarFactory = Callable[..., BarPage]


@pytest.fixture
def bar(bar_browser: Browser) -> Iterator[BarFactory]:
    """``bar(phone)``: the bar of ``phone`` in a fresh browser context; at the end the
    page must have raised no script error."""
    opened: list[BarPage] = []

    def open_bar(phone: PhonebarProcess, **options: Any) -> BarPage:
        page = BarPage.open(bar_browser, phone, **options)
        opened.append(page)
        return page

    yield open_bar
    errors = [error for page in opened for error in page.errors]
    for page in opened:
        page.close()
    assert errors == [], f"script errors in the bar: {errors}"
