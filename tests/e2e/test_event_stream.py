"""The event streams end to end: SSE and WebSocket clients see a real call's events in order,
resume after a disconnect, and a client that stops reading is cut off without slowing the
others."""

from __future__ import annotations

import socket
import time
from typing import Any

from tests.e2e.conftest import PhoneFactory
from tests.e2e.harness.event_streams import SseClient, WsClient
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.waiting import wait_until


def call_story(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(event["type"], event["call"]["state"]) for event in events]


def test_sse_and_websocket_clients_get_a_calls_events_in_order(
    kamailio: Kamailio, phones: PhoneFactory
) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice")
    carol = phones("carol", kamailio=kamailio, user="carol")
    sse, ws = SseClient(alice.base_url), WsClient(alice.base_url)
    wait_until(lambda: alice.status()["events"]["clients"] == 2, timeout=5, what="both clients subscribed")

    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    ringing = alice.wait_call(state="ringing")
    session_id = ringing["sessionId"]
    alice.ok(f"/api/answer/{session_id}")
    alice.wait_call(sessionId=session_id, state="connected")
    carol.ok(f"/api/hangup/{outgoing['sessionId']}")
    for client in (sse, ws):
        client.wait_type("call_ended", session_id)

    expected = [
        ("call_created", "ringing"),
        ("call_state_changed", "connected"),
        ("call_answered", "connected"),
        ("call_state_changed", "ended"),
        ("call_ended", "ended"),
    ]
    assert call_story(sse.of_call(session_id)) == expected
    assert sse.events() == ws.events(), "SSE and WebSocket must carry the same JSON"
    seqs = [event["seq"] for event in sse.events()]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "sequence numbers must have no holes"
    assert all(item.frame_id == str(item.event["seq"]) for item in sse.received)
    assert all(item.frame_type == item.event["type"] for item in sse.received)
    ended = sse.of_call(session_id)[-1]
    assert (ended["reason"], ended["sipStatus"]) == ("remote_hangup", 200)
    assert ended["duration"] == ended["call"]["duration"]
    assert ended["call"]["answeredAt"] is not None
    sse.close()
    ws.close()


def test_a_reconnect_with_last_event_id_or_since_catches_up(kamailio: Kamailio, phones: PhoneFactory) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice")
    carol = phones("carol", kamailio=kamailio, user="carol")
    first = SseClient(alice.base_url)
    wait_until(lambda: alice.status()["events"]["clients"] == 1, timeout=5, what="the client subscribed")
    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    created = first.wait_type("call_created")
    first.close()
    session_id = created.event["call"]["sessionId"]
    last_id = int(created.frame_id or 0)

    # while nobody listens: answered and hung up
    alice.ok(f"/api/answer/{session_id}")
    alice.wait_call(sessionId=session_id, state="connected")
    carol.ok(f"/api/hangup/{outgoing['sessionId']}")
    alice.wait_no_calls()

    again = SseClient(alice.base_url, last_event_id=last_id)
    ws = WsClient(alice.base_url, since=last_id)
    for client in (again, ws):
        client.wait_type("call_ended", session_id)
    missed = again.events()
    assert missed[0]["seq"] == last_id + 1
    assert call_story([e for e in missed if e.get("call", {}).get("sessionId") == session_id]) == [
        ("call_state_changed", "connected"),
        ("call_answered", "connected"),
        ("call_state_changed", "ended"),
        ("call_ended", "ended"),
    ]
    assert ws.events() == missed
    again.close()
    ws.close()


