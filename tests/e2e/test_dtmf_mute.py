"""DTMF through Kamailio, by RFC 2833 and by SIP INFO, as received by a phonebar peer;
mute and unmute as the peer hears them; and the 400/404/409 of these routes."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import TONES, PhoneFactory
from tests.e2e.harness.audio import wait_for_wav
from tests.e2e.harness.event_stream import EventStream
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.timeline import Marks, Recording, assert_silent, assert_tone

AGENT, BOB = TONES["alice"], TONES["bob"]


@pytest.mark.parametrize("method", ["rfc2833", "info"])
def test_dtmf_digits_reach_the_far_end(kamailio: Kamailio, phones: PhoneFactory, method: str) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice", settings={"calls": {"dtmf_method": method}})
    heard = EventStream(bob)
    session_id = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=session_id, state="connected")
    far_id = bob.wait_call(state="connected")["sessionId"]

    sent = alice.ok(f"/api/dtmf/{session_id}/0123456789*%23abcd")
    assert (sent["action"], sent["call"]["sessionId"]) == ("dtmf", session_id)
    digits = heard.wait("dtmf_received", count=16, timeout=15, sessionId=far_id)
    assert "".join(event["digit"] for event in digits) == "0123456789*#ABCD"
    infos = kamailio.requests("INFO")
    assert bool(infos) is (method == "info"), infos  # RFC 2833 digits travel in RTP, not SIP
    # the last RFC 2833 digit's end packets are still on the wire: a re-INVITE now would
    # restart bob's stream and show him that digit a second time (see the README's limits)
    time.sleep(0.5)
    assert len(heard.events("dtmf_received")) == 16

    alice.ok(f"/api/hold/{session_id}")
    alice.wait_call(sessionId=session_id, state="held")
    on_hold = alice.get(f"/api/dtmf/{session_id}/5")
    if method == "rfc2833":
        assert on_hold.status_code == 409  # no RTP leaves a held call
        assert on_hold.json()["error"]["state"] == "held"
    else:
        assert on_hold.status_code == 200  # SIP INFO needs only the dialog
        more = heard.wait("dtmf_received", count=17, sessionId=far_id)
        assert more[-1]["digit"] == "5"
    time.sleep(0.3)
    assert len(heard.events("dtmf_received")) == (16 if method == "rfc2833" else 17)


def test_dtmf_refuses_bad_digits_unknown_and_unready_calls(kamailio: Kamailio, phones: PhoneFactory) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol")
    alice = phones("alice", kamailio=kamailio, user="alice")
    session_id = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=session_id, state="connected")

    for bad in ["12x", "1%202", "E", "1,2", "%EF%BC%91", "1" * 65, "%0d%0a"]:
        response = alice.get(f"/api/dtmf/{session_id}/{bad}")
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["error"]["code"] == "invalid_digits", bad
    unknown = alice.get("/api/dtmf/zzzzzz-99/1")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "call_not_found"
    carol.ok("/api/originate/sip:alice@127.0.0.1")
    ringing = alice.wait_call(state="ringing")["sessionId"]
    refused = alice.get(f"/api/dtmf/{ringing}/1")
    assert refused.status_code == 409
    assert refused.json()["error"]["state"] == "ringing"


def test_mute_silences_the_agent_and_unmute_brings_the_tone_back(
    kamailio: Kamailio, phones: PhoneFactory
) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")
    events = EventStream(alice)
    mark = Marks()

    nothing = alice.get("/api/mute")
    assert nothing.status_code == 409
    assert nothing.json()["error"]["code"] == "no_active_call"
    assert alice.get("/api/mute/zzzzzz-99").status_code == 404
    assert alice.get("/api/unmute/zzzzzz-99").status_code == 404

    mark("dial")
    session_id = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=session_id, state="connected")
    far_id = bob.wait_call(state="connected")["sessionId"]
    mark("up")
    time.sleep(2.0)  # dial -> up can take 0.5 s on a loaded machine: the recording's start is that uncertain

    mark("mute")
    muted = alice.ok("/api/mute")  # every call in progress
    assert muted["sessionIds"] == [session_id]
    assert muted["calls"][0]["muted"] is True
    assert alice.ok(f"/api/calls/{session_id}")["muted"] is True
    assert bob.ok(f"/api/calls/{far_id}")["state"] == "connected"  # no SIP: the far end sees nothing
    time.sleep(2.0)

    mark("unmute")
    unmuted = alice.ok(f"/api/unmute/{session_id}")
    assert unmuted["calls"][0]["muted"] is False
    assert alice.ok(f"/api/calls/{session_id}")["muted"] is False
    time.sleep(2.0)

    mark("mute one")
    assert alice.ok(f"/api/mute/{session_id}")["calls"][0]["muted"] is True
    time.sleep(2.0)
    mark("unmute all")
    assert alice.ok("/api/unmute")["calls"][0]["muted"] is False
    time.sleep(1.5)
    mark("end")
    alice.ok("/api/hangup")
    bob.wait_no_calls()

    events.wait("call_ended", sessionId=session_id)
    assert [t for t in events.types(session_id) if t.endswith("muted")] == [
        "call_muted",
        "call_unmuted",
        "call_muted",
        "call_unmuted",
    ]
    assert events.states(session_id) == ["dialing", "early", "connected", "ended"]  # mute is no state
    invites = [line for line in kamailio.requests("INVITE") if "sip:bob" in line]
    assert len(invites) == 2, invites  # the call's INVITE and its 407 retry: mute sent no re-INVITE

    bob_hears = Recording(bob.recording(far_id), mark["dial"], mark["up"])
    agent_hears = Recording(alice.recording(session_id), mark["dial"], mark["up"])
    wait_for_wav(bob_hears.path)
    wait_for_wav(agent_hears.path)
    assert_tone(bob_hears.heard(mark["up"], mark["mute"], [AGENT]), AGENT)
    assert_silent(bob_hears.heard(mark["mute"], mark["unmute"], [AGENT]))
    assert_tone(bob_hears.heard(mark["unmute"], mark["mute one"], [AGENT]), AGENT)
    assert_silent(bob_hears.heard(mark["mute one"], mark["unmute all"], [AGENT]))
    assert_tone(bob_hears.heard(mark["unmute all"], mark["end"], [AGENT]), AGENT)
    # mute stops what the agent sends, not what the agent hears
    assert_tone(agent_hears.heard(mark["mute"], mark["unmute"], [BOB]), BOB)
