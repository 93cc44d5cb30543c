"""Thin clients whose time stamps sit right beside the socket calls: an HTTP/1.1 keep-alive
client, a Server-Sent Events reader, baresip's ctrl_tcp (netstrings of JSON), and a local
HTTP server that records when a webhook arrived. A general-purpose client (httpx) would add
its own parsing and scheduling to every figure, and not the same amount on both sides."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: bytes
    sent_ns: int

    def json(self) -> Any:
        return json.loads(self.body)


class HttpClient:
    """One keep-alive connection; ``get`` stamps the moment the request is written."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def connect(self) -> HttpClient:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def get(self, path: str, timeout: float = 10.0) -> HttpAnswer:
        """GET on the open connection; one that the server closed (keep-alive timeout) is
        opened again first, so the time stamp never includes a TCP connect."""
        try:
            return await self._get(path, timeout)
        except (ConnectionError, asyncio.IncompleteReadError):
            await self.close()
            return await self._get(path, timeout)

    async def _get(self, path: str, timeout: float) -> HttpAnswer:
        if self._writer is None or self._reader is None or self._reader.at_eof():
            await self.close()
            await self.connect()
        assert self._reader is not None
        assert self._writer is not None
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode()
        sent = time.time_ns()
        self._writer.write(request)
        status, headers = await asyncio.wait_for(_read_head(self._reader), timeout)
        length = int(headers.get("content-length", "0"))
        body = await asyncio.wait_for(self._reader.readexactly(length), timeout)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return HttpAnswer(status, body, sent)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
    return status, headers


@dataclass(frozen=True)
class StreamEvent:
    type: str
    data: dict[str, Any]
    ns: int  # when the bytes carrying it were read


class EventClient:
    """A connection whose reader task queues time-stamped events: the SSE client and ctrl_tcp."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.events: asyncio.Queue[StreamEvent] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def next(self, event_type: str, timeout: float = 10.0) -> StreamEvent:
        async def wait() -> StreamEvent:
            while True:
                event = await self.events.get()
                if event.type == event_type:
                    return event

        return await asyncio.wait_for(wait(), timeout)

    def drain(self) -> None:
        while not self.events.empty():
            self.events.get_nowait()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._writer is not None:
            self._writer.close()


class SseClient(EventClient):
    """Reads ``GET /api/events`` (chunked) and queues each event with its arrival time."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port)
        self.connected = asyncio.Event()

    async def start(self, timeout: float = 10.0) -> SseClient:
        reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._writer.write(
            f"GET /api/events HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        status, headers = await asyncio.wait_for(_read_head(reader), timeout)
        if status != 200:
            raise RuntimeError(f"GET /api/events: {status}")
        self._task = asyncio.create_task(
            self._read(reader, "chunked" in headers.get("transfer-encoding", ""))
        )
        return self

    async def _read(self, reader: asyncio.StreamReader, chunked: bool) -> None:
        buffer = ""
        while True:
            if chunked:
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    return
                chunk = await reader.readexactly(size + 2)
                data = chunk[:-2]
            else:
                data = await reader.read(65536)
                if not data:
                    return
            stamp = time.time_ns()
            buffer += data.decode()
            while "\n\n" in buffer:
                frame, buffer = buffer.split("\n\n", 1)
                self._frame(frame, stamp)

    def _frame(self, frame: str, stamp: int) -> None:
        fields: dict[str, str] = {}
        for line in frame.split("\n"):
            if line.startswith(":"):
                self.connected.set()  # the stream's greeting or a keep-alive comment
                continue
            key, _, value = line.partition(":")
            fields[key] = value.removeprefix(" ")
        if "event" in fields and "data" in fields:
            self.events.put_nowait(StreamEvent(fields["event"], json.loads(fields["data"]), stamp))


class CtrlTcp(EventClient):
    """baresip's ctrl_tcp: ``{"command", "params", "token"}`` in netstrings; responses carry the
    token back, events (``{"event": true, "type": "CALL_INCOMING", ...}``) are queued."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port)
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._next_token = 0

    async def start(self) -> CtrlTcp:
        reader, self._writer = await asyncio.open_connection(self.host, self.port)
        self._task = asyncio.create_task(self._read(reader))
        return self

    def send(self, command: str, params: str | None = None) -> tuple[asyncio.Future[dict[str, Any]], int]:
        """Writes the command; returns the future of its response and when it was written."""
        assert self._writer is not None
        self._next_token += 1
        token = f"t{self._next_token}"
        message: dict[str, str] = {"command": command, "token": token}
        if params is not None:
            message["params"] = params
        payload = json.dumps(message).encode()
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[token] = future
        sent = time.time_ns()
        self._writer.write(str(len(payload)).encode() + b":" + payload + b",")
        return future, sent

    async def command(self, command: str, params: str | None = None, timeout: float = 5.0) -> dict[str, Any]:
        future, _ = self.send(command, params)
        return await asyncio.wait_for(future, timeout)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                length = int((await reader.readuntil(b":"))[:-1])
                payload = await reader.readexactly(length + 1)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            stamp = time.time_ns()
            message = json.loads(payload[:-1])
            if message.get("event"):
                self.events.put_nowait(StreamEvent(str(message.get("type")), message, stamp))
            elif message.get("response"):
                future = self._pending.pop(str(message.get("token")), None)
                if future is not None and not future.done():
                    future.set_result(message)


@dataclass(frozen=True)
class WebhookHit:
    path: str
    ns: int


class WebhookServer:
    """A local HTTP server: records the path and arrival time of every request, answers 204."""

    def __init__(self) -> None:
        self.hits: asyncio.Queue[WebhookHit] = asyncio.Queue()
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> WebhookServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                stamp = time.time_ns()
                path = line.decode("latin-1").split(" ")[1] if b" " in line else ""
                length = 0
                while (header := await reader.readline()) not in (b"\r\n", b""):
                    key, _, value = header.decode("latin-1").partition(":")
                    if key.strip().lower() == "content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                self.hits.put_nowait(WebhookHit(path, stamp))
                writer.write(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def next(self, timeout: float) -> WebhookHit:
        return await asyncio.wait_for(self.hits.get(), timeout)

    def drain(self) -> None:
        while not self.hits.empty():
            self.hits.get_nowait()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
