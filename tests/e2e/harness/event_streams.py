"""Clients of a phonebar's event streams, each reading in a thread of its own.

``SseClient`` reads ``/api/events`` as EventSource does (``id:``, ``event:``,
``data:`` frames); ``WsClient`` reads ``/api/ws``. Both keep every message with
the time it arrived, and ``wait_for`` waits (bounded) for a matching one.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.e2e.harness.waiting import wait_until


@dataclass(frozen=True)
class Received:
    event: dict[str, Any]
    at: float  # time.monotonic() on arrival
    frame_id: str | None = None  # SSE only: the id: line
    frame_type: str | None = None  # SSE only: the event: line


class _Client:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.error: BaseException | None = None
        self.ended = threading.Event()
        self._lock = threading.Lock()

    def _keep(self, item: Received) -> None:
        with self._lock:
            self.received.append(item)

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [item.event for item in self.received]

    def of_call(self, session_id: str) -> list[dict[str, Any]]:
        return [event for event in self.events() if event.get("call", {}).get("sessionId") == session_id]

    def wait_for(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = 10.0, what: str = ""
    ) -> Received:
        def found() -> Received | None:
            with self._lock:
                return next((item for item in self.received if match(item.event)), None)

        return wait_until(found, timeout=timeout, what=what or "an event")

    def wait_type(self, type_: str, session_id: str | None = None, timeout: float = 10.0) -> Received:
        return self.wait_for(
            lambda event: (
                event["type"] == type_
                and (session_id is None or event.get("call", {}).get("sessionId") == session_id)
            ),
            timeout,
            f"a {type_} event" + (f" of {session_id}" if session_id else ""),
        )


class SseClient(_Client):
    def __init__(self, base_url: str, *, last_event_id: int | None = None, since: int | None = None) -> None:
        super().__init__()
        headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
        params = {"since": since} if since is not None else None
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(base_url, headers, params), name="sse-client", daemon=True
        )
        self._thread.start()

    def _run(self, base_url: str, headers: dict[str, str], params: dict[str, Any] | None) -> None:
        fields: dict[str, str] = {}
        try:
            timeout = httpx.Timeout(10.0, read=60.0)
            with httpx.stream(
                "GET", f"{base_url}/api/events", headers=headers, params=params, timeout=timeout
            ) as r:
                for line in r.iter_lines():
                    if self._stop.is_set():
                        return
                    if line == "":
                        if "data" in fields:
                            event = json.loads(fields["data"])
                            self._keep(
                                Received(event, time.monotonic(), fields.get("id"), fields.get("event"))
                            )
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
        except BaseException as exc:
            self.error = exc
        finally:
            self.ended.set()

    def close(self) -> None:
        """Stop reading (the connection closes when the thread returns)."""
        self._stop.set()
        self._thread.join(timeout=1)


class WsClient(_Client):
    def __init__(self, base_url: str, *, since: int | None = None) -> None:
        super().__init__()
        url = (
            base_url.replace("http://", "ws://")
            + "/api/ws"
            + (f"?since={since}" if since is not None else "")
        )
        self.close_code: int | None = None
        self._opened = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url,), name="ws-client", daemon=True)
        self._thread.start()
        if not self._opened.wait(10):
            raise AssertionError(f"WebSocket {url} did not open: {self.error!r}")

    def _run(self, url: str) -> None:
        try:
            with connect(url, open_timeout=10) as socket:
                self._opened.set()
                while not self._closing.is_set():
                    try:
                        message = socket.recv(timeout=0.2)
                    except TimeoutError:
                        continue
                    self._keep(Received(json.loads(message), time.monotonic()))
        except BaseException as exc:
            self.error = exc
            self._opened.set()
        finally:
            self.ended.set()
            if isinstance(self.error, ConnectionClosed) and self.error.rcvd is not None:
                self.close_code = self.error.rcvd.code

    def close(self) -> None:
        self._closing.set()
        self._thread.join(timeout=3)