def test_too_late_a_reconnect_gets_a_gap_notice(kamailio: Kamailio, phones: PhoneFactory) -> None:
    alice = phones("alice", kamailio=kamailio, user="alice", settings={"events": {"buffer": 10}})
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    call = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]
    alice.wait_call(sessionId=call["sessionId"], state="connected")
    for _ in range(6):
        alice.ok(f"/api/mute/{call['sessionId']}")
        alice.ok(f"/api/unmute/{call['sessionId']}")
    last = alice.status()["events"]["lastSeq"]
    assert last > 12
    late = SseClient(alice.base_url, last_event_id=1)
    gap = late.wait_type("gap")
    assert gap.frame_id is None  # a notice carries no id, so EventSource keeps its last one
    assert (gap.event["after"], gap.event["missedUntil"]) == (1, last - 10)
    wait_until(lambda: len(late.events()) == 11, timeout=5, what="the gap and the ten buffered events")
    assert [event["seq"] for event in late.events()[1:]] == list(range(last - 9, last + 1))
    late.close()


STUCK_REQUESTS = {
    "sse": b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "websocket": (
        b"GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ),
}


def stuck_client(port: int, request: bytes) -> socket.socket:
    """Asks for a stream with a tiny receive window, then never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
    sock.connect(("127.0.0.1", port))
    sock.sendall(request)
    return sock


def outcome_of(sock: socket.socket) -> tuple[str, int]:
    """Read what the server left for us: did it end the connection, or is it still hanging?"""
    sock.settimeout(8)
    received = 0
    try:
        while chunk := sock.recv(65536):
            received += len(chunk)
    except ConnectionResetError:
        return "reset", received
    except TimeoutError:
        return "still open", received
    finally:
        sock.close()
    return "closed", received


def test_a_stuck_client_is_cut_off_while_another_keeps_receiving(
    kamailio: Kamailio, phones: PhoneFactory
) -> None:
    settings = {"events": {"client_queue": 16, "write_timeout": 2}}
    alice = phones("alice", kamailio=kamailio, user="alice", settings=settings)
    phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    call = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]
    session_id = call["sessionId"]
    alice.wait_call(sessionId=session_id, state="connected")

    stuck = {kind: stuck_client(alice.api_port, request) for kind, request in STUCK_REQUESTS.items()}
    reader, ws_reader = SseClient(alice.base_url), WsClient(alice.base_url)
    wait_until(
        lambda: alice.status()["events"]["clients"] == 4, timeout=5, what="all four clients subscribed"
    )

    toggles = 800  # ~0.7 KB per event: well beyond what a stuck socket's buffers hold (~200 KB)
    answered_at = []
    for number in range(toggles):
        alice.ok(f"/api/{'mute' if number % 2 == 0 else 'unmute'}/{session_id}")
        answered_at.append(time.monotonic())  # the event is published before the answer leaves
    cut_at = time.monotonic()
    status = wait_until(
        lambda: (events := alice.status()["events"])["droppedClients"] == 2 and events,
        timeout=5,
        what="both stuck clients to be dropped",
    )
    assert status["clients"] == 2

    # the readers missed nothing and were never held up
    ws_reader.wait_for(lambda event: event["seq"] == status["lastSeq"], timeout=5)
    assert ws_reader.events() == reader.events()
    toggled = [item for item in reader.received if item.event["type"] in ("call_muted", "call_unmuted")]
    assert [item.event["type"] for item in toggled] == ["call_muted", "call_unmuted"] * (toggles // 2)
    seqs = [event["seq"] for event in reader.events()]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    lags = sorted(item.at - answered for item, answered in zip(toggled, answered_at, strict=True))
    print(
        f"\nwhile two clients were stuck, a reader got each event (vs the command's answer): "
        f"median {lags[len(lags) // 2] * 1000:+.1f} ms, "
        f"max {lags[-1] * 1000:.1f} ms over {toggles} events"
    )
    assert lags[-1] < 1.0

    # the stuck ones: the server reset their connections, it did not wait for them to read
    for kind, sock in stuck.items():
        outcome, received = outcome_of(sock)
        after = time.monotonic() - cut_at
        print(f"stuck {kind} client: {outcome} after it read {received} bytes, {after:.1f} s after the burst")
        assert outcome in ("closed", "reset"), kind
    reader.close()
    ws_reader.close()
