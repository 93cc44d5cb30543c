"""A burst of click-to-dials at a number that refuses at once must not kill the daemon.

PJSIP frees a closed socket's ioqueue slot only 500 ms after the call that used it ended;
with every slot taken the next call's RTP socket aborts the process (an assertion in C).
A CRM retrying in a loop used to do that in 33 dials; now the excess gets 503."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from bench.sip import parse, response

from tests.e2e.conftest import PhoneFactory


@pytest.fixture
def busy_peer() -> Iterator[int]:
    """A UDP port that answers every INVITE with 486 Busy Here."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, source = sock.recvfrom(65535)
            except TimeoutError:
                continue
            message = parse(data)
            if message is None or not message.is_request or message.method == "ACK":
                continue
            status, reason = (486, "Busy Here") if message.method == "INVITE" else (200, "OK")
            sock.sendto(response(message, status, reason, to_tag="busy").encode(), source)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    sock.close()


def test_a_burst_of_dials_is_refused_with_503_not_an_abort(phones: PhoneFactory, busy_peer: int) -> None:
    agent = phones("agent", tone_hz=False)
    target = f"/api/originate/sip:busy@127.0.0.1:{busy_peer}"
    answers = []
    for _ in range(60):
        response_ = agent.get(target)
        answers.append((response_.status_code, response_.json()))
    assert agent.process is not None
    assert agent.process.running, agent.log()[-3000:]
    # the excess is refused: by the rate limit, or, when the 486s come back slower than we
    # dial (a loaded machine), by the line limit first
    refused = {"call_rate_limit", "line_limit"}
    for status, body in answers:
        assert status == 200 or (status == 503 and body["error"]["code"] in refused), body
    assert answers[0][0] == 200
    time.sleep(1.0)  # the slots are free again
    assert agent.get(target).status_code == 200
    agent.wait_no_calls()
