"""The live event stream: Server-Sent Events at /api/events, a WebSocket at /api/ws, and the
JSON Schema of its messages at /api/events/schema.

Both streams carry the same JSON (one serializer). A client resumes with
``Last-Event-ID`` (SSE) or ``?since=N`` and first gets what it missed, or a
``gap`` notice. Delivery and its bounds: :mod:`phonebar.api.event_stream`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Query, WebSocket
from fastapi.responses import JSONResponse

from phonebar.api.deps import PhoneDep, StreamOptionsDep
from phonebar.api.errors import error_response
from phonebar.api.event_schemas import EventMessage, event_json_schema
from phonebar.api.event_stream import EventStreamResponse, StreamOptions, websocket_stream
from phonebar.api.routing import json_response
from phonebar.errors import UpgradeRequired
from phonebar.services.event_bus import EventBus

router = APIRouter(prefix="/api", tags=["events"])

# OpenAPI 3.2's description of an event stream: each item's data is one EventMessage
SSE_ITEM_SCHEMA = {
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "id": {"type": "string", "description": "the event's seq (absent on notices)"},
        "event": {"type": "string", "description": "the event's type"},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {"$ref": "#/components/schemas/EventMessage"},
        },
        "retry": {"type": "integer", "minimum": 0},
    },
}
_SINCE = "resume after this sequence number: what was missed comes first (or a gap notice)"


@router.get(
    "/events",
    operation_id="events",
    summary="Server-Sent Events: every call and registration event",
    response_class=EventStreamResponse,
    response_model=EventMessage,
    response_description="one frame per event: `id: <seq>`, `event: <type>`, `data: <JSON>`, a blank line",
    responses={200: {"content": {"text/event-stream": {"itemSchema": SSE_ITEM_SCHEMA}}}},
)
async def events(
    phone: PhoneDep,
    options: StreamOptionsDep,
    since: int | None = Query(default=None, ge=0, description=_SINCE),
    last_event_id: int | None = Header(default=None, ge=0, description="sent by EventSource on reconnect"),
) -> EventStreamResponse:
    resume = since if since is not None else last_event_id
    return EventStreamResponse(phone.ctx.bus, resume, options)


@router.get(
    "/events/schema",
    operation_id="events_schema",
    summary="JSON Schema (2020-12) of one event message",
    response_model=dict[str, Any],
)
async def events_schema() -> JSONResponse:
    return json_response(event_json_schema())


@router.get("/ws", include_in_schema=False)  # an answer to a mistake, not a route to call
async def websocket_over_http() -> JSONResponse:
    error = UpgradeRequired(
        "/api/ws is a WebSocket: connect with a WebSocket client (ws://host:port/api/ws), "
        "or read the same events as Server-Sent Events at /api/events"
    )
    return error_response(error, headers={"Upgrade": "websocket", "Connection": "Upgrade"})


@router.websocket("/ws")
async def websocket_events(websocket: WebSocket, since: int | None = Query(default=None, ge=0)) -> None:
    bus: EventBus = websocket.app.state.phone.ctx.bus
    options: StreamOptions = websocket.app.state.stream_options
    await websocket_stream(websocket, bus, since, options)
