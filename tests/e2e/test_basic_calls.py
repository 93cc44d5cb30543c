"""Outbound and inbound calls through Kamailio, with audio checked both ways, and hang-ups."""

from __future__ import annotations

import time

from tests.e2e.conftest import TONES, PhoneFactory
from tests.e2e.harness.audio import analyse, wait_for_wav
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.sipp import Sipp
from tests.e2e.harness.waiting import wait_until


def test_outbound_call_carries_audio_both_ways(kamailio: Kamailio, phones: PhoneFactory) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")

    result = alice.ok("/api/originate/sip:bob@127.0.0.1")
    assert result["action"] == "originate"
    call = result["call"]
    assert call["direction"] == "outbound"
    assert call["state"] in ("dialing", "early", "connected")
    assert call["number"] == "bob"
    session_id = call["sessionId"]

    connected = alice.wait_call(sessionId=session_id, state="connected")
    assert connected["answeredAt"] is not None
    assert connected["sipCallId"]
    far = bob.wait_call(state="connected")
    assert far["direction"] == "inbound"
    assert far["number"] == "alice"
    assert far["name"] == "Alice"
    assert far["sipCallId"] == connected["sipCallId"] == call["sipCallId"]  # ours, known from the start
    assert call["sipCallId"].endswith("@phonebar")
    time.sleep(3)

    alice.ok(f"/api/hangup/{session_id}")
    alice.wait_no_calls()
    bob.wait_no_calls()
    ended = bob.ok(f"/api/calls/{far['sessionId']}")
    assert ended["endReason"] == "remote_hangup"  # bob saw our BYE
    mine = alice.ok(f"/api/calls/{session_id}")
    assert mine["endReason"] == "local_hangup"
    assert mine["duration"] >= 2.5

    heard_by_alice = alice.recording(session_id)
    heard_by_bob = bob.recording(far["sessionId"])
    wait_for_wav(heard_by_alice)
    wait_for_wav(heard_by_bob)
    spectrum_alice = analyse(heard_by_alice, [TONES["bob"], TONES["alice"]], start=0.5)
    spectrum_bob = analyse(heard_by_bob, [TONES["bob"], TONES["alice"]], start=0.5)
    assert spectrum_alice.share(TONES["bob"]) > 0.8, spectrum_alice
    assert spectrum_bob.share(TONES["alice"]) > 0.8, spectrum_bob


def test_inbound_call_rings_then_is_answered_and_far_end_hangs_up(
    kamailio: Kamailio, phones: PhoneFactory
) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice")
    carol = phones("carol", kamailio=kamailio, user="carol")

    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    ringing = alice.wait_call(state="ringing")
    assert ringing["direction"] == "inbound"
    assert ringing["number"] == "carol"
    assert ringing["name"] == "Carol"
    assert ringing["answeredAt"] is None
    assert ringing["hold"] is False
    carol.wait_call(sessionId=outgoing["sessionId"], state="early")

    answered = alice.ok(f"/api/answer/{ringing['sessionId']}")
    assert answered["call"]["sessionId"] == ringing["sessionId"]
    alice.wait_call(sessionId=ringing["sessionId"], state="connected")
    carol.wait_call(sessionId=outgoing["sessionId"], state="connected")

    carol.ok(f"/api/hangup/{outgoing['sessionId']}")
    alice.wait_no_calls()
    assert alice.ok(f"/api/calls/{ringing['sessionId']}")["endReason"] == "remote_hangup"


def test_answer_without_id_answers_the_oldest_ringing_call(kamailio: Kamailio, phones: PhoneFactory) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice")
    carol = phones("carol", kamailio=kamailio, user="carol")
    dave = phones("dave", kamailio=kamailio, user="dave")
    carol.ok("/api/originate/sip:alice@127.0.0.1")
    first = alice.wait_call(state="ringing", number="carol")
    dave.ok("/api/originate/sip:alice@127.0.0.1")
    alice.wait_call(state="ringing", number="dave")

    answered = alice.ok("/api/answer")["call"]
    assert answered["sessionId"] == first["sessionId"]
    alice.wait_call(sessionId=first["sessionId"], state="connected")


def test_hangup_all_rejects_a_ringing_call_with_486(kamailio: Kamailio, phones: PhoneFactory) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice")
    carol = phones("carol", kamailio=kamailio, user="carol")
    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    ringing = alice.wait_call(state="ringing")

    result = alice.ok("/api/hangup")
    assert result["sessionIds"] == [ringing["sessionId"]]
    alice.wait_no_calls()
    carol.wait_no_calls()
    rejected = carol.ok(f"/api/calls/{outgoing['sessionId']}")
    assert rejected["sipStatus"] == 486
    assert rejected["endReason"] == "busy"
    assert alice.ok(f"/api/calls/{ringing['sessionId']}")["endReason"] == "rejected"


def test_sipp_caller_authenticates_through_kamailio_and_is_answered(
    tmp_path, kamailio: Kamailio, phones: PhoneFactory
) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice")
    sipp = Sipp(tmp_path, "sipp-uac-auth.xml", kamailio.address, "-s", "alice", "-d", "3000")

    ringing = alice.wait_call(state="ringing")
    assert ringing["number"] == "dave"
    alice.ok(f"/api/answer/{ringing['sessionId']}")
    alice.wait_call(sessionId=ringing["sessionId"], state="connected")
    assert sipp.wait(timeout=20) == 0, sipp.messages()[-3000:]
    alice.wait_no_calls()
    assert alice.ok(f"/api/calls/{ringing['sessionId']}")["endReason"] == "remote_hangup"
    assert "BYE" in sipp.messages()


def test_far_end_hangup_before_answer_is_a_missed_call(kamailio: Kamailio, phones: PhoneFactory) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice")
    carol = phones("carol", kamailio=kamailio, user="carol")
    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    ringing = alice.wait_call(state="ringing")
    carol.ok(f"/api/hangup/{outgoing['sessionId']}")
    alice.wait_no_calls()
    assert alice.ok(f"/api/calls/{ringing['sessionId']}")["endReason"] == "missed"
    assert carol.ok(f"/api/calls/{outgoing['sessionId']}")["endReason"] == "cancelled"
    wait_until(lambda: kamailio.requests("CANCEL"), timeout=5, what="a CANCEL at Kamailio")
