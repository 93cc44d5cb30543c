"""The SSE and WebSocket pumps over fake ASGI ends: frames, stalled writes, overflow, disconnects."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from starlette.types import Message
from starlette.websockets import WebSocket

from phonebar.api.connection import EXTENSION
from phonebar.api.event_stream import SSE_PREAMBLE, EventStreamResponse, StreamOptions, websocket_stream
from phonebar.domain.events import DndChanged
from phonebar.domain.serialize import event_to_dict
from phonebar.services.event_bus import EventBus

QUICK = StreamOptions(keepalive=5.0, write_timeout=0.2, linger=0.1)


class FakeControl:
    def __init__(self) -> None:
        self.aborted = 0
        self.send_buffer: int | None = None
        self.closed = False  # the transport was closed under the stream

    def abort(self) -> None:
        self.aborted += 1

    def limit_send_buffer(self, size: int) -> None:
        self.send_buffer = size

    def closing(self) -> bool:
        return self.closed


class FakeClient:
    """Both ends of one ASGI connection: what the app sent, and whether sends go through."""

    def __init__(self, kind: str = "http") -> None:
        self.sent: list[Message] = []
        self.open = asyncio.Event()  # cleared: the client stopped reading, sends wait
        self.open.set()
        self.gone = asyncio.Event()
        self.control = FakeControl()
        self.scope: dict[str, Any] = {"type": kind, "extensions": {EXTENSION: self.control}}
        if kind == "websocket":
            self.scope.update(path="/api/ws", headers=[], query_string=b"")
        self._connected = kind != "websocket"

    async def send(self, message: Message) -> None:
        await self.open.wait()
        self.sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.control.closed = True  # Connection: close: the server closes as the end goes out
        if message["type"] == "websocket.close":
            self.control.closed = True

    async def receive(self) -> Message:
        if not self._connected:
            self._connected = True
            return {"type": "websocket.connect"}
        await self.gone.wait()
        return {"type": "http.disconnect" if self.scope["type"] == "http" else "websocket.disconnect"}

    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body")

    def frames(self) -> list[str]:
        return self.body().removeprefix(SSE_PREAMBLE).decode().split("\n\n")[:-1]


def new_bus(queue_size: int = 4) -> EventBus:
    return EventBus(buffer_size=50, queue_size=queue_size, clock=lambda: datetime.now(UTC))


async def until(condition: Any, timeout: float = 2.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.005)


async def test_sse_frames_carry_id_type_and_the_serializers_json() -> None:
    bus, client = new_bus(), FakeClient()
    stream = asyncio.ensure_future(
        EventStreamResponse(bus, None, QUICK)(client.scope, client.receive, client.send)
    )
    await until(lambda: bus.client_count == 1)
    published = [bus.publish(DndChanged(dnd=True)), bus.publish(DndChanged(dnd=False))]
    await until(lambda: len(client.frames()) == 2)
    start = client.sent[0]
    assert start["status"] == 200
    assert (b"content-type", b"text/event-stream; charset=utf-8") in start["headers"]
    assert (b"connection", b"close") in start["headers"]
    for frame, event in zip(client.frames(), published, strict=True):
        id_line, type_line, data_line = frame.split("\n")
        assert id_line == f"id: {event.seq}"
        assert type_line == "event: dnd_changed"
        assert json.loads(data_line.removeprefix("data: ")) == event_to_dict(event)
    assert client.control.send_buffer == 64 * 1024
    client.gone.set()
    await asyncio.wait_for(stream, 1)
    assert bus.client_count == 0
    assert bus.stats().dropped_clients == 0
    assert client.control.aborted == 0


async def test_a_stalled_write_resets_the_connection_and_others_keep_receiving() -> None:
    bus, stuck, reader = new_bus(queue_size=100), FakeClient(), FakeClient()
    streams = [
        asyncio.ensure_future(EventStreamResponse(bus, None, QUICK)(c.scope, c.receive, c.send))
        for c in (stuck, reader)
    ]
    await until(lambda: bus.client_count == 2)
    stuck.open.clear()
    started = asyncio.get_running_loop().time()
    for _ in range(3):
        bus.publish(DndChanged(dnd=True))
    await until(lambda: len(reader.frames()) == 3)
    assert asyncio.get_running_loop().time() - started < 0.1, "the reader waited for the stuck client"
    await asyncio.wait_for(streams[0], 1)
    assert stuck.control.aborted == 1
    assert bus.stats().dropped_clients == 1
    assert bus.client_count == 1
    bus.publish(DndChanged(dnd=False))
    await until(lambda: len(reader.frames()) == 4)
    reader.gone.set()
    await asyncio.wait_for(streams[1], 1)


async def test_overflow_sends_the_notice_ends_the_stream_and_resets_after_the_linger() -> None:
    bus, slow = new_bus(queue_size=4), FakeClient()
    stream = asyncio.ensure_future(
        EventStreamResponse(bus, None, StreamOptions(write_timeout=2.0, linger=0.1))(
            slow.scope, slow.receive, slow.send
        )
    )
    await until(lambda: bus.client_count == 1)
    slow.open.clear()
    for _ in range(8):
        bus.publish(DndChanged(dnd=True))
        await asyncio.sleep(0)
    slow.open.set()
    await asyncio.wait_for(stream, 1)
    frames = slow.frames()
    assert frames[-1].startswith("event: overflow\ndata: ")
    assert json.loads(frames[-1].split("data: ")[1])["queued"] == 4
    assert slow.sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    assert bus.stats().dropped_clients == 1
    assert slow.control.aborted == 0
    await until(lambda: slow.control.aborted == 1)


async def test_resume_with_since_replays_then_shutdown_ends_the_stream() -> None:
    bus, client = new_bus(), FakeClient()
    for _ in range(3):
        bus.publish(DndChanged(dnd=True))
    stream = asyncio.ensure_future(
        EventStreamResponse(bus, 1, QUICK)(client.scope, client.receive, client.send)
    )
    await until(lambda: len(client.frames()) == 2)
    bus.close()
    await asyncio.wait_for(stream, 1)
    assert [frame.split("\n")[0] for frame in client.frames()] == ["id: 2", "id: 3", "event: shutdown"]


async def test_a_quiet_stream_sends_keepalive_comments() -> None:
    bus, client = new_bus(), FakeClient()
    options = StreamOptions(keepalive=0.05, write_timeout=1.0)
    stream = asyncio.ensure_future(
        EventStreamResponse(bus, None, options)(client.scope, client.receive, client.send)
    )
    await until(lambda: client.body().count(b": keepalive\n\n") >= 2)
    client.gone.set()
    await asyncio.wait_for(stream, 1)


async def test_websocket_sends_the_same_json_and_closes_1008_on_overflow() -> None:
    bus, client = new_bus(queue_size=4), FakeClient("websocket")
    websocket = WebSocket(client.scope, client.receive, client.send)
    stream = asyncio.ensure_future(websocket_stream(websocket, bus, None, StreamOptions(write_timeout=2.0)))
    await until(lambda: bus.client_count == 1)
    event = bus.publish(DndChanged(dnd=True))
    await until(lambda: len(client.sent) == 2)
    assert client.sent[0]["type"] == "websocket.accept"
    assert json.loads(client.sent[1]["text"]) == event_to_dict(event)
    client.open.clear()
    for _ in range(8):
        bus.publish(DndChanged(dnd=False))
        await asyncio.sleep(0)
    client.open.set()
    await asyncio.wait_for(stream, 1)
    assert json.loads(client.sent[-2]["text"])["type"] == "overflow"
    assert client.sent[-1] == {"type": "websocket.close", "code": 1008, "reason": "overflow"}


async def test_websocket_stalled_send_resets_the_connection() -> None:
    bus, client = new_bus(queue_size=100), FakeClient("websocket")
    websocket = WebSocket(client.scope, client.receive, client.send)
    stream = asyncio.ensure_future(websocket_stream(websocket, bus, None, QUICK))
    await until(lambda: bus.client_count == 1)
    client.open.clear()
    bus.publish(DndChanged(dnd=True))
    await asyncio.wait_for(stream, 1)
    assert client.control.aborted == 1
    assert bus.stats().dropped_clients == 1


async def test_a_replay_stops_at_once_when_the_connection_closes_under_it() -> None:
    """The replay of a backlog never waits, so the server learns of a client that left only
    later: the stream must see the transport closing and stop writing into it."""
    bus, client = new_bus(), FakeClient()
    for _ in range(40):
        bus.publish(DndChanged(dnd=True))
    sent = client.send

    async def closes_after_three_events(message: Message) -> None:
        await sent(message)
        if len(client.frames()) == 3:
            client.control.closed = True  # as asyncio's transport does on a failed write

    stream = asyncio.ensure_future(
        EventStreamResponse(bus, 0, QUICK)(client.scope, client.receive, closes_after_three_events)
    )
    await asyncio.wait_for(stream, 1)  # it ended by itself: no disconnect message came
    assert len(client.frames()) == 3
    assert bus.client_count == 0
