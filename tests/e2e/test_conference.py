"""The local three-way conference through Kamailio: each far end hears the other and the
agent; a leg that hangs up leaves the agent talking to the other; hold on one leg takes
that leg out of the mix until it is resumed; 409 need_two_calls otherwise."""

from __future__ import annotations

import time

from tests.e2e.conftest import TONES, PhoneFactory
from tests.e2e.harness.audio import Spectrum, wait_for_wav
from tests.e2e.harness.event_stream import EventStream
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.phonebar_process import PhonebarProcess
from tests.e2e.harness.timeline import Marks, Recording, assert_silent, assert_tone

AGENT, BOB, CAROL = TONES["alice"], TONES["bob"], TONES["carol"]
ALL = [AGENT, BOB, CAROL]


def assert_mix(spectrum: Spectrum, *frequencies: int) -> None:
    """Two tones mixed: each carries a substantial share, together nearly all the energy."""
    for frequency in frequencies:
        assert spectrum.share(frequency) > 0.3, f"{frequency} Hz is missing from the mix: {spectrum}"
    assert sum(spectrum.share(f) for f in frequencies) > 0.9, spectrum


def two_calls(
    alice: PhonebarProcess, bob: PhonebarProcess, carol: PhonebarProcess
) -> tuple[str, str, str, str]:
    """The agent calls bob, then carol (bob goes on hold); returns both sides' sessionIds."""
    first = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=first, state="connected")
    second = alice.ok("/api/originate/sip:carol@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=second, state="connected")
    alice.wait_call(sessionId=first, state="held")
    bob_id = bob.wait_call(state="remote_held")["sessionId"]
    carol_id = carol.wait_call(state="connected")["sessionId"]
    return first, second, bob_id, carol_id


def test_conference_bridges_both_calls_and_survives_one_leg(kamailio: Kamailio, phones: PhoneFactory) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")
    events = EventStream(alice)
    mark = Marks()

    mark("dial")
    first, second, bob_id, carol_id = two_calls(alice, bob, carol)
    mark("up")
    result = alice.ok("/api/conference")
    assert result["action"] == "conference"
    assert sorted(result["sessionIds"]) == sorted([first, second])
    assert all(call["conference"] for call in result["calls"])
    alice.wait_call(sessionId=first, state="connected", conference=True)
    alice.wait_call(sessionId=second, state="connected", conference=True)
    bob.wait_call(sessionId=bob_id, state="connected")
    mark("joined")
    time.sleep(2.5)

    mark("leave")
    carol.ok(f"/api/hangup/{carol_id}")
    alice.wait_call(sessionId=first, state="connected", conference=False)
    mark("left")
    assert [call["sessionId"] for call in alice.calls()] == [first]
    time.sleep(2.0)
    mark("end")
    alice.ok("/api/hangup")
    bob.wait_no_calls()

    for leg in (first, second):
        events.wait("conference_left", sessionId=leg)
        types = events.types(leg)
        assert types.count("conference_joined") == 1
        assert types.count("conference_left") == 1
        assert types.index("conference_joined") < types.index("conference_left")
    assert alice.ok(f"/api/calls/{second}")["endReason"] == "remote_hangup"

    bob_hears = Recording(bob.recording(bob_id), mark["dial"], mark["up"])
    carol_hears = Recording(carol.recording(carol_id), mark["dial"], mark["up"])
    agent_hears_bob = Recording(alice.recording(first), mark["dial"], mark["up"])
    agent_hears_carol = Recording(alice.recording(second), mark["dial"], mark["up"])
    for recording in (bob_hears, carol_hears, agent_hears_bob, agent_hears_carol):
        wait_for_wav(recording.path)
    assert_mix(bob_hears.heard(mark["joined"], mark["leave"], ALL), AGENT, CAROL)
    assert_mix(carol_hears.heard(mark["joined"], mark["leave"], ALL), AGENT, BOB)
    assert_tone(agent_hears_bob.heard(mark["joined"], mark["leave"], ALL), BOB)
    assert_tone(agent_hears_carol.heard(mark["joined"], mark["leave"], ALL), CAROL)
    # carol has gone: bob and the agent still talk
    assert_tone(bob_hears.heard(mark["left"], mark["end"], ALL), AGENT, share=0.9)
    assert_tone(agent_hears_bob.heard(mark["left"], mark["end"], ALL), BOB)


def test_hold_on_a_conference_leg_takes_it_out_of_the_mix(kamailio: Kamailio, phones: PhoneFactory) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")
    mark = Marks()

    mark("dial")
    first, second, bob_id, carol_id = two_calls(alice, bob, carol)
    mark("up")
    alice.ok("/api/conference")
    alice.wait_call(sessionId=first, state="connected", conference=True)
    bob.wait_call(sessionId=bob_id, state="connected")

    mark("hold one")
    held = alice.ok(f"/api/hold/{first}")
    assert held["sessionIds"] == [first]
    alice.wait_call(sessionId=first, state="held", conference=True)
    bob.wait_call(sessionId=bob_id, state="remote_held")
    assert alice.ok(f"/api/calls/{second}")["state"] == "connected"  # carol keeps the agent
    mark("one held")
    time.sleep(2.0)

    mark("rejoin")
    alice.ok(f"/api/unhold/{first}")
    alice.wait_call(sessionId=first, state="connected", conference=True)
    bob.wait_call(sessionId=bob_id, state="connected")
    assert alice.ok(f"/api/calls/{second}")["state"] == "connected"  # resuming a leg holds no other leg
    mark("rejoined")
    time.sleep(2.0)

    mark("hold all")
    both = alice.ok("/api/hold")  # the hold button holds the whole conference
    assert (both["action"], sorted(both["sessionIds"])) == ("held", sorted([first, second]))
    alice.wait_call(sessionId=first, state="held")
    alice.wait_call(sessionId=second, state="held")
    resumed = alice.ok("/api/hold")  # and resumes it as a whole
    assert (resumed["action"], sorted(resumed["sessionIds"])) == ("resumed", sorted([first, second]))
    alice.wait_call(sessionId=first, state="connected", conference=True)
    alice.wait_call(sessionId=second, state="connected", conference=True)
    mark("end")
    alice.ok("/api/hangup")
    bob.wait_no_calls()
    carol.wait_no_calls()

    bob_hears = Recording(bob.recording(bob_id), mark["dial"], mark["up"])
    carol_hears = Recording(carol.recording(carol_id), mark["dial"], mark["up"])
    wait_for_wav(bob_hears.path)
    wait_for_wav(carol_hears.path)
    # bob on hold: he hears nobody, carol hears only the agent
    assert_silent(bob_hears.heard(mark["one held"], mark["rejoin"], ALL))
    assert_tone(carol_hears.heard(mark["one held"], mark["rejoin"], ALL), AGENT, share=0.9)
    # bob back in the conference
    assert_mix(bob_hears.heard(mark["rejoined"], mark["hold all"], ALL), AGENT, CAROL)
    assert_mix(carol_hears.heard(mark["rejoined"], mark["hold all"], ALL), AGENT, BOB)


def test_conference_needs_exactly_two_calls(kamailio: Kamailio, phones: PhoneFactory) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol")
    alice = phones("alice", kamailio=kamailio, user="alice")

    def refused(calls: int) -> None:
        response = alice.get("/api/conference")
        assert response.status_code == 409
        assert (response.json()["error"]["code"], response.json()["error"]["calls"]) == (
            "need_two_calls",
            calls,
        )

    refused(0)
    first = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=first, state="connected")
    refused(1)
    carol.ok("/api/originate/sip:alice@127.0.0.1")
    alice.wait_call(state="ringing")
    refused(1)  # a ringing call is not joinable
    alice.ok("/api/hangup")
    alice.wait_no_calls()
    for _ in range(3):
        leg = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
        alice.wait_call(sessionId=leg, state="connected")
    refused(3)
    assert len(bob.calls()) == 3
    assert not any(call["conference"] for call in alice.calls())
