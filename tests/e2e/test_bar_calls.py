"""The agent's bar in headless Chromium, against real calls through Kamailio: ringing,
answering (audio checked by FFT at the far end), hold, mute, DTMF, blind and attended
transfer and the conference, all by clicks, with the results read back from the API."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.e2e.conftest import TONES, BarFactory, PhoneFactory
from tests.e2e.harness.audio import analyse, segments, wait_for_wav
from tests.e2e.harness.bar_page import agent_settings
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.waiting import wait_until

RING_VISIBLE_WITHIN = 2.0  # seconds from the caller's INVITE to the ringing card on screen
RING_HOOK = "window.rings = []; addEventListener('phonebar:ring', (e) => rings.push(e.detail.ringing));"


def test_inbound_call_rings_in_the_bar_and_a_click_answers_it(
    kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory
) -> None:
    agent = phones("agent", kamailio=kamailio, user="alice", settings=agent_settings())
    carol = phones("carol", kamailio=kamailio, user="carol")
    page = bar(agent)
    page.context.add_init_script(RING_HOOK)
    page.page.reload()
    page.expect_connection("live")
    expect(page.page.locator("#registration")).to_have_text("Registered as alice")
    expect(page.page.locator("#agent-state")).to_have_text("Ready")
    page.screenshot("bar-idle")

    started = time.monotonic()
    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    seconds = page.time_until_visible(page.page.locator("li.call.is-ringing"), started)
    print(f"\ninbound call ringing in the bar {seconds * 1000:.0f} ms after the originate")
    assert seconds < RING_VISIBLE_WITHIN
    call = agent.wait_call(state="ringing")
    card = page.card(call["sessionId"])
    expect(card.locator(".name")).to_have_text("Carol")
    expect(card.locator(".number")).to_have_text("carol")
    expect(card.locator(".state")).to_have_text("Ringing")
    expect(page.page.locator("body")).to_have_class(re.compile(r"\bringing\b"))
    expect(page.page.locator(".ring-banner")).to_be_visible()
    expect(page.page.locator("#announcer")).to_have_text("Incoming call from Carol (carol)")
    page.screenshot("bar-ringing")

    page.page.get_by_role("button", name="Answer Carol (carol)").click()
    page.wait_card(call["sessionId"], "connected")
    assert agent.ok(f"/api/calls/{call['sessionId']}")["state"] == "connected"
    carol.wait_call(sessionId=outgoing["sessionId"], state="connected")
    expect(page.page.locator("li.call.is-ringing")).to_have_count(0)
    expect(page.page.locator(".ring-banner")).to_be_hidden()
    assert page.page.evaluate("() => window.rings") == [True, False]
    expect(card.locator(".state")).to_have_text("Connected")
    expect(card.locator(".timer")).to_have_text(re.compile(r"^0:0[3-9]$"), timeout=8000)  # a live timer

    page.page.get_by_role("button", name="Hang up Carol (carol)").click()
    page.wait_card(call["sessionId"], "ended")
    expect(card.locator(".state")).to_have_text("Ended — hung up")
    carol.wait_no_calls()
    assert agent.ok(f"/api/calls/{call['sessionId']}")["endReason"] == "local_hangup"
    expect(page.cards()).to_have_count(0)  # an ended call leaves the list after a moment

    heard_by_carol = carol.recording(outgoing["sessionId"])
    wait_for_wav(heard_by_carol)
    spectrum = analyse(heard_by_carol, [TONES["alice"], TONES["carol"]], start=0.5)
    assert spectrum.seconds > 2.5, spectrum
    assert spectrum.share(TONES["alice"]) > 0.8, spectrum


def test_hold_mute_and_dtmf_by_clicks(kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    agent = phones("agent", kamailio=kamailio, user="alice", settings=agent_settings())
    page = bar(agent)

    page.dial("1002")
    call = agent.wait_call(number="bob")
    card = page.wait_card(call["sessionId"], "connected")
    expect(page.page.get_by_role("textbox", name="Number to dial")).to_have_value("")
    sid = call["sessionId"]

    page.action(sid, "hold").click()
    page.wait_card(sid, "held")
    assert agent.ok(f"/api/calls/{sid}")["hold"] is True
    bob.wait_call(state="remote_held")
    expect(page.action(sid, "hold")).to_have_text("Resume")
    page.action(sid, "hold").click()
    page.wait_card(sid, "connected")
    assert agent.ok(f"/api/calls/{sid}")["hold"] is False
    bob.wait_call(state="connected")

    page.action(sid, "mute").click()
    expect(page.action(sid, "mute")).to_have_text("Unmute")
    expect(card.locator(".flags")).to_contain_text("Muted")
    assert agent.ok(f"/api/calls/{sid}")["muted"] is True
    page.action(sid, "mute").click()
    expect(page.action(sid, "mute")).to_have_text("Mute")
    assert agent.ok(f"/api/calls/{sid}")["muted"] is False

    page.action(sid, "keypad").click()
    expect(page.page.locator("#dialpad-target")).to_have_text("Tones go to bob")
    for key in ("Key 4", "Key 2", "Key hash"):
        page.page.get_by_role("button", name=key, exact=True).click()

    def digits_heard() -> str:
        return "".join(e["digit"] for e in bob.replayed_events() if e["type"] == "dtmf_received")

    assert wait_until(lambda: digits_heard() == "42#" and "42#", timeout=10, what="bob to hear 42#")
    expect(page.page.locator("#dialpad-error")).to_be_hidden()
    assert page.page.get_by_role("textbox", name="Number to dial").input_value() == ""

    page.action(sid, "hangup").click()
    agent.wait_no_calls()
    bob.wait_no_calls()


def test_blind_transfer_by_clicks(kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory) -> None:
    dave = phones("dave", kamailio=kamailio, user="dave", auto_answer=True)
    bob = phones("bob", kamailio=kamailio, user="bob")
    agent = phones("agent", kamailio=kamailio, user="alice", settings=agent_settings())
    page = bar(agent)
    bob.ok("/api/originate/sip:alice@127.0.0.1")
    call = agent.wait_call(state="ringing")
    sid = call["sessionId"]
    page.action(sid, "answer").click()
    card = page.wait_card(sid, "connected")

    page.page.get_by_role("button", name="Transfer Bob (bob)").click()
    expect(page.page.get_by_role("button", name="Transfer Bob (bob)")).to_have_attribute(
        "aria-expanded", "true"
    )
    number = card.get_by_role("textbox", name="Transfer to")
    expect(number).to_be_focused()
    number.fill("1004")
    card.get_by_role("button", name="Transfer to this number").click()

    bob.wait_call(number="dave", state="connected")
    dave.wait_call(number="bob", state="connected")
    agent.wait_no_calls()
    ended = agent.ok(f"/api/calls/{sid}")
    assert ended["endReason"] == "transferred"
    assert ended["transfer"]["kind"] == "blind"
    assert ended["transfer"]["state"] == "succeeded"
    expect(card.locator(".state")).to_have_text("Ended — transferred")
    expect(page.cards()).to_have_count(0)


def test_attended_transfer_by_clicks(kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory) -> None:
    dave = phones("dave", kamailio=kamailio, user="dave", auto_answer=True)
    bob = phones("bob", kamailio=kamailio, user="bob")
    agent = phones("agent", kamailio=kamailio, user="alice", settings=agent_settings())
    page = bar(agent)
    bob.ok("/api/originate/sip:alice@127.0.0.1")
    caller = agent.wait_call(state="ringing")
    page.action(caller["sessionId"], "answer").click()
    page.wait_card(caller["sessionId"], "connected")

    page.dial("1004")  # the agent consults dave; bob goes on hold
    consult = agent.wait_call(number="dave", state="connected")
    page.wait_card(consult["sessionId"], "connected")
    page.wait_card(caller["sessionId"], "held")

    page.action(caller["sessionId"], "transfer-open").click()
    partner = page.card(caller["sessionId"]).get_by_role("combobox", name="Or connect with")
    expect(partner).to_have_value(consult["sessionId"])
    expect(partner.locator("option")).to_have_text(["dave — Connected"])
    page.card(caller["sessionId"]).get_by_role("button", name="Connect calls").click()

    bob.wait_call(number="dave", state="connected")
    dave.wait_call(number="bob", state="connected")
    agent.wait_no_calls()
    for sid in (caller["sessionId"], consult["sessionId"]):
        ended = agent.ok(f"/api/calls/{sid}")
        assert ended["transfer"]["kind"] == "attended", ended
        assert ended["endReason"] in ("transferred", "replaced"), ended
    expect(page.cards()).to_have_count(0)


def test_conference_by_clicks_and_everyone_hears_everyone(
    kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory
) -> None:
    dave = phones("dave", kamailio=kamailio, user="dave", auto_answer=True)
    bob = phones("bob", kamailio=kamailio, user="bob")
    agent = phones("agent", kamailio=kamailio, user="alice", settings=agent_settings())
    page = bar(agent)
    outgoing = bob.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    caller = agent.wait_call(state="ringing")
    page.action(caller["sessionId"], "answer").click()
    page.wait_card(caller["sessionId"], "connected")
    page.dial("1004")
    consult = agent.wait_call(number="dave", state="connected")
    page.wait_card(caller["sessionId"], "held")
    expect(page.page.locator("#call-count")).to_have_text("(2)")
    page.screenshot("bar-two-calls")

    page.page.get_by_role("button", name="Conference Bob (bob) with dave").click()
    for sid in (caller["sessionId"], consult["sessionId"]):
        page.wait_card(sid, "connected")
        expect(page.card(sid).locator(".flags")).to_contain_text("In conference")
        expect(page.action(sid, "conference")).to_be_hidden()
    wait_until(
        lambda: [(c["state"], c["conference"]) for c in agent.calls()] == [("connected", True)] * 2,
        timeout=10,
        what="both calls connected in the conference",
    )
    time.sleep(3)
    page.screenshot("bar-conference")

    page.action(
        caller["sessionId"], "hangup"
    ).click()  # bob leaves first: his recording ends in the conference
    bob.wait_no_calls()
    page.action(consult["sessionId"], "hangup").click()
    agent.wait_no_calls()
    dave.wait_no_calls()

    heard_by_bob = bob.recording(outgoing["sessionId"])
    wait_for_wav(heard_by_bob)
    pieces = segments(heard_by_bob, 1.0, [TONES["alice"], TONES["dave"]])
    last = pieces[-2]  # the last whole second before bob hung up
    assert last.share(TONES["dave"]) > 0.2, pieces[-4:]
    assert last.share(TONES["alice"]) > 0.2, pieces[-4:]
