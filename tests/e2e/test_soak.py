"""Three hundred calls in a row through Kamailio: none is leaked (the line limit is never
reached, both ends are idle after each call) and the daemon's memory stops growing."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.conftest import PhoneFactory
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.phonebar_process import PhonebarProcess

CALLS = 300
SAMPLE_EVERY = 50
# The first ~200 calls fill what is bounded by design: the 64 recently ended calls kept
# for /api/calls/{id}, the event buffer, PJSIP's pool cache, Python's allocator. Measured
# (700 calls): +7 MB over the first 200, then +0.4 MB over the next 500.
TOTAL_GROWTH_MAX_MB = 15.0
LAST_HUNDRED_GROWTH_MAX_MB = 1.5


def rss_mb(phone: PhonebarProcess) -> float:
    assert phone.process is not None
    for line in Path(f"/proc/{phone.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def one_call(alice: PhonebarProcess, bob: PhonebarProcess) -> None:
    call = alice.ok("/api/originate/sip:bob@127.0.0.1")["call"]  # a 503 line_limit fails here
    alice.wait_call(sessionId=call["sessionId"], state="connected")
    alice.ok(f"/api/hangup/{call['sessionId']}")
    alice.wait_no_calls()
    bob.wait_no_calls()


def test_three_hundred_calls_in_a_row_leak_nothing(kamailio: Kamailio, phones: PhoneFactory) -> None:
    # each call plays the tone and records what alice hears: players and recorders come and go too
    alice = phones("alice", kamailio=kamailio, user="alice")
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    rss = {0: rss_mb(alice)}
    started = time.monotonic()
    for n in range(1, CALLS + 1):
        one_call(alice, bob)
        if n % SAMPLE_EVERY == 0:
            rss[n] = rss_mb(alice)
    took = time.monotonic() - started
    series = ", ".join(f"{n}: {mb:.1f}" for n, mb in rss.items())
    print(
        f"{CALLS} calls in {took:.0f} s ({took / CALLS * 1000:.0f} ms each); "
        f"alice's RSS in MB after n calls: {series}"
    )
    status = alice.status()
    assert status["lines"] == {"max": 4, "inUse": 0}
    assert status["registration"]["state"] == "registered"
    assert len(kamailio.requests("INVITE", to_user="bob")) >= CALLS
    assert rss[CALLS] - rss[0] < TOTAL_GROWTH_MAX_MB, series
    assert rss[CALLS] - rss[CALLS - 100] < LAST_HUNDRED_GROWTH_MAX_MB, series
    one_call(alice, bob)  # and the next one still works
