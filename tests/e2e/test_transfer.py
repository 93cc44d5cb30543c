"""Blind transfer through Kamailio: the caller ends up talking to the target (audio both
ways) and the agent has no call; a busy or unknown target, a REFER the far end rejects
and a REFER nobody reports on leave the original call up, resumed, with the failure."""

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


def test_blind_transfer_connects_the_caller_to_the_target(kamailio: Kamailio, phones: PhoneFactory) -> None:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol", auto_answer=True)
    alice = phones("alice", kamailio=kamailio, user="alice")
    events, bob_events = EventStream(alice), EventStream(bob)
    mark = Marks()

    session_id = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=session_id, state="connected")
    bob_first = bob.wait_call(state="connected")["sessionId"]
    time.sleep(0.5)

    mark("transfer")
    sent = time.time()
    result = alice.ok(f"/api/transfer/{session_id}", number="sip:carol@127.0.0.1")
    call = result["call"]
    assert result["action"] == "transfer"
    assert call["state"] == "transferring"
    assert call["transfer"] == {
        "kind": "blind",
        "target": "sip:carol@127.0.0.1",
        "state": "pending",
        "sipStatus": None,
        "reason": None,
    }
    alice.wait_no_calls()
    [ended] = events.wait("call_ended", sessionId=session_id)
    completion = epoch(ended) - sent
    bob_second = bob.wait_call(state="connected", number="carol")
    carol_call = carol.wait_call(state="connected", number="bob")
    mark("connected")
    time.sleep(2.0)
    mark("end")
    print(f"\nMEASURE blind transfer: request to our leg ended {completion * 1000:.1f} ms")
    assert completion < 2.0

    mine = alice.ok(f"/api/calls/{session_id}")
    assert mine["endReason"] == "transferred"
    assert mine["transfer"]["state"] == "succeeded"
    assert mine["transfer"]["sipStatus"] == 200
    assert events.states(session_id) == ["dialing", "early", "connected", "transferring", "ended"]
    assert [t for t in events.types(session_id) if t.startswith("transfer")] == [
        "transfer_started",
        "transfer_succeeded",
    ]
    # the transferee's view: a new call to carol that took over from the first
    assert bob_second["transferredFrom"] == bob_first
    assert bob_second["uri"] == "sip:carol@127.0.0.1"
    assert bob_second["sipCallId"] == carol_call["sipCallId"]
    assert bob.ok(f"/api/calls/{bob_first}")["endReason"] == "transferred"
    bob_events.wait("call_ended", sessionId=bob_first)
    assert bob_events.states(bob_first)[-2:] == ["remote_held", "ended"]

    bob.ok("/api/hangup")
    bob.wait_no_calls()
    carol.wait_no_calls()
    bob_hears = Recording(bob.recording(bob_second["sessionId"]), mark["transfer"], mark["connected"])
    carol_hears = Recording(carol.recording(carol_call["sessionId"]), mark["transfer"], mark["connected"])
    wait_for_wav(bob_hears.path)
    wait_for_wav(carol_hears.path)
    assert_tone(bob_hears.heard(mark["connected"], mark["end"], ALL), CAROL)
    assert_tone(carol_hears.heard(mark["connected"], mark["end"], ALL), BOB)


def test_failed_blind_transfers_resume_the_call(kamailio: Kamailio, phones: PhoneFactory) -> None:
    """A busy target (carol rejects with 486: do-not-disturb) and an unknown one (404 from
    Kamailio): each time the call comes back, resumed, and both sides hear each other."""
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    phones("carol", kamailio=kamailio, user="carol", settings={"calls": {"dnd": True}})
    alice = phones("alice", kamailio=kamailio, user="alice")
    events = EventStream(alice)
    mark = Marks()

    mark("dial")
    session_id = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=session_id, state="connected")
    bob_id = bob.wait_call(state="connected")["sessionId"]
    mark("up")
    failures = []
    for target, status, reason in (
        ("sip:carol@127.0.0.1", 486, "Busy Here"),
        ("sip:nobody@127.0.0.1", 404, "Not Found"),
    ):
        alice.ok(f"/api/transfer/{session_id}", number=target)
        [failed] = events.wait("transfer_failed", count=len(failures) + 1, sessionId=session_id)[-1:]
        assert (failed["sipStatus"], failed["reason"]) == (status, reason)
        call = alice.wait_call(sessionId=session_id, state="connected")
        assert call["hold"] is False
        assert call["transfer"] == {
            "kind": "blind",
            "target": target,
            "state": "failed",
            "sipStatus": status,
            "reason": reason,
        }
        bob.wait_call(sessionId=bob_id, state="connected")
        resumed = mark(f"resumed {status}")
        time.sleep(1.5)
        failures.append((resumed, mark(f"checked {status}")))

    events.wait("call_resumed", count=2, sessionId=session_id)
    states = events.states(session_id)
    assert states[:3] == ["dialing", "early", "connected"]
    # each attempt: transferring, back (through held, as we held it for the REFER), connected
    attempts = "|".join(states[3:]).split("|connected")
    assert [a.strip("|").split("|")[0] for a in attempts if a] == ["transferring", "transferring"]
    assert states[-1] == "connected"
    assert set(states[3:]) == {"transferring", "held", "connected"}

    alice.ok("/api/hangup")
    bob.wait_no_calls()
    agent_hears = Recording(alice.recording(session_id), mark["dial"], mark["up"])
    bob_hears = Recording(bob.recording(bob_id), mark["dial"], mark["up"])
    wait_for_wav(agent_hears.path)
    wait_for_wav(bob_hears.path)
    for start, end in failures:
        assert_tone(agent_hears.heard(start, end, ALL), BOB)
        assert_tone(bob_hears.heard(start, end, ALL), AGENT)


