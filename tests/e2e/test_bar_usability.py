"""The bar's form: docked at 360 px and stretched, every control labelled, usable with the
keyboard alone, API errors shown next to what caused them, recent calls, and a token."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Route, expect

from tests.e2e.conftest import BarFactory, PhoneFactory
from tests.e2e.harness.bar_page import STRETCHED, agent_settings
from tests.e2e.harness.kamailio import Kamailio

UNNAMED = re.compile(r"^\s*- (button|textbox|combobox|checkbox|link)\s*(:.*)?$")


def test_docked_and_stretched_with_every_control_labelled(
    kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory
) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    phones("dave", kamailio=kamailio, user="dave", auto_answer=True)
    agent = phones("agent", kamailio=kamailio, user="alice", settings=agent_settings())
    page = bar(agent)
    page.dial("1002")
    page.dial("1004")
    first = agent.wait_call(number="bob", state="held")
    agent.wait_call(number="dave", state="connected")
    page.wait_card(first["sessionId"], "held")
    page.action(first["sessionId"], "transfer-open").click()
    page.page.get_by_role("button", name="Dialpad").click()

    width = page.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the docked bar scrolls sideways: {width} px"
    snapshot = page.page.locator("body").aria_snapshot()
    unnamed = [line for line in snapshot.splitlines() if UNNAMED.match(line)]
    assert unnamed == [], snapshot
    assert snapshot.count('- button "Hang up') == 2
    assert '- combobox "Or connect with"' in snapshot
    assert '- textbox "Transfer to"' in snapshot

    page.page.set_viewport_size(STRETCHED)
    dial_box = page.page.locator("section.dial").bounding_box()
    calls_box = page.page.locator("section.calls").bounding_box()
    assert dial_box is not None
    assert calls_box is not None
    assert abs(dial_box["y"] - calls_box["y"]) < 2, (dial_box, calls_box)
    assert calls_box["x"] > dial_box["x"] + dial_box["width"]
    assert calls_box["width"] > 500
    page.screenshot("bar-stretched")


def test_keyboard_alone_answers_a_call_with_a_visible_focus(
    kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory
) -> None:
    carol = phones("carol", kamailio=kamailio, user="carol")
    agent = phones("agent", kamailio=kamailio, user="alice")
    page = bar(agent)
    carol.ok("/api/originate/sip:alice@127.0.0.1")
    ringing = agent.wait_call(state="ringing")
    answer = page.action(ringing["sessionId"], "answer")
    expect(answer).to_be_visible()

    for _ in range(30):
        page.page.keyboard.press("Tab")
        if answer.evaluate("(button) => button === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the Answer button")
    outline = answer.evaluate(
        "(button) => getComputedStyle(button).outlineStyle + ' ' + getComputedStyle(button).outlineWidth"
    )
    assert outline == "solid 3px", outline
    page.page.keyboard.press("Enter")
    page.wait_card(ringing["sessionId"], "connected")
    assert agent.ok(f"/api/calls/{ringing['sessionId']}")["state"] == "connected"
    hang_up = page.action(ringing["sessionId"], "hangup")
    expect(hang_up).to_be_focused()  # the keyboard stays on the call once Answer is gone
    page.page.keyboard.press("Space")
    agent.wait_no_calls()
    carol.wait_no_calls()


def test_api_errors_appear_next_to_what_caused_them(
    kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory
) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    agent = phones("agent", kamailio=kamailio, user="alice", settings=agent_settings())
    page = bar(agent)
    invites = len(kamailio.requests("INVITE"))

    page.dial("12a4")
    error = page.page.locator("#dial-error")
    expect(error).to_have_text(re.compile(r"^Could not dial 12a4: '12a4' is not a number"))
    expect(error).to_have_attribute("role", "alert")
    expect(page.page.get_by_role("textbox", name="Number to dial")).to_have_accessible_description(
        re.compile("is not a number")
    )
    page.page.get_by_role("textbox", name="Number to dial").fill("")
    page.page.get_by_role("button", name="Dial", exact=True).click()
    expect(error).to_have_text("Type a number to dial.")
    assert agent.calls() == []
    assert len(kamailio.requests("INVITE")) == invites

    page.dial("1002")
    call = agent.wait_call(number="bob", state="connected")
    expect(error).to_be_hidden()
    card = page.wait_card(call["sessionId"], "connected")
    page.action(call["sessionId"], "transfer-open").click()
    card.get_by_role("textbox", name="Transfer to").fill("12a4")
    card.get_by_role("button", name="Transfer to this number").click()
    expect(card.locator(".error")).to_have_text(re.compile(r"^Transfer failed: '12a4' is not a number"))
    assert agent.ok(f"/api/calls/{call['sessionId']}")["state"] == "connected"
    page.action(call["sessionId"], "hangup").click()
    agent.wait_no_calls()


def recents_route(calls: list[dict[str, Any]]) -> Callable[[Route], None]:
    """GET /api/recents as call history documents it: newest first, {"calls", "next"}."""

    def answer(route: Route) -> None:
        route.fulfill(json={"calls": calls, "next": None})

    return answer


def test_recent_calls_redial_with_a_click(kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    agent = phones("agent", kamailio=kamailio, user="alice", settings=agent_settings())
    page = bar(agent)
    page.dial("1002")
    first = agent.wait_call(number="bob", state="connected")
    page.action(first["sessionId"], "hangup").click()
    agent.wait_no_calls()
    ended = agent.ok(f"/api/calls/{first['sessionId']}")

    page.page.route("**/api/recents?*", recents_route([ended]))
    page.page.reload()
    page.expect_connection("live")
    recents = page.page.get_by_role("region", name="Recent calls")
    expect(recents).to_be_visible()
    redial = recents.get_by_role("button", name=re.compile(r"^Call bob again \(outbound, hung up"))
    expect(redial).to_have_count(1)
    redial.click()
    second = agent.wait_call(number="bob", state="connected")
    assert second["sessionId"] != first["sessionId"]
    assert second["uri"] == ended["uri"]
    page.action(second["sessionId"], "hangup").click()
    # the call that just ended is listed at once, before the history is read again
    expect(recents.get_by_role("button", name=re.compile("^Call bob again"))).to_have_count(2)


def test_without_call_history_the_recent_calls_stay_hidden(
    kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory
) -> None:
    agent = phones("agent", kamailio=kamailio, user="alice")
    page = bar(agent, live=False)
    page.page.route(
        "**/api/recents?*",
        lambda route: route.fulfill(
            status=404, json={"error": {"code": "not_found", "message": "no such route"}}
        ),
    )
    page.page.reload()
    page.expect_connection("live")
    expect(page.page.locator("#dnd")).to_be_enabled()
    expect(page.page.locator("#recents")).to_be_hidden()


def test_a_token_in_the_address_is_used_and_then_hidden(
    kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory
) -> None:
    token = "bar-test-token-0123456789"
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    agent = phones(
        "agent", kamailio=kamailio, user="alice", settings={**agent_settings(), "api": {"token": token}}
    )

    refused = bar(agent, live=False)
    refused.expect_connection("refused")
    expect(refused.page.locator("#connection-error")).to_contain_text("a token is required")

    page = bar(agent, path=f"/?token={token}")
    assert "token" not in page.page.url
    expect(page.page.locator("#registration")).to_have_text("Registered as alice")
    page.dial("1002")
    call = agent.wait_call(number="bob", state="connected")
    page.wait_card(call["sessionId"], "connected")
    page.page.reload()  # the token is kept for this tab
    page.expect_connection("live")
    page.wait_card(call["sessionId"], "connected")
