"""The rules around calls, end to end: wrong state, unknown ids, bad numbers, the line limit,
and a SIGTERM in the middle of a call."""

from __future__ import annotations

import signal
import time

import pytest

from tests.e2e.conftest import PhoneFactory
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.waiting import wait_until


def test_wrong_state_unknown_ids_and_bad_numbers(kamailio: Kamailio, phones: PhoneFactory) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")

    nothing = alice.get("/api/answer")
    assert nothing.status_code == 409
    assert nothing.json()["error"]["code"] == "no_ringing_call"

    unknown = alice.get("/api/answer/zzzzzz-99")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "call_not_found"
    assert alice.get("/api/hangup/zzzzzz-99").status_code == 404

    call = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]
    alice.wait_call(sessionId=call["sessionId"], state="connected")
    outbound = alice.get(f"/api/answer/{call['sessionId']}")
    assert outbound.status_code == 409
    body = outbound.json()["error"]
    assert body["code"] == "invalid_state"
    assert body["state"] == "connected"
    assert "connected" in body["message"]
    alice.ok(f"/api/hangup/{call['sessionId']}")
    alice.wait_no_calls()
    after = alice.get(f"/api/hangup/{call['sessionId']}")
    assert after.status_code == 409
    assert "ended" in after.json()["error"]["message"]

    invites_before = len(kamailio.requests("INVITE"))
    for bad in [
        "12a4",
        "1001;user=phone",
        "bob@evil.example",
        "1%0d%0aVia:%20x",
        "%EF%BC%91%EF%BC%92",
        "sip:bob@127.0.0.1%3FSubject=x",
        "+1+2",
        "x" * 300,
    ]:
        response = alice.get(f"/api/originate/{bad}")
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["error"]["code"] == "invalid_number", bad
    time.sleep(0.5)
    assert len(kamailio.requests("INVITE")) == invites_before, "a rejected number reached the wire"


def test_fifth_concurrent_call_gets_line_limit(kamailio: Kamailio, phones: PhoneFactory) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")
    for _ in range(4):
        call = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]
        alice.wait_call(sessionId=call["sessionId"], state="connected")
    assert len(alice.calls()) == 4
    invites = len(kamailio.requests("INVITE", to_user="bob"))

    fifth = alice.get("/api/originate/sip:bob@127.0.0.1")
    assert fifth.status_code == 503
    assert fifth.json()["error"]["code"] == "line_limit"
    assert alice.status()["lines"] == {"max": 4, "inUse": 4}
    time.sleep(0.3)
    assert len(kamailio.requests("INVITE", to_user="bob")) == invites
    # second-line rule: each new call put the previous one on hold
    assert sorted(call["state"] for call in alice.calls()) == ["connected", "held", "held", "held"]
    assert len(bob.calls()) == 4


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_with_a_call_up_sends_bye_then_unregisters(
    kamailio: Kamailio, phones: PhoneFactory, sig: signal.Signals
) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")
    call = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]
    alice.wait_call(sessionId=call["sessionId"], state="connected")
    far = bob.wait_call(state="connected")

    assert alice.process is not None
    alice.process.send_signal(sig)
    assert alice.process.wait(timeout=15) == 0
    bob.wait_no_calls()
    assert bob.ok(f"/api/calls/{far['sessionId']}")["endReason"] == "remote_hangup"
    wait_until(
        lambda: any(entry.startswith("0|") for entry in kamailio.registrations("alice")),
        timeout=5,
        what="alice's un-REGISTER at Kamailio",
    )
    log = kamailio.log()
    bye_at = log.find("REQ BYE sip:bob")
    unregister_at = log.find("REGISTER alice expires=0")
    assert bye_at != -1, "no BYE went through Kamailio"
    assert bye_at < unregister_at, "the un-REGISTER went out before the BYE"
