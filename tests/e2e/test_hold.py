"""Hold and resume through Kamailio: what each side hears, the states and events on both
sides, the far end holding us, and every 404/409 of the hold routes."""

from __future__ import annotations

import time

from tests.e2e.conftest import TONES, PhoneFactory
from tests.e2e.harness.audio import wait_for_wav
from tests.e2e.harness.event_stream import EventStream, epoch
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.timeline import Marks, Recording, assert_silent, assert_tone

AGENT, BOB = TONES["alice"], TONES["bob"]


def test_hold_silences_both_directions_and_resume_restores_them(
    kamailio: Kamailio, phones: PhoneFactory
) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")
    events, far_events = EventStream(alice), EventStream(bob)
    mark = Marks()

    mark("dial")
    session_id = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=session_id, state="connected")
    far_id = bob.wait_call(state="connected")["sessionId"]
    mark("up")
    time.sleep(2.0)  # dial -> up can take 0.5 s on a loaded machine: the recording's start is that uncertain

    mark("hold")
    sent = time.time()
    held = alice.ok("/api/hold")  # no id: the connected call
    assert (held["action"], held["state"], held["sessionIds"]) == ("held", "held", [session_id])
    [call_held] = events.wait("call_held", sessionId=session_id)
    hold_round_trip = epoch(call_held) - sent
    assert alice.ok(f"/api/calls/{session_id}")["hold"] is True
    far = bob.wait_call(sessionId=far_id, state="remote_held")
    assert (far["remoteHold"], far["hold"]) == (True, False)
    mark("held")
    time.sleep(2.0)

    mark("resume")
    sent = time.time()
    resumed = alice.ok("/api/hold")  # the same button again: nothing connected, so it resumes
    assert (resumed["action"], resumed["state"], resumed["sessionIds"]) == (
        "resumed",
        "connected",
        [session_id],
    )
    [call_resumed] = events.wait("call_resumed", sessionId=session_id)
    resume_round_trip = epoch(call_resumed) - sent
    bob.wait_call(sessionId=far_id, state="connected", remoteHold=False)
    assert alice.ok(f"/api/calls/{session_id}")["hold"] is False
    mark("resumed")
    time.sleep(1.5)
    mark("end")

    alice.ok(f"/api/hangup/{session_id}")
    alice.wait_no_calls()
    bob.wait_no_calls()
    print(
        f"\nMEASURE hold round trip {hold_round_trip * 1000:.1f} ms, resume {resume_round_trip * 1000:.1f} ms"
    )
    assert hold_round_trip < 1.0
    assert resume_round_trip < 1.0

    events.wait("call_ended", sessionId=session_id)  # the stream may trail the API by a few ms
    far_events.wait("call_ended", sessionId=far_id)
    assert events.states(session_id) == ["dialing", "early", "connected", "held", "connected", "ended"]
    assert far_events.states(far_id) == ["ringing", "connected", "remote_held", "connected", "ended"]
    mine = events.types(session_id)
    assert mine.count("call_held") == 1
    assert mine.count("call_resumed") == 1
    assert "call_held" not in [e["type"] for e in far_events.events()]  # a remote hold is no hold of ours

    heard_by_agent = Recording(alice.recording(session_id), mark["dial"], mark["up"])
    heard_by_bob = Recording(bob.recording(far_id), mark["dial"], mark["up"])
    wait_for_wav(heard_by_agent.path)
    wait_for_wav(heard_by_bob.path)
    tones = [AGENT, BOB]
    assert_tone(heard_by_agent.heard(mark["up"], mark["hold"], tones), BOB)
    assert_tone(heard_by_bob.heard(mark["up"], mark["hold"], tones), AGENT)
    assert_silent(heard_by_agent.heard(mark["held"], mark["resume"], tones))
    assert_silent(heard_by_bob.heard(mark["held"], mark["resume"], tones))
    assert_tone(heard_by_agent.heard(mark["resumed"], mark["end"], tones), BOB)
    assert_tone(heard_by_bob.heard(mark["resumed"], mark["end"], tones), AGENT)


