"""The event models in the OpenAPI document and at /api/events/schema agree with the serializer;
/api/status counts events, CTI and history; /api/recents pages the history."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from phonebar.api.event_schemas import DESCRIPTIONS, EVENT_MODELS, EventMessage, event_json_schema
from phonebar.api.schemas import RecentsPage, Status
from phonebar.domain.events import EVENT_TYPES
from phonebar.domain.serialize import event_to_dict
from tests.api.conftest import ApiRig, error_code, make_rig
from tests.unit.samples import every_event


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


def test_every_event_type_has_a_model_and_a_description() -> None:
    types = {event.type for event in every_event()}
    assert types == set(EVENT_MODELS) == set(DESCRIPTIONS)
    assert {cls.type for cls in EVENT_TYPES} <= types


@pytest.mark.parametrize("event", every_event(), ids=lambda event: event.type)
def test_the_serializers_output_validates_strictly(event: object) -> None:
    body = event_to_dict(event)  # type: ignore[arg-type]
    message = EventMessage.model_validate_json(json.dumps(body), strict=True)
    # nothing the serializer wrote was dropped, defaulted or renamed on the way in
    assert _times(message.root.model_dump(mode="json", by_alias=True)) == _times(body)


def _times(value: Any) -> Any:
    """The same data with every timestamp as a datetime (pydantic writes microseconds)."""
    if isinstance(value, dict):
        return {key: _times(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_times(item) for item in value]
    if isinstance(value, str) and len(value) > 19 and value[4] == "-" and value[10] == "T":
        return datetime.fromisoformat(value)
    return value


async def test_the_schema_is_served_and_is_the_one_in_the_openapi_document(api: ApiRig) -> None:
    served = (await api.client.get("/api/events/schema")).json()
    assert served == json.loads(json.dumps(event_json_schema()))
    assert served["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(served["discriminator"]["mapping"]) == set(EVENT_MODELS)
    assert served["$defs"]["CallEnded"]["required"] == [
        "type",
        "seq",
        "at",
        "call",
        "reason",
        "sipStatus",
        "duration",
    ]
    document = (await api.client.get("/openapi.json")).json()
    components = document["components"]["schemas"]
    for model in EVENT_MODELS.values():
        assert model.__name__ in components
    stream = document["paths"]["/api/events"]["get"]["responses"]["200"]["content"]["text/event-stream"]
    data = stream["itemSchema"]["properties"]["data"]
    assert data["contentSchema"] == {"$ref": "#/components/schemas/EventMessage"}
    assert TypeAdapter(EventMessage).json_schema()["discriminator"]["propertyName"] == "type"


async def test_status_shows_event_cti_and_history_counters(api: ApiRig) -> None:
    api.engine.incoming()
    await settle()
    body = (await api.client.get("/api/status")).json()
    Status.model_validate(body)
    assert body["events"] == {"clients": 0, "lastSeq": 1, "droppedClients": 0}
    assert body["cti"] == {
        "rules": 0,
        "actions": 0,
        "succeeded": 0,
        "failures": 0,
        "running": 0,
        "lastFailure": None,
    }
    assert body["history"]["state"] == "disabled"


@pytest.fixture
async def with_history(tmp_path: Path) -> AsyncIterator[ApiRig]:
    rig = await make_rig({"history.enabled": "true", "history.path": str(tmp_path / "history.sqlite3")})
    yield rig
    await rig.client.aclose()
    await rig.daemon.stop()


async def test_recents_pages_the_ended_calls_newest_first(with_history: ApiRig) -> None:
    rig = with_history
    ids = []
    for _ in range(3):
        session_id = rig.engine.incoming()
        await settle()
        await rig.client.get(f"/api/answer/{session_id}")
        await settle()
        await rig.client.get(f"/api/hangup/{session_id}")
        await settle()
        ids.append(session_id)
    for _ in range(100):
        if rig.daemon.history.stats().recorded == 3:
            break
        await asyncio.sleep(0.01)
    first = RecentsPage.model_validate((await rig.client.get("/api/recents", params={"limit": 2})).json())
    assert [call.session_id for call in first.calls] == [ids[2], ids[1]]
    assert first.calls[0].end_reason.value == "local_hangup"
    assert first.next_before is not None
    rest = (await rig.client.get("/api/recents", params={"limit": 2, "before": first.next_before})).json()
    assert [call["sessionId"] for call in rest["calls"]] == [ids[0]]
    assert rest["nextBefore"] is None
    status = (await rig.client.get("/api/status")).json()["history"]
    assert (status["state"], status["recorded"], status["failures"]) == ("open", 3, 0)


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=501", "before=0", "before=x", "before=9223372036854775808"]
)
async def test_recents_refuses_bad_paging(api: ApiRig, query: str) -> None:
    response = await api.client.get(f"/api/recents?{query}")
    assert response.status_code == 400
    assert error_code(response) == "invalid_request"


async def test_the_websocket_asked_for_over_plain_http_says_how_to_connect(api: ApiRig) -> None:
    response = await api.client.get("/api/ws")
    assert response.status_code == 426
    assert response.headers["upgrade"] == "websocket"  # RFC 9110: 426 names the protocol
    error = response.json()["error"]
    assert error["code"] == "websocket_required"
    assert "ws://" in error["message"]
    assert "/api/events" in error["message"]
