"""Malformed and hostile SIP straight at the agent's SIP port: every message is answered
with an error or dropped, and the daemon then takes and places calls as before.

sipp sends the scenario of peers/sipp-uac-hostile.xml.in (garbage, an unknown method,
huge and many headers, broken SDP, requests for dialogs that do not exist) and checks
each answer; then random datagrams, and SIP messages with random bytes changed, arrive
by the thousand.
"""

from __future__ import annotations

import random
import socket
import time
from pathlib import Path

from tests.e2e.conftest import PhoneFactory
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.phonebar_process import PhonebarProcess
from tests.e2e.harness.sipp_hostile import hostile_peer

SDP = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
)
INVITE = (
    "INVITE sip:alice@127.0.0.1:{port} SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:{me};branch=z9hG4bK-mutant-{n}\r\n"
    'From: "Mutant" <sip:mutant@127.0.0.1>;tag=mut{n}\r\n'
    "To: <sip:alice@127.0.0.1>\r\n"
    "Call-ID: mutant-{n}@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:mutant@127.0.0.1:{me}>\r\n"
    "Max-Forwards: 70\r\n"
    "Content-Type: application/sdp\r\n"
    f"Content-Length: {len(SDP)}\r\n\r\n{SDP}"
)
RANDOM_DATAGRAMS = 1000
MUTANTS = 1000
PACE = 0.004  # s between datagrams: a flood, yet within what the SIP stack can absorb (README, Security)


def mutant(rng: random.Random, port: int, me: int, n: int) -> bytes:
    """A valid INVITE with a few random bytes changed, dropped or repeated."""
    data = bytearray(INVITE.format(port=port, me=me, n=n).encode())
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(data))
        match rng.randrange(3):
            case 0:
                data[at] = rng.randrange(256)
            case 1:
                del data[at]
            case _:
                data[at:at] = data[at : at + rng.randint(1, 40)] * rng.randint(1, 20)
    return bytes(data)


def flood(phone: PhonebarProcess) -> None:
    rng = random.Random(6)  # the same datagrams on every run
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        me = sock.getsockname()[1]
        target = ("127.0.0.1", phone.sip_port)
        for _ in range(RANDOM_DATAGRAMS):
            sock.sendto(rng.randbytes(rng.randint(1, 1400)), target)
            time.sleep(PACE)
        for n in range(MUTANTS):
            sock.sendto(mutant(rng, phone.sip_port, me, n), target)
            time.sleep(PACE)
            if n % 50 == 49:
                phone.ok("/api/hangup")  # the mutants that still ring would hold every line


def test_hostile_sip_is_answered_or_dropped_and_the_daemon_carries_on(
    tmp_path: Path, kamailio: Kamailio, phones: PhoneFactory
) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice")
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)

    peer = hostile_peer(tmp_path, f"127.0.0.1:{alice.sip_port}")
    assert peer.wait(timeout=60) == 0, peer.messages()[-3000:]
    assert alice.calls() == []  # the one that rang was cancelled
    cancelled = [line for line in alice.log().splitlines() if "ringing -> ended" in line]
    assert len(cancelled) == 1, cancelled

    flood(alice)
    alice.ok("/api/hangup")
    alice.wait_no_calls()
    status = alice.status()
    assert (status["engine"], status["registration"]["state"]) == ("running", "registered")

    # the next calls, both ways, as if nothing happened
    mine = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]["sessionId"]
    alice.wait_call(sessionId=mine, state="connected")
    alice.ok(f"/api/hangup/{mine}")
    bob.wait_no_calls()
    bob.ok("/api/originate/sip:alice@127.0.0.1")
    ringing = alice.wait_call(state="ringing", number="bob")
    alice.ok(f"/api/answer/{ringing['sessionId']}")
    alice.wait_call(sessionId=ringing["sessionId"], state="connected")
    log = alice.log()
    assert "Traceback" not in log
    assert "internal error" not in log
    assert alice.stop() == 0
