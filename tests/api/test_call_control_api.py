"""The call control routes over the FakeEngine: each answers GET and POST with the shape its
response model declares, and its errors as JSON with the right status and code."""

from __future__ import annotations

import asyncio

import pytest

from phonebar.api.schemas import CallResult, CallsResult, HoldResult
from phonebar.domain.ports import TransferStatusFact
from tests.api.conftest import ApiRig, error_code


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def connected(api: ApiRig, number: str) -> str:
    response = await api.client.get(f"/api/originate/{number}")
    session_id: str = response.json()["call"]["sessionId"]
    api.engine.far_end_answers(session_id)
    await settle()
    return session_id


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_hold_and_unhold_answer_with_a_hold_result(api: ApiRig, method: str) -> None:
    session_id = await connected(api, "1001")
    held = await api.client.request(method, f"/api/hold/{session_id}")
    assert held.status_code == 200, held.text
    body = HoldResult.model_validate(held.json())
    assert (body.action, body.state, body.session_ids) == ("held", "held", [session_id])
    await settle()
    resumed = HoldResult.model_validate((await api.client.request(method, "/api/unhold")).json())
    assert (resumed.action, resumed.state) == ("resumed", "connected")
    await settle()
    toggled = HoldResult.model_validate((await api.client.request(method, "/api/hold")).json())
    assert toggled.action == "held"


async def test_transfer_routes(api: ApiRig) -> None:
    first = await connected(api, "1001")
    second = await connected(api, "1002")
    attended = await api.client.get(f"/api/transfer/attendant/{first}/{second}")
    assert attended.status_code == 200, attended.text
    body = CallsResult.model_validate(attended.json())
    assert [call.state.value for call in body.calls] == ["transferring", "transferring"]
    api.engine.emit(TransferStatusFact(first, 603, "Decline", True))
    await settle()
    blind = await api.client.post(f"/api/transfer/{second}", params={"number": "1003"})
    assert blind.status_code == 200, blind.text
    call = CallResult.model_validate(blind.json()).call
    assert call.transfer is not None
    assert (call.transfer.kind.value, call.transfer.target) == ("blind", "sip:1003@pbx.test")


async def test_conference_dtmf_and_mute_routes(api: ApiRig) -> None:
    first = await connected(api, "1001")
    await connected(api, "1002")
    conference = CallsResult.model_validate((await api.client.get("/api/conference")).json())
    assert all(call.conference for call in conference.calls)
    await settle()
    dtmf = CallResult.model_validate((await api.client.get(f"/api/dtmf/{first}/12%23")).json())
    assert dtmf.action == "dtmf"
    assert api.engine.commands[-1] == ("send_dtmf", (first, "12#", "rfc2833"))
    muted = CallsResult.model_validate((await api.client.post("/api/mute")).json())
    assert [call.muted for call in muted.calls] == [True, True]
    unmuted = CallsResult.model_validate((await api.client.get(f"/api/unmute/{first}")).json())
    assert [call.muted for call in unmuted.calls] == [False]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/hold", 409, "no_active_call"),
        ("/api/unhold", 409, "no_active_call"),
        ("/api/hold/zzzzzz-99", 404, "call_not_found"),
        ("/api/transfer", 400, "missing_number"),
        ("/api/transfer?number=", 400, "missing_number"),
        ("/api/transfer?number=12a4", 400, "invalid_number"),
        ("/api/transfer?number=1002", 409, "no_active_call"),
        ("/api/transfer/zzzzzz-99?number=1002", 404, "call_not_found"),
        ("/api/transfer/attendant/zzzzzz-98/zzzzzz-99", 404, "call_not_found"),
        ("/api/conference", 409, "need_two_calls"),
        ("/api/dtmf/zzzzzz-99/12x", 400, "invalid_digits"),
        ("/api/dtmf/zzzzzz-99/12", 404, "call_not_found"),
        ("/api/mute", 409, "no_active_call"),
        ("/api/unmute/zzzzzz-99", 404, "call_not_found"),
    ],
)
async def test_call_control_errors(api: ApiRig, path: str, status: int, code: str) -> None:
    response = await api.client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert error_code(response) == code


async def test_attended_transfer_of_a_call_to_itself_is_same_call(api: ApiRig) -> None:
    session_id = await connected(api, "1001")
    response = await api.client.get(f"/api/transfer/attendant/{session_id}/{session_id}")
    assert response.status_code == 409
    assert error_code(response) == "same_call"
