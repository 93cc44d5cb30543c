"""Hostile numbers, URIs, DTMF and sessionIds against a real daemon on a live call: every
attempt is a 400 with a code, and nothing reaches the wire.

The far end is a strict sipp UAS that accepts one INVITE, its ACK and a BYE and fails
on anything else (a re-INVITE for the hold before a REFER, the REFER, an INFO). The
daemon logs every SIP message it sends (PJSIP level 5), whatever its destination, so
an INVITE to another domain would show too.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import quote

from tests.api.test_input_rejection import BAD_DIGITS, BAD_SESSION_IDS, RAW_PATHS, SESSION_ROUTES
from tests.e2e.conftest import PhoneFactory
from tests.e2e.harness.phonebar_process import PhonebarProcess
from tests.e2e.harness.sipp import Sipp
from tests.unit.domain.test_input_validation import INJECTIONS


def sent_requests(phone: PhonebarProcess) -> list[str]:
    """Every SIP request the daemon put on the wire, as 'METHOD destination'."""
    return re.findall(r"TX \d+ bytes Request msg (\w+)/cseq=\d+ \([^)]*\) to (\S+)", phone.log())


def error_of(response: object) -> tuple[int, str]:
    status = response.status_code  # type: ignore[attr-defined]
    return status, response.json()["error"]["code"]  # type: ignore[attr-defined]


def test_hostile_input_never_reaches_the_wire(tmp_path: Path, phones: PhoneFactory) -> None:
    far_end = Sipp(tmp_path, "sipp-uas.xml", None)
    alice = phones(
        "alice",
        settings={
            "account": {"domain": f"127.0.0.1:{far_end.port}"},  # numbers go to the sipp far end
            "calls": {"dtmf_method": "info"},  # DTMF as SIP INFO, so a digit would be on the wire
            "log": {"sip_level": 5},
        },
    )
    call = alice.ok("/api/originate/1001")["call"]
    session_id = call["sessionId"]
    alice.wait_call(sessionId=session_id, state="connected")
    sent = sent_requests(alice)
    assert [method for method, _ in sent] == ["INVITE", "ACK"], sent

    wrong = []

    def expect(url: str, params: dict[str, str] | None, codes: set[tuple[int, str]]) -> None:
        response = alice.api.get(url, params=params)
        if error_of(response) not in codes:
            wrong.append((url, params, response.status_code, response.text))

    invalid_number = {(400, "invalid_number")}
    for number in INJECTIONS:
        no_route = {(404, "not_found")} if "/" in number else set()
        expect(f"/api/originate/{quote(number, safe='')}", None, no_route or invalid_number)
        expect("/api/originate", {"number": number}, invalid_number)
        expect("/api/transfer", {"number": number}, invalid_number)
        expect(f"/api/transfer/{session_id}", {"number": number}, invalid_number)
    for path in RAW_PATHS:
        expect(path, None, invalid_number | {(400, "missing_number")})
    for digits in BAD_DIGITS:
        expect(f"/api/dtmf/{session_id}/{quote(digits, safe='')}", None, {(400, "invalid_digits")})
    for template in SESSION_ROUTES:
        for bad in BAD_SESSION_IDS:
            path, _, query = template.partition("?")
            url = path.format(quote(bad, safe=""))
            codes = {(404, "not_found")} if "/" in bad else {(400, "invalid_session_id")}
            expect(url, dict([query.split("=")]) if query else None, codes)
    assert wrong == []

    time.sleep(1.0)
    assert sent_requests(alice) == sent, "a refused request put SIP on the wire"
    [still] = alice.calls()
    assert (still["sessionId"], still["state"], still["hold"]) == (session_id, "connected", False)

    alice.ok(f"/api/hangup/{session_id}")
    assert far_end.wait(timeout=20) == 0, far_end.messages()[-3000:]
    wire = far_end.messages()
    assert len(re.findall(r"^INVITE sip:", wire, re.MULTILINE)) == 1
    assert not re.search(r"^(REFER|INFO|UPDATE|MESSAGE) sip:", wire, re.MULTILINE)
    assert [method for method, _ in sent_requests(alice)] == ["INVITE", "ACK", "BYE"]
