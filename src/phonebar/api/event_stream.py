"""Pumping the bus to one client: Server-Sent Events or a WebSocket, every write bounded.

Frames (stable; the web bar and CRMs parse them):

- SSE: ``id: <seq>`` (absent on notices), ``event: <type>``, ``data: <JSON>``, then a
  blank line; a ``: keepalive`` comment every 15 s of silence.
- WebSocket: one text message per event, the same JSON.

The JSON is :func:`phonebar.domain.serialize.event_to_dict`, compact, UTF-8.

A client is cut off when its bus queue overflows (it gets an ``overflow``
notice, if it can still take one, then the stream ends) or when one write does
not complete within ``write_timeout`` (it stopped reading: the connection is
reset, see :mod:`phonebar.api.connection`). Either way the bus, the engine and
the other clients never wait for it. A client that reads the final notice gets
``linger`` seconds to read the rest before the connection is reset too.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from enum import Enum

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from phonebar.api.connection import ConnectionControl, connection_control
from phonebar.domain.events import Event, Overflow, Shutdown
from phonebar.domain.serialize import event_to_dict
from phonebar.services.event_bus import EventBus, Subscription

log = logging.getLogger(__name__)

FINAL = (Overflow, Shutdown)
SSE_PREAMBLE = b"retry: 2000\n: phonebar event stream\n\n"
SSE_KEEPALIVE = b": keepalive\n\n"
WS_CLOSE_CODES = {Shutdown: 1000, Overflow: 1008}
SEND_BUFFER = 64 * 1024  # the kernel doubles it; events are ~1 KB and come a few a second


@dataclass(frozen=True)
class StreamOptions:
    keepalive: float = 15.0
    write_timeout: float = 10.0
    linger: float = 5.0


def event_json(event: Event) -> str:
    return json.dumps(event_to_dict(event), separators=(",", ":"), ensure_ascii=False)


def sse_frame(event: Event) -> bytes:
    head = f"id: {event.seq}\n" if event.seq else ""
    return f"{head}event: {event.type}\ndata: {event_json(event)}\n\n".encode()


class Write(Enum):
    SENT = "sent"
    STALLED = "stalled"  # not done within the timeout: the client stopped reading
    GONE = "gone"  # the client disconnected


async def bounded(write: Awaitable[None], timeout: float) -> Write:
    try:
        async with asyncio.timeout(timeout):
            await write
    except TimeoutError:
        return Write.STALLED
    except (OSError, WebSocketDisconnect):
        return Write.GONE
    return Write.SENT


class EventStreamResponse(Response):
    """``text/event-stream`` of the bus, from ``since`` on (see the module docstring)."""

    media_type = "text/event-stream"

    def __init__(
        self, bus: EventBus, since: int | None, options: StreamOptions, status_code: int = 200
    ) -> None:
        self._bus = bus
        self._since = since
        self._options = options
        self.status_code = status_code
        self.background = None
        # one stream per connection: once it ends the connection closes, so a stalled tail can be reset
        self.init_headers({"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "close"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        subscription = self._bus.subscribe(self._since)
        control = connection_control(scope)
        if control is not None:
            control.limit_send_buffer(SEND_BUFFER)
        await _until_either(self._pump(send, subscription, control), _client_gone_http(receive), subscription)

    async def _pump(self, send: Send, subscription: Subscription, control: ConnectionControl | None) -> None:
        options = self._options

        async def write(body: bytes, more: bool = True) -> bool:
            message: Message = {"type": "http.response.body", "body": body, "more_body": more}
            result = await bounded(send(message), options.write_timeout)
            return _went_out(result, self._bus, subscription, control)

        start: Message = {"type": "http.response.start", "status": 200, "headers": self.raw_headers}
        if not _went_out(await bounded(send(start), options.write_timeout), self._bus, subscription, control):
            return
        if not await write(SSE_PREAMBLE):
            return
        while True:
            event: Event | None = None
            try:
                async with asyncio.timeout(options.keepalive):
                    event = await subscription.get()
            except TimeoutError:
                chunk = SSE_KEEPALIVE
            else:
                chunk = sse_frame(event)
            if not await write(chunk):
                return
            if isinstance(event, FINAL):
                break
        # not write(): with Connection: close the server closes the transport as this goes out
        final: Message = {"type": "http.response.body", "body": b"", "more_body": False}
        result = await bounded(send(final), options.write_timeout)
        _closed(result, self._bus, subscription, control, options.linger)


async def websocket_stream(
    websocket: WebSocket, bus: EventBus, since: int | None, options: StreamOptions
) -> None:
    """The same stream over a WebSocket; closes 1000 after ``shutdown``, 1008 after ``overflow``."""
    control = connection_control(websocket.scope)
    if control is not None:
        control.limit_send_buffer(SEND_BUFFER)
    if await bounded(websocket.accept(), options.write_timeout) is not Write.SENT:
        if control is not None:
            control.abort()
        return
    subscription = bus.subscribe(since)

    async def pump() -> None:
        while True:
            event = await subscription.get()
            sent = await bounded(websocket.send_text(event_json(event)), options.write_timeout)
            if not _went_out(sent, bus, subscription, control):
                return
            if isinstance(event, FINAL):
                code = next(code for kind, code in WS_CLOSE_CODES.items() if isinstance(event, kind))
                closed = await bounded(websocket.close(code=code, reason=event.type), options.write_timeout)
                _closed(closed, bus, subscription, control, options.linger)
                return

    await _until_either(pump(), _client_gone_ws(websocket), subscription)


async def _until_either(
    pump: Awaitable[None], client_gone: Awaitable[None], subscription: Subscription
) -> None:
    """Run the pump until it ends or the client goes away, whichever comes first."""
    pump_task = asyncio.ensure_future(pump)
    gone_task = asyncio.ensure_future(client_gone)
    try:
        await asyncio.wait({pump_task, gone_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pump_task, gone_task):
            task.cancel()
        await asyncio.gather(pump_task, gone_task, return_exceptions=True)
        subscription.close()
    if pump_task.done() and not pump_task.cancelled() and pump_task.exception() is not None:
        raise pump_task.exception()  # type: ignore[misc]


async def _client_gone_http(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _client_gone_ws(websocket: WebSocket) -> None:
    # messages from the client are not part of the protocol: read and drop them
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass


def _went_out(
    result: Write, bus: EventBus, subscription: Subscription, control: ConnectionControl | None
) -> bool:
    """True if the write went out; a stalled one cuts the client off (counted, connection reset)."""
    if result is Write.SENT and control is not None and control.closing():
        # the client went away while a backlog was replayed: the replay never waits, so the
        # server has not been told yet, and each further write would be dropped with a warning
        return False
    if result is Write.STALLED:
        bus.drop(subscription, "a write stalled: the client stopped reading")
        if control is not None:
            control.abort()
    return result is Write.SENT


def _closed(
    result: Write, bus: EventBus, subscription: Subscription, control: ConnectionControl | None, linger: float
) -> None:
    """The stream's last write (the HTTP body's end, the WebSocket close) is done. Unlike
    :func:`_went_out`, a transport closing after it is success: the server closes it as
    that write goes out. The client then has ``linger`` seconds to read the rest."""
    if result is Write.SENT:
        _reset_later(control, linger)
    else:
        _went_out(result, bus, subscription, control)


def _reset_later(control: ConnectionControl | None, delay: float) -> None:
    """After the final frame the server closes gracefully, which waits for the client to
    read the rest; a client that never does is reset after ``delay`` seconds."""
    if control is not None:
        asyncio.get_running_loop().call_later(delay, _abort_quietly, control)


def _abort_quietly(control: ConnectionControl) -> None:
    with contextlib.suppress(Exception):
        control.abort()
