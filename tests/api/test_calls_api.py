"""The Universal Bar routes: shapes, GET and POST, the error JSON for every failure."""

from __future__ import annotations

import asyncio

import pytest

from phonebar.api.schemas import Call, CallResult, CallsResult, Status
from tests.api.conftest import ApiRig, error_code


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_calls_is_an_empty_list_at_start(api: ApiRig) -> None:
    response = await api.client.get("/api/calls")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == []


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_originate_returns_the_new_call(api: ApiRig, method: str) -> None:
    response = await api.client.request(method, "/api/originate/1001")
    assert response.status_code == 200, response.text
    body = CallResult.model_validate(response.json())
    assert body.call.state.value == "dialing"
    assert body.call.number == "1001"
    listed = (await api.client.get("/api/calls")).json()
    assert [Call.model_validate(call).session_id for call in listed] == [body.call.session_id]


async def test_originate_with_a_query_number(api: ApiRig) -> None:
    response = await api.client.get("/api/originate", params={"number": "1002"})
    assert response.status_code == 200
    missing = await api.client.get("/api/originate")
    assert missing.status_code == 400
    assert error_code(missing) == "missing_number"


@pytest.mark.parametrize(
    ("query", "dialled"),
    [
        ("number=+442079460000", "+442079460000"),  # typed by hand: + means the prefix
        ("number=%2B44+20+7946+0000", "+442079460000"),  # URLSearchParams: + is %2B, spaces are +
        ("number=+44%2020%207946%200000", "+442079460000"),
        ("number=020+7946+0000", "02079460000"),  # form-encoded spaces stay spaces
        ("number=1&number=+1003", "+1003"),  # the last one counts, as for every parameter
        ("number=+(1003)", "1003"),  # a space before a bracket: no prefix meant
    ],
)
async def test_a_leading_plus_in_the_query_is_the_international_prefix(
    api: ApiRig, query: str, dialled: str
) -> None:
    response = await api.client.get(f"/api/originate?{query}")
    assert response.status_code == 200, response.text
    assert response.json()["call"]["number"] == dialled
    api.engine.far_end_answers(response.json()["call"]["sessionId"])
    await settle()
    blind = await api.client.get(f"/api/transfer?{query}")  # the same parameter, the same rule
    assert blind.status_code == 200, blind.text
    assert blind.json()["call"]["transfer"]["target"].startswith(f"sip:{dialled}@")


async def test_answer_and_hangup_an_inbound_call(api: ApiRig) -> None:
    session_id = api.engine.incoming()
    await settle()
    answered = await api.client.get(f"/api/answer/{session_id}")
    assert answered.status_code == 200
    await settle()
    [call] = (await api.client.get("/api/calls")).json()
    assert call["state"] == "connected"
    hung_up = CallsResult.model_validate((await api.client.get("/api/hangup")).json())
    assert hung_up.session_ids == [session_id]


async def test_status_never_shows_the_password() -> None:
    from tests.api.conftest import make_rig

    rig = await make_rig(
        {"account.server": "pbx.test", "account.user": "agent", "account.password": "s3cret-pw"}
    )
    try:
        response = await rig.client.get("/api/status")
        Status.model_validate(response.json())
        assert "s3cret-pw" not in response.text
        assert response.json()["account"]["user"] == "agent"
    finally:
        await rig.client.aclose()
        await rig.daemon.stop()


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/answer", 409, "no_ringing_call"),
        ("/api/answer/nosuch-1", 404, "call_not_found"),
        ("/api/hangup/nosuch-1", 404, "call_not_found"),
        ("/api/originate/12a", 400, "invalid_number"),
        ("/api/originate/%0d%0a", 400, "invalid_number"),
        ("/api/answer/a%0db", 400, "invalid_session_id"),
        ("/api/nothing-here", 404, "not_found"),
    ],
)
async def test_errors_are_json_with_a_code(api: ApiRig, path: str, status: int, code: str) -> None:
    response = await api.client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert error_code(response) == code
    assert response.json()["error"]["message"]


async def test_wrong_method_is_a_json_405(api: ApiRig) -> None:
    response = await api.client.delete("/api/calls")
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"


async def test_openapi_lists_every_route_with_unique_operation_ids(api: ApiRig) -> None:
    document = (await api.client.get("/openapi.json")).json()
    operations = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(operations) == len(set(operations))
    for path in [
        "/api/calls",
        "/api/answer/{session_id}",
        "/api/originate/{number}",
        "/api/hangup",
        "/api/status",
        "/api/hold",
        "/api/transfer/{session_id}",
        "/api/conference",
    ]:
        assert path in document["paths"], path


async def test_originate_lists_the_call_it_put_on_hold(api: ApiRig) -> None:
    first = api.engine.incoming()
    await settle()
    answered = (await api.client.get(f"/api/answer/{first}")).json()
    assert answered["held"] == []
    await settle()
    body = CallResult.model_validate((await api.client.get("/api/originate/1002")).json())
    assert [call.session_id for call in body.held or []] == [first]
    assert api.engine.names()[-2:] == ["hold", "dial"]


async def test_a_trailing_slash_is_the_same_route_not_a_redirect(api: ApiRig) -> None:
    listed = await api.client.get("/api/calls/")
    assert (listed.status_code, listed.json()) == (200, [])
    dialled = await api.client.get("/api/originate/?number=1001")
    assert dialled.status_code == 200, dialled.text
    assert dialled.json()["call"]["number"] == "1001"
    missing = await api.client.post("/api/originate//")
    assert (missing.status_code, error_code(missing)) == (400, "missing_number")
    page = await api.client.get("/example/")
    assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
    unknown = await api.client.get("/api/nothing/")
    assert (unknown.status_code, error_code(unknown)) == (404, "not_found")
    assert "/api/nothing" in unknown.json()["error"]["message"]