def test_far_end_hold_shows_remote_held_until_it_resumes(kamailio: Kamailio, phones: PhoneFactory) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")
    events = EventStream(alice)
    mark = Marks()

    mark("dial")
    session_id = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=session_id, state="connected")
    far_id = bob.wait_call(state="connected")["sessionId"]
    mark("up")
    time.sleep(2.0)  # dial -> up can take 0.5 s on a loaded machine: the recording's start is that uncertain

    mark("hold")
    bob.ok(f"/api/hold/{far_id}")
    call = alice.wait_call(sessionId=session_id, state="remote_held")
    assert (call["remoteHold"], call["hold"]) == (True, False)
    mark("held")
    # the agent cannot resume what the far end holds, and the hold button holds it for real
    refused = alice.get(f"/api/unhold/{session_id}")
    assert refused.status_code == 409
    assert (refused.json()["error"]["code"], refused.json()["error"]["state"]) == (
        "invalid_state",
        "remote_held",
    )
    time.sleep(1.5)

    mark("resume")
    bob.ok(f"/api/unhold/{far_id}")
    call = alice.wait_call(sessionId=session_id, state="connected")
    assert (call["remoteHold"], call["hold"]) == (False, False)
    mark("resumed")
    time.sleep(1.5)
    mark("end")
    alice.ok("/api/hangup")
    alice.wait_no_calls()

    events.wait("call_ended", sessionId=session_id)
    assert events.states(session_id) == [
        "dialing",
        "early",
        "connected",
        "remote_held",
        "connected",
        "ended",
    ]
    types = events.types(session_id)
    assert "call_held" not in types
    assert "call_resumed" not in types
    heard = Recording(alice.recording(session_id), mark["dial"], mark["up"])
    wait_for_wav(heard.path)
    assert_tone(heard.heard(mark["up"], mark["hold"], [BOB]), BOB)
    assert_silent(heard.heard(mark["held"], mark["resume"], [BOB]))
    assert_tone(heard.heard(mark["resumed"], mark["end"], [BOB]), BOB)


def test_hold_routes_refuse_what_does_not_fit(kamailio: Kamailio, phones: PhoneFactory) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol")
    alice = phones("alice", kamailio=kamailio, user="alice")

    for path in ("/api/hold", "/api/unhold"):
        nothing = alice.get(path)
        assert nothing.status_code == 409, path
        assert nothing.json()["error"]["code"] == "no_active_call"
    for path in ("/api/hold/zzzzzz-99", "/api/unhold/zzzzzz-99"):
        unknown = alice.get(path)
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "call_not_found"

    session_id = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=session_id, state="connected")
    not_held = alice.get(f"/api/unhold/{session_id}")
    assert not_held.status_code == 409
    assert not_held.json()["error"]["state"] == "connected"
    assert alice.get("/api/unhold").json()["error"]["code"] == "no_active_call"

    assert alice.ok(f"/api/hold/{session_id}")["action"] == "held"
    alice.wait_call(sessionId=session_id, state="held")
    assert alice.ok(f"/api/hold/{session_id}")["action"] == "resumed"  # toggles
    alice.wait_call(sessionId=session_id, state="connected")
    assert alice.ok(f"/api/hold/{session_id}")["action"] == "held"
    alice.wait_call(sessionId=session_id, state="held")
    assert alice.ok(f"/api/unhold/{session_id}")["action"] == "resumed"
    alice.wait_call(sessionId=session_id, state="connected")

    # a ringing call cannot be held
    carol.ok("/api/originate/sip:alice@127.0.0.1")
    ringing = alice.wait_call(state="ringing")
    refused = alice.get(f"/api/hold/{ringing['sessionId']}")
    assert refused.status_code == 409
    assert refused.json()["error"]["state"] == "ringing"
    alice.ok("/api/hangup")
    alice.wait_no_calls()
    ended = alice.get(f"/api/hold/{session_id}")
    assert ended.status_code == 409
    assert ended.json()["error"]["state"] == "ended"
