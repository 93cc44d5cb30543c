"""The API example page in headless Chromium: served by the daemon, and saved to disk and
opened as a file (refused until ``api.allowed_origins`` has "null", which needs an
``api.token`` too, then working with the token typed in the page)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import PhoneFactory
from tests.e2e.harness.bar_page import agent_settings
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.phonebar_process import PhonebarProcess


@pytest.fixture
def example(bar_browser: Browser) -> Iterator[Page]:
    context = bar_browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"script errors in the example page: {errors}"


def row(page: Page, session_id: str) -> Locator:
    return page.locator(f'#calls tr[data-session-id="{session_id}"]')


def dial_typed(page: Page, number: str) -> None:
    page.get_by_role("textbox", name="Number", exact=True).fill(number)
    page.get_by_role("button", name="Call", exact=True).click()


def test_served_example_dials_lists_and_manages_calls(
    kamailio: Kamailio, phones: PhoneFactory, example: Page
) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    phones("dave", kamailio=kamailio, user="dave", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol")
    agent = phones("agent", kamailio=kamailio, user="alice", settings=agent_settings())
    example.goto(f"{agent.base_url}/example")
    expect(example.locator("#stream")).to_have_text("connected")
    expect(example.locator("#registration")).to_have_text("registered")
    expect(example.locator("#agent")).to_have_text("ready")
    expect(example.get_by_role("textbox", name="API address")).to_have_value(agent.base_url)

    dial_typed(example, "1002")
    call = agent.wait_call(number="bob", state="connected")
    listed = row(example, call["sessionId"])
    expect(listed).to_contain_text("connected")
    expect(example.locator("#lines")).to_have_text("1 of 4")
    listed.get_by_role("button", name="Hold bob").click()
    agent.wait_call(sessionId=call["sessionId"], state="held")
    expect(listed).to_contain_text("held (on hold)")
    listed.get_by_role("button", name="Resume bob").click()
    agent.wait_call(sessionId=call["sessionId"], state="connected")
    listed.get_by_role("textbox", name="Transfer bob to").fill("1004")
    listed.get_by_role("button", name="Transfer bob", exact=True).click()
    bob.wait_call(number="dave", state="connected")
    agent.wait_no_calls()
    expect(example.locator("#calls tr[data-session-id]")).to_have_count(0)

    carol.ok("/api/originate/sip:alice@127.0.0.1")
    ringing = agent.wait_call(state="ringing")
    expect(row(example, ringing["sessionId"])).to_contain_text("ringing")
    row(example, ringing["sessionId"]).get_by_role("button", name="Answer Carol (carol)").click()
    agent.wait_call(sessionId=ringing["sessionId"], state="connected")
    expect(row(example, ringing["sessionId"])).to_contain_text("connected")
    row(example, ringing["sessionId"]).get_by_role("button", name="Hang up Carol (carol)").click()
    agent.wait_no_calls()
    expect(example.locator("#calls tr[data-session-id]")).to_have_count(0)

    example.get_by_role("button", name="Call John Doe").click()
    john = agent.wait_call(number="bob", state="connected")  # 1002 is John Doe's number
    expect(row(example, john["sessionId"])).to_contain_text("connected")
    dial_typed(example, "12a4")
    expect(example.locator("#dial-problem")).to_contain_text("'12a4' is not a number")
    row(example, john["sessionId"]).get_by_role("button", name="Hang up bob").click()
    agent.wait_no_calls()


def saved_example(phone: PhonebarProcess, folder: Path) -> Path:
    download = phone.get("/example/phonebar-example.html")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="phonebar-example.html"'
    path = folder / "phonebar-example.html"
    path.write_bytes(download.content)
    return path


def test_example_from_disk_is_refused_by_default(
    tmp_path: Path, kamailio: Kamailio, phones: PhoneFactory, example: Page
) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    strict = phones("agent", kamailio=kamailio, user="alice", settings=agent_settings())
    page_file = saved_example(strict, tmp_path).as_uri()

    example.goto(f"{page_file}?api={strict.base_url}")
    expect(example.locator("#connection-problem")).to_contain_text(
        'api.allowed_origins contains "null" (with an api.token)'
    )
    expect(example.locator("#stream")).to_have_text("not connected")
    dial_typed(example, "1002")
    expect(example.locator("#dial-problem")).to_contain_text("refused this page's origin")
    assert strict.calls() == []
    assert "requests from 'null' are not allowed" in strict.log()


def test_example_from_disk_with_a_token(
    tmp_path: Path, kamailio: Kamailio, phones: PhoneFactory, example: Page
) -> None:
    token = "example-page-token-0123456789"
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    guarded = phones(
        "guarded",
        kamailio=kamailio,
        user="frank",
        settings={**agent_settings(), "api": {"allowed_origins": ["null"], "token": token}},
    )
    # the daemon says at start what allowing "null" means
    assert 'api.allowed_origins has "null": pages opened from disk send it' in guarded.log()
    example.goto(f"{saved_example(guarded, tmp_path).as_uri()}?api={guarded.base_url}")
    expect(example.locator("#connection-problem")).to_contain_text("a token is required")

    example.get_by_label("token (if api.token is set)").fill(token)
    example.get_by_role("button", name="Connect").click()
    expect(example.locator("#stream")).to_have_text("connected")
    expect(example.locator("#connection-problem")).to_be_hidden()
    dial_typed(example, "1002")
    call = guarded.wait_call(number="bob", state="connected")
    expect(row(example, call["sessionId"])).to_contain_text("connected")
    row(example, call["sessionId"]).get_by_role("button", name="Hang up bob").click()
    guarded.wait_no_calls()
