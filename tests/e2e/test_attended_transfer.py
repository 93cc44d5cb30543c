"""Attended transfer (REFER with Replaces) through Kamailio: the two far ends talk to each
other (audio both ways) and the agent has no call; unknown ids, the same call twice and
calls in the wrong state are refused; a failed transfer keeps both calls."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.e2e.conftest import TONES, PhoneFactory
from tests.e2e.harness.audio import wait_for_wav
from tests.e2e.harness.event_stream import EventStream, epoch
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.sipp_refer import refer_answering_caller
from tests.e2e.harness.timeline import Marks, Recording, assert_tone

AGENT, BOB, CAROL = TONES["alice"], TONES["bob"], TONES["carol"]
ALL = [AGENT, BOB, CAROL]


def test_attended_transfer_connects_the_two_far_ends(kamailio: Kamailio, phones: PhoneFactory) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")
    events = EventStream(alice)
    mark = Marks()

    first = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=first, state="connected")
    bob_old = bob.wait_call(state="connected")["sessionId"]
    second = alice.ok("/api/originate/sip:carol@127.0.0.1")["call"]["sessionId"]  # consult carol
    alice.wait_call(sessionId=second, state="connected")
    alice.wait_call(sessionId=first, state="held")
    carol_old = carol.wait_call(state="connected")["sessionId"]
    time.sleep(0.5)

    mark("transfer")
    sent = time.time()
    result = alice.ok(f"/api/transfer/attendant/{first}/{second}")
    assert result["sessionIds"] == [first, second]
    # a snapshot taken as the REFER left: carol may already have ended the replaced dialog
    assert {call["state"] for call in result["calls"]} <= {"transferring", "ended"}
    assert [call["transfer"]["kind"] for call in result["calls"]] == ["attended", "attended"]
    assert result["calls"][0]["transfer"]["target"] == "sip:carol@127.0.0.1"
    alice.wait_no_calls()
    ended = [events.wait("call_ended", sessionId=leg)[0] for leg in (first, second)]
    completion = max(epoch(event) for event in ended) - sent
    bob_new = bob.wait_call(state="connected", number="carol")
    carol_new = carol.wait_call(state="connected", number="bob")
    mark("connected")
    time.sleep(2.0)
    mark("end")
    print(f"\nMEASURE attended transfer: request to both our legs ended {completion * 1000:.1f} ms")
    assert completion < 2.0

    for leg in (first, second):
        call = alice.ok(f"/api/calls/{leg}")
        assert call["endReason"] == "transferred", call
        assert call["transfer"]["state"] == "succeeded", call
        assert events.states(leg)[-2:] == ["transferring", "ended"]
    assert alice.ok(f"/api/calls/{first}")["transfer"]["sipStatus"] == 200
    # bob called carol with Replaces; carol's new call took over the dialog she had with the agent
    assert bob_new["transferredFrom"] == bob_old
    assert bob_new["uri"] == "sip:carol@127.0.0.1"  # the Replaces header is not part of who it is
    assert carol_new["transferredFrom"] == carol_old
    assert bob_new["sipCallId"] == carol_new["sipCallId"]
    assert carol.ok(f"/api/calls/{carol_old}")["endReason"] == "replaced"
    assert bob.ok(f"/api/calls/{bob_old}")["endReason"] == "transferred"

    bob.ok("/api/hangup")
    bob.wait_no_calls()
    carol.wait_no_calls()
    bob_hears = Recording(bob.recording(bob_new["sessionId"]), mark["transfer"], mark["connected"])
    carol_hears = Recording(carol.recording(carol_new["sessionId"]), mark["transfer"], mark["connected"])
    wait_for_wav(bob_hears.path)
    wait_for_wav(carol_hears.path)
    assert_tone(bob_hears.heard(mark["connected"], mark["end"], ALL), CAROL)
    assert_tone(carol_hears.heard(mark["connected"], mark["end"], ALL), BOB)


def test_attended_transfer_refuses_unknown_same_and_unready_calls(
    kamailio: Kamailio, phones: PhoneFactory
) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol")
    alice = phones("alice", kamailio=kamailio, user="alice")

    first = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=first, state="connected")
    for path in (f"/api/transfer/attendant/{first}/zzzzzz-99", f"/api/transfer/attendant/zzzzzz-99/{first}"):
        unknown = alice.get(path)
        assert unknown.status_code == 404, path
        assert unknown.json()["error"]["code"] == "call_not_found"
    same = alice.get(f"/api/transfer/attendant/{first}/{first}")
    assert same.status_code == 409
    assert same.json()["error"]["code"] == "same_call"

    carol.ok("/api/originate/sip:alice@127.0.0.1")
    ringing = alice.wait_call(state="ringing")["sessionId"]
    for path in (f"/api/transfer/attendant/{first}/{ringing}", f"/api/transfer/attendant/{ringing}/{first}"):
        refused = alice.get(path)
        assert refused.status_code == 409, path
        assert refused.json()["error"]["code"] == "invalid_state"
        assert refused.json()["error"]["state"] == "ringing"
    time.sleep(0.3)
    assert kamailio.requests("REFER") == [], "a refused transfer reached the wire"
    assert alice.ok(f"/api/calls/{first}")["state"] == "connected"
    assert alice.ok(f"/api/calls/{ringing}")["state"] == "ringing"

    alice.ok("/api/hangup")
    alice.wait_no_calls()
    ended = alice.get(f"/api/transfer/attendant/{first}/{ringing}")
    assert ended.status_code == 409
    assert ended.json()["error"]["state"] == "ended"


@pytest.mark.parametrize(
    ("refer_status", "sip_status"),
    [("603 Decline", 603), ("202 Accepted", None)],
    ids=["refer-rejected", "no-notify"],
)
def test_failed_attended_transfer_keeps_both_calls(
    tmp_path: Path, kamailio: Kamailio, phones: PhoneFactory, refer_status: str, sip_status: int | None
) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice", settings={"calls": {"transfer_timeout": 1.5}})
    events = EventStream(alice)
    mark = Marks()
    caller = refer_answering_caller(tmp_path, kamailio, "alice", refer_status)
    first = alice.wait_call(state="ringing", number="dave")["sessionId"]
    alice.ok(f"/api/answer/{first}")
    alice.wait_call(sessionId=first, state="connected")
    mark("dial")
    second = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=second, state="connected")
    alice.wait_call(sessionId=first, state="held")
    bob_id = bob.wait_call(state="connected")["sessionId"]
    mark("up")

    alice.ok(f"/api/transfer/attendant/{first}/{second}")
    for leg in (first, second):
        [failed] = events.wait("transfer_failed", sessionId=leg)
        assert failed["sipStatus"] == sip_status
    assert alice.wait_call(sessionId=first, state="held")["transfer"]["state"] == "failed"
    kept = alice.wait_call(sessionId=second, state="connected")
    assert kept["transfer"]["state"] == "failed"
    assert kept["transfer"]["sipStatus"] == sip_status
    events.wait("call_state_changed", count=2, sessionId=second, state="connected")
    assert events.states(second)[-2:] == ["transferring", "connected"]
    bob.wait_call(sessionId=bob_id, state="connected")
    mark("kept")
    time.sleep(1.5)
    mark("end")

    alice.ok("/api/hangup")
    assert caller.wait(timeout=15) == 0, caller.messages()[-3000:]
    assert "Replaces" in caller.messages()  # the REFER named the dialog with bob
    bob.wait_no_calls()
    agent_hears = Recording(alice.recording(second), mark["dial"], mark["up"])
    bob_hears = Recording(bob.recording(bob_id), mark["dial"], mark["up"])
    wait_for_wav(agent_hears.path)
    wait_for_wav(bob_hears.path)
    assert_tone(agent_hears.heard(mark["kept"], mark["end"], ALL), BOB)
    assert_tone(bob_hears.heard(mark["kept"], mark["end"], ALL), AGENT)