@pytest.mark.parametrize(
    ("refer_status", "sip_status", "reason"),
    [
        ("202 Accepted", None, "no answer to the transfer within 1.5 s"),
        ("603 Decline", 603, "Decline"),
    ],
    ids=["no-notify", "refer-rejected"],
)
def test_blind_transfer_without_an_outcome_or_refused_resumes_the_call(
    tmp_path: Path,
    kamailio: Kamailio,
    phones: PhoneFactory,
    refer_status: str,
    sip_status: int | None,
    reason: str,
) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice", settings={"calls": {"transfer_timeout": 1.5}})
    events = EventStream(alice)
    caller = refer_answering_caller(tmp_path, kamailio, "alice", refer_status)
    session_id = alice.wait_call(state="ringing", number="dave")["sessionId"]
    alice.ok(f"/api/answer/{session_id}")
    alice.wait_call(sessionId=session_id, state="connected")

    sent = time.monotonic()
    alice.ok(f"/api/transfer/{session_id}", number="sip:carol@127.0.0.1")
    [failed] = events.wait("transfer_failed", sessionId=session_id)
    waited = time.monotonic() - sent
    assert (failed["sipStatus"], failed["reason"]) == (sip_status, reason)
    call = alice.wait_call(sessionId=session_id, state="connected")
    assert call["transfer"]["state"] == "failed"
    assert call["transfer"]["sipStatus"] == sip_status
    if sip_status is None:
        assert 1.4 < waited < 3.0, waited  # the configured calls.transfer_timeout
    else:
        assert waited < 1.4, waited

    alice.ok("/api/hangup")
    assert caller.wait(timeout=15) == 0, caller.messages()[-3000:]
    messages = caller.messages()
    refer_at = messages.index("REFER sip:dave")
    assert "\nNOTIFY sip:" not in messages
    # the REFER followed the hold; the resume came after it, as a sendrecv re-INVITE
    assert "a=sendonly" in messages[:refer_at]
    resumed = messages.index("INVITE sip:dave", refer_at)
    assert "a=sendrecv" in messages[resumed : messages.index("BYE sip:dave", resumed)]


def test_transfer_routes_refuse_what_does_not_fit(kamailio: Kamailio, phones: PhoneFactory) -> None:
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    carol = phones("carol", kamailio=kamailio, user="carol")
    alice = phones("alice", kamailio=kamailio, user="alice")

    nothing = alice.get("/api/transfer", number="1002")
    assert nothing.status_code == 409
    assert nothing.json()["error"]["code"] == "no_active_call"
    unknown = alice.get("/api/transfer/zzzzzz-99", number="1002")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "call_not_found"

    session_id = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=session_id, state="connected")
    refers_before = len(kamailio.requests("REFER"))
    for path in ("/api/transfer", f"/api/transfer/{session_id}"):
        for params in ({}, {"number": ""}):
            missing = alice.get(path, **params)
            assert missing.status_code == 400, (path, params)
            assert missing.json()["error"]["code"] == "missing_number"
        for bad in ["12a4", "1001;user=phone", "bob@evil.example", "1\r\nVia: x", "+1+2", "x" * 300]:
            response = alice.get(path, number=bad)
            assert response.status_code == 400, (path, bad, response.text)
            assert response.json()["error"]["code"] == "invalid_number"
    time.sleep(0.3)
    assert len(kamailio.requests("REFER")) == refers_before, "a refused transfer reached the wire"
    assert alice.ok(f"/api/calls/{session_id}")["state"] == "connected"

    carol.ok("/api/originate/sip:alice@127.0.0.1")
    ringing = alice.wait_call(state="ringing")["sessionId"]
    refused = alice.get(f"/api/transfer/{ringing}", number="sip:dave@127.0.0.1")
    assert refused.status_code == 409
    assert refused.json()["error"]["state"] == "ringing"
    alice.ok(f"/api/hangup/{ringing}")

    alice.ok("/api/hangup")
    alice.wait_no_calls()
    ended = alice.get(f"/api/transfer/{session_id}", number="sip:carol@127.0.0.1")
    assert ended.status_code == 409
    assert ended.json()["error"]["state"] == "ended"
