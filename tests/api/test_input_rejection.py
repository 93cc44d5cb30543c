"""Hostile numbers, URIs, DTMF and sessionIds over HTTP: each is a 400 with a code, and no
command reaches the engine. (The same attempts against real SIP: tests/e2e/test_injection.py.)"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import pytest

from tests.api.conftest import ApiRig, error_code
from tests.unit.domain.test_input_validation import INJECTIONS

BAD_SESSION_IDS = [
    "a b",
    "a;b",
    "a\r\nb",
    "a%0d%0ab",
    "../calls",
    "x" * 65,
    "\uff41",  # fullwidth a
    "<script>",
    'a"b',
    "a@b",
]
BAD_DIGITS = ["1;2", "1\r\nVia: x", "12%0a", "E", "1 2", "\uff11", "1" * 65, "1,2", "#<"]
# as they appear in a URL: percent-encoded once, twice, and raw where a URL allows it
RAW_PATHS = [
    "/api/originate/1001%0d%0aVia:%20x",
    "/api/originate/1001%250d%250aVia:%20x",
    "/api/originate/1001%2525250a",
    "/api/originate/1001%3Buser=phone",
    "/api/originate/1001%40evil.example",
    "/api/originate/sip:bob%40evil.example%3Bmaddr=10.0.0.1",
    "/api/originate/sip:bob@evil.example%3Ftransport=tcp",
    "/api/originate/%EF%BC%91%EF%BC%90",
    "/api/originate/%C0%AE%C0%AE",  # overlong UTF-8, not even valid
    "/api/originate/%FF%FE",
    "/api/originate?number=1001%0aSubject:x",
    "/api/originate?number=1001&number=sip:bob@evil.example%3Bmaddr=x",
]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def commands(rig: ApiRig) -> list[str]:
    return [name for name in rig.engine.names() if name in ("dial", "transfer", "send_dtmf", "hold")]


async def test_hostile_numbers_are_refused(api: ApiRig) -> None:
    wrong = []
    for number in INJECTIONS:
        for route in ("path", "query"):
            if route == "path":
                response = await api.client.get(f"/api/originate/{quote(number, safe='')}")
            else:
                response = await api.client.get("/api/originate", params={"number": number})
            expected = (400, "invalid_number")
            if route == "path" and "/" in number:  # a slash, even encoded, splits the path
                expected = (404, "not_found")
            if (response.status_code, error_code(response)) != expected:
                wrong.append((route, number, response.status_code, response.text))
    assert wrong == []
    assert commands(api) == []
    assert api.daemon.phone.calls() == []


@pytest.mark.parametrize("path", RAW_PATHS)
async def test_hostile_urls_are_refused(api: ApiRig, path: str) -> None:
    response = await api.client.get(path)
    assert response.status_code == 400, response.text
    assert error_code(response) in ("invalid_number", "missing_number")
    assert commands(api) == []


@pytest.mark.parametrize("number", INJECTIONS[:12] + INJECTIONS[-12:])
async def test_hostile_transfer_targets_are_refused_on_a_live_call(api: ApiRig, number: str) -> None:
    session_id = (await api.client.get("/api/originate/1001")).json()["call"]["sessionId"]
    api.engine.far_end_answers(session_id)
    await settle()
    before = commands(api)
    for url in ("/api/transfer", f"/api/transfer/{session_id}"):
        response = await api.client.get(url, params={"number": number})
        assert response.status_code == 400, response.text
        assert error_code(response) == "invalid_number"
    assert commands(api) == before  # not even the hold that precedes a REFER
    [call] = (await api.client.get("/api/calls")).json()
    assert call["state"] == "connected"


@pytest.mark.parametrize("digits", BAD_DIGITS)
async def test_hostile_dtmf_is_refused(api: ApiRig, digits: str) -> None:
    session_id = (await api.client.get("/api/originate/1001")).json()["call"]["sessionId"]
    api.engine.far_end_answers(session_id)
    await settle()
    response = await api.client.get(f"/api/dtmf/{session_id}/{quote(digits, safe='')}")
    assert response.status_code == 400, response.text
    assert error_code(response) == "invalid_digits"
    assert "send_dtmf" not in api.engine.names()


SESSION_ROUTES = [
    "/api/calls/{}",
    "/api/answer/{}",
    "/api/hangup/{}",
    "/api/hold/{}",
    "/api/unhold/{}",
    "/api/mute/{}",
    "/api/unmute/{}",
    "/api/transfer/{}?number=1002",
    "/api/transfer/attendant/{}/abc-1",
    "/api/transfer/attendant/abc-1/{}",
    "/api/dtmf/{}/1",
]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_hostile_session_ids_are_refused_on_every_route(api: ApiRig, method: str) -> None:
    wrong = []
    for template in SESSION_ROUTES:
        if method == "POST" and template.startswith("/api/calls"):
            continue  # a query, GET only
        for session_id in BAD_SESSION_IDS:
            path, _, query = template.partition("?")
            url = path.format(quote(session_id, safe="")) + (f"?{query}" if query else "")
            response = await api.client.request(method, url)
            expected = (404, "not_found") if "/" in session_id else (400, "invalid_session_id")
            if (response.status_code, error_code(response)) != expected:
                wrong.append((url, response.status_code, response.text))
    assert wrong == []
    assert commands(api) == []
