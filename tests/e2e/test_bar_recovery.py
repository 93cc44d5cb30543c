"""The bar outlives the daemon: it says when phonebar is gone, reconnects by itself when it
is back, and re-reads the calls, so a call of the dead daemon does not linger on screen."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.e2e.conftest import BarFactory, PhoneFactory
from tests.e2e.harness.kamailio import Kamailio

RECOVERS_WITHIN = 6.0  # seconds from the daemon serving again to the bar being live


def test_bar_recovers_after_a_restart_and_after_a_crash(
    kamailio: Kamailio, phones: PhoneFactory, bar: BarFactory
) -> None:
    carol = phones("carol", kamailio=kamailio, user="carol")
    agent = phones("agent", kamailio=kamailio, user="alice")
    page = bar(agent)
    connection = page.page.locator("#connection")
    assert agent.process is not None

    # a clean stop: the daemon says goodbye on the event stream
    agent.process.stop()
    page.expect_connection("stopped")
    expect(connection).to_have_text("phonebar stopped — waiting for it to come back…")
    agent.start()
    back = time.monotonic()
    page.expect_connection("live", timeout=RECOVERS_WITHIN)
    print(f"\nbar live again {(time.monotonic() - back) * 1000:.0f} ms after the restarted daemon served")
    expect(page.page.locator("#registration")).to_have_text("Registered as alice")

    # a crash with a call up: the bar keeps showing it, greyed, until the daemon is back
    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    ringing = agent.wait_call(state="ringing")
    page.action(ringing["sessionId"], "answer").click()
    page.wait_card(ringing["sessionId"], "connected")
    agent.process.kill()
    page.expect_connection("lost")
    expect(connection).to_have_text("phonebar is not answering — reconnecting…")
    expect(page.card(ringing["sessionId"])).to_be_visible()
    expect(page.page.locator("body")).to_have_attribute("data-connection", "lost")
    carol.ok(f"/api/hangup/{outgoing['sessionId']}")

    agent.start()
    page.expect_connection("live", timeout=RECOVERS_WITHIN)
    expect(page.cards()).to_have_count(0)
    expect(page.page.locator("#registration")).to_have_text("Registered as alice")

    # the stream is live again: the next call rings in the bar and is answered there
    carol.ok("/api/originate/sip:alice@127.0.0.1")
    again = agent.wait_call(state="ringing")
    page.action(again["sessionId"], "answer").click()
    page.wait_card(again["sessionId"], "connected")
    carol.wait_call(state="connected")
    assert agent.ok(f"/api/calls/{again['sessionId']}")["state"] == "connected"
