"""Do not disturb end to end: the bar's toggle, /api/dnd/on|off, the SIP status the caller
gets (486 by default, configurable), the call's end reason, and the bar never ringing."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e.conftest import BarFactory, PhoneFactory
from tests.e2e.harness.bar_page import agent_settings
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.phonebar_process import PhonebarProcess
from tests.e2e.harness.waiting import wait_until
from tests.e2e.test_bar_calls import RING_HOOK


def ended_inbound(agent: PhonebarProcess) -> list[dict[str, Any]]:
    return [
        e
        for e in agent.replayed_events()
        if e["type"] == "call_ended" and e["call"]["direction"] == "inbound"
    ]


def test_dnd_toggle_rejects_calls_with_486_and_the_bar_does_not_ring(
    kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory
) -> None:
    agent = phones("agent", kamailio=kamailio, user="alice", settings=agent_settings())
    carol = phones("carol", kamailio=kamailio, user="carol")
    page = bar(agent)
    page.context.add_init_script(RING_HOOK)
    page.page.reload()
    page.expect_connection("live")
    toggle = page.page.get_by_role("button", name="Do not disturb")
    expect(toggle).to_have_attribute("aria-pressed", "false")

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.page.locator("#agent-state")).to_have_text("Do not disturb")
    assert agent.status()["dnd"] is True

    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    carol.wait_no_calls()
    refused = carol.ok(f"/api/calls/{outgoing['sessionId']}")
    assert (refused["sipStatus"], refused["endReason"]) == (486, "busy")
    [ended] = wait_until(lambda: ended_inbound(agent), timeout=5, what="the agent's rejected call")
    assert (ended["reason"], ended["call"]["endReason"], ended["call"]["number"]) == ("dnd", "dnd", "carol")
    assert agent.ok(f"/api/calls/{ended['call']['sessionId']}")["endReason"] == "dnd"
    assert agent.calls() == []
    card = page.card(ended["call"]["sessionId"])
    expect(card.locator(".state")).to_have_text("Ended — missed (do not disturb)")
    expect(page.cards()).to_have_count(0)
    assert page.page.evaluate("() => window.rings") == []  # it never rang

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.page.locator("#agent-state")).to_have_text("Ready")
    assert agent.status()["dnd"] is False
    carol.ok("/api/originate/sip:alice@127.0.0.1")
    ringing = agent.wait_call(state="ringing")
    expect(page.card(ringing["sessionId"])).to_have_class("call is-ringing")
    assert page.page.evaluate("() => window.rings") == [True]


def test_dnd_set_elsewhere_shows_in_the_bar_at_once(
    kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory
) -> None:
    agent = phones("agent", kamailio=kamailio, user="alice")
    page = bar(agent)
    toggle = page.page.get_by_role("button", name="Do not disturb")
    assert agent.ok("/api/dnd/on") == {"action": "dnd", "dnd": True}
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert agent.ok("/api/dnd/off") == {"action": "dnd", "dnd": False}
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert [e["dnd"] for e in agent.replayed_events() if e["type"] == "dnd_changed"] == [True, False]


def test_dnd_from_the_config_with_another_status(
    kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory
) -> None:
    agent = phones(
        "agent", kamailio=kamailio, user="alice", settings=agent_settings(dnd=True, dnd_status=603)
    )
    carol = phones("carol", kamailio=kamailio, user="carol")
    page = bar(agent)
    expect(page.page.get_by_role("button", name="Do not disturb")).to_have_attribute("aria-pressed", "true")
    assert agent.status()["dnd"] is True

    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    carol.wait_no_calls()
    refused = carol.ok(f"/api/calls/{outgoing['sessionId']}")
    assert (refused["sipStatus"], refused["endReason"]) == (603, "declined")
    [ended] = wait_until(lambda: ended_inbound(agent), timeout=5, what="the agent's rejected call")
    assert ended["call"]["endReason"] == "dnd"
    assert ended["sipStatus"] == 603
