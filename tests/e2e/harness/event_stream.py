"""A phonebar's event stream (SSE at /api/events), read by a thread into a list the test can query."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

import httpx

from tests.e2e.harness.phonebar_process import PhonebarProcess
from tests.e2e.harness.waiting import wait_until

Event = dict[str, Any]

RETRY_FIRST = 0.1  # s before reconnecting, doubled up to RETRY_MAX while the daemon is away
RETRY_MAX = 1.0
_OPEN: set[EventStream] = set()


class EventStream:
    """Every event ``phone`` publishes, from the first one it kept (``since=0``) on.

    The reader thread ends when the stream ends (the daemon's ``shutdown`` notice, or
    :meth:`close`); it reconnects after a dropped connection with ``Last-Event-ID``.
    """

    def __init__(self, phone: PhonebarProcess) -> None:
        self._url = f"http://127.0.0.1:{phone.api_port}/api/events"
        self._name = phone.name
        self._events: list[Event] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        # one client for every reconnection: a new one per attempt costs an SSL context
        # (~15 ms of CPU), and a reader whose daemon was killed retries for the rest of the test
        self._client = httpx.Client(timeout=httpx.Timeout(5.0, read=1.0), trust_env=False)
        self._thread = threading.Thread(target=self._read, name=f"events:{phone.name}", daemon=True)
        _OPEN.add(self)
        self._thread.start()

    def _read(self) -> None:
        try:
            self._read_until_closed()
        finally:
            self._client.close()

    def _read_until_closed(self) -> None:
        last_seq = 0
        retry = RETRY_FIRST
        while not self._closed.is_set():
            try:
                with self._client.stream("GET", self._url, params={"since": last_seq}) as response:
                    retry = RETRY_FIRST
                    data: list[str] = []
                    for line in response.iter_lines():
                        if self._closed.is_set():
                            return
                        if line.startswith("data:"):
                            data.append(line[5:].strip())
                        elif line == "" and data:
                            event = json.loads("\n".join(data))
                            data = []
                            last_seq = max(last_seq, int(event.get("seq") or 0))
                            with self._lock:
                                self._events.append(event)
                            if event["type"] == "shutdown":
                                return
            except httpx.HTTPError:
                if self._closed.wait(retry):
                    return
                retry = min(retry * 2, RETRY_MAX)

    def events(self, type_: str | None = None, **fields: Any) -> list[Event]:
        """The events so far, optionally of one type and with ``call`` fields matching ``fields``."""
        with self._lock:
            events = list(self._events)
        return [event for event in events if _matches(event, type_, fields)]

    def states(self, session_id: str) -> list[str]:
        """Every state the call went through, in order (from call_created and call_state_changed)."""
        return [
            event["call"]["state"]
            for event in self.events()
            if event["type"] in ("call_created", "call_state_changed")
            and event["call"]["sessionId"] == session_id
        ]

    def types(self, session_id: str) -> list[str]:
        """The types of every event about the call, in order."""
        return [event["type"] for event in self.events(sessionId=session_id)]

    def wait(self, type_: str, *, count: int = 1, timeout: float = 10.0, **fields: Any) -> list[Event]:
        """Wait until ``count`` events of ``type_`` (with matching call fields) have arrived."""
        return wait_until(
            lambda: (found := self.events(type_, **fields)) and len(found) >= count and found,
            timeout=timeout,
            what=f"{self._name}: {count} {type_} event(s) with {fields}",
        )

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=3)
        _OPEN.discard(self)


def close_all() -> None:
    """Stop every reader still running (the e2e conftest calls this after each test)."""
    for stream in list(_OPEN):
        stream.close()


def epoch(event: Event) -> float:
    """When the daemon published ``event``, in seconds since the epoch (``time.time()``'s clock)."""
    return datetime.fromisoformat(str(event["at"]).replace("Z", "+00:00")).timestamp()


def _matches(event: Event, type_: str | None, fields: dict[str, Any]) -> bool:
    if type_ is not None and event["type"] != type_:
        return False
    call = event.get("call") or {}
    return all(call.get(key) == value for key, value in fields.items())
