"""The live event stream: Server-Sent Events at /api/events and a WebSocket at /api/ws.

Both carry the same JSON (one serializer). A client resumes with ``Last-Event-ID``
(SSE) or ``?since=N`` and first gets what it missed, or a ``gap`` notice.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Header, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from phonebar.api.deps import PhoneDep
from phonebar.domain.events import Event, Overflow, Shutdown
from phonebar.domain.serialize import event_to_dict
from phonebar.services.event_bus import EventBus

router = APIRouter(prefix="/api", tags=["events"])

KEEPALIVE = 15.0
_FINAL = (Overflow, Shutdown)


def sse_frame(event: Event) -> str:
    data = json.dumps(event_to_dict(event), separators=(",", ":"))
    head = f"id: {event.seq}\n" if event.seq else ""
    return f"{head}event: {event.type}\ndata: {data}\n\n"


async def sse_stream(bus: EventBus, since: int | None) -> AsyncIterator[str]:
    subscription = bus.subscribe(since)
    try:
        yield "retry: 2000\n: phonebar event stream\n\n"
        while True:
            try:
                event = await asyncio.wait_for(subscription.get(), KEEPALIVE)
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            yield sse_frame(event)
            if isinstance(event, _FINAL):
                return
    finally:
        subscription.close()


@router.get(
    "/events",
    operation_id="events",
    summary="Server-Sent Events: every call and registration event",
    response_class=StreamingResponse,
)
async def events(
    phone: PhoneDep,
    since: int | None = Query(default=None, ge=0, description="resume after this sequence number"),
    last_event_id: int | None = Header(default=None, ge=0, description="set by EventSource on reconnect"),
) -> StreamingResponse:
    resume = since if since is not None else last_event_id
    return StreamingResponse(
        sse_stream(phone.ctx.bus, resume),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.websocket("/ws")
async def websocket_events(websocket: WebSocket, since: int | None = Query(default=None, ge=0)) -> None:
    bus: EventBus = websocket.app.state.phone.ctx.bus
    await websocket.accept()
    subscription = bus.subscribe(since)
    try:
        while True:
            event = await subscription.get()
            await websocket.send_json(event_to_dict(event))
            if isinstance(event, _FINAL):
                await websocket.close(code=1000 if isinstance(event, Shutdown) else 1008)
                return
    except WebSocketDisconnect:
        return
    finally:
        subscription.close()
