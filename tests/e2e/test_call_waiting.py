"""The second line: a call that arrives while the agent talks rings, is listed and answered;
answering it holds the first call, and resuming the first holds the second. Audio proves
who hears whom at each step."""

from __future__ import annotations

import time

from tests.e2e.conftest import TONES, PhoneFactory
from tests.e2e.harness.audio import wait_for_wav
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.timeline import Marks, Recording, assert_silent, assert_tone

AGENT, BOB, CAROL = TONES["alice"], TONES["bob"], TONES["carol"]
ALL = [AGENT, BOB, CAROL]


def test_call_waiting_answer_holds_the_first_call(kamailio: Kamailio, phones: PhoneFactory) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol")
    alice = phones("alice", kamailio=kamailio, user="alice")
    mark = Marks()

    mark("dial")
    first = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=first, state="connected")
    bob_id = bob.wait_call(state="connected")["sessionId"]
    mark("first up")

    carol_out = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]["sessionId"]
    waiting = alice.wait_call(state="ringing", number="carol")
    second = waiting["sessionId"]
    listed = {call["sessionId"]: call["state"] for call in alice.calls()}
    assert listed == {first: "connected", second: "ringing"}  # the call waits; the first is untouched
    assert bob.wait_call(sessionId=bob_id)["state"] == "connected"
    time.sleep(1.5)

    mark("answer")
    answered = alice.ok("/api/answer")["call"]
    assert answered["sessionId"] == second
    alice.wait_call(sessionId=second, state="connected")
    alice.wait_call(sessionId=first, state="held", hold=True)
    bob.wait_call(sessionId=bob_id, state="remote_held")
    carol.wait_call(sessionId=carol_out, state="connected")
    mark("answered")
    time.sleep(2.0)

    mark("switch")
    switched = alice.ok(f"/api/unhold/{first}")
    assert switched["action"] == "resumed"
    alice.wait_call(sessionId=second, state="held")
    alice.wait_call(sessionId=first, state="connected")
    bob.wait_call(sessionId=bob_id, state="connected")
    carol.wait_call(sessionId=carol_out, state="remote_held")
    mark("switched")
    time.sleep(2.0)
    mark("end")

    alice.ok("/api/hangup")
    for phone in (alice, bob, carol):
        phone.wait_no_calls()

    agent_hears_bob = Recording(alice.recording(first), mark["dial"], mark["first up"])
    agent_hears_carol = Recording(alice.recording(second), mark["answer"], mark["answered"])
    bob_hears = Recording(bob.recording(bob_id), mark["dial"], mark["first up"])
    carol_hears = Recording(carol.recording(carol_out), mark["answer"], mark["answered"])
    for recording in (agent_hears_bob, agent_hears_carol, bob_hears, carol_hears):
        wait_for_wav(recording.path)

    # while the second call rang, the agent and bob kept talking
    assert_tone(agent_hears_bob.heard(mark["first up"], mark["answer"], ALL), BOB)
    assert_tone(bob_hears.heard(mark["first up"], mark["answer"], ALL), AGENT)
    # after the answer: agent <-> carol, bob on hold hears nothing and is not heard
    assert_tone(agent_hears_carol.heard(mark["answered"], mark["switch"], ALL), CAROL)
    assert_tone(carol_hears.heard(mark["answered"], mark["switch"], ALL), AGENT)
    assert_silent(agent_hears_bob.heard(mark["answered"], mark["switch"], ALL))
    assert_silent(bob_hears.heard(mark["answered"], mark["switch"], ALL))
    # after switching back: agent <-> bob, carol on hold
    assert_tone(agent_hears_bob.heard(mark["switched"], mark["end"], ALL), BOB)
    assert_tone(bob_hears.heard(mark["switched"], mark["end"], ALL), AGENT)
    assert_silent(agent_hears_carol.heard(mark["switched"], mark["end"], ALL))
    assert_silent(carol_hears.heard(mark["switched"], mark["end"], ALL))
