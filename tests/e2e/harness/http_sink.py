"""A local HTTP server that records the webhooks it gets (and can be told to answer slowly)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.e2e.harness.waiting import wait_until


@dataclass(frozen=True)
class Hook:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() when the request line arrived
    arrived: float  # time.monotonic() likewise

    def json(self) -> Any:
        return json.loads(self.body)


class HttpSink:
    """``HttpSink(delay=10)`` answers every request after 10 s; ``status`` sets its answer."""

    def __init__(self, *, delay: float = 0.0, status: int = 200) -> None:
        self.hooks: list[Hook] = []
        self.delay = delay
        self.status = status
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                at, arrived = time.time(), time.monotonic()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                sink.hooks.append(
                    Hook(
                        self.command, parts.path, parse_qs(parts.query), dict(self.headers), body, at, arrived
                    )
                )
                if sink.delay:
                    time.sleep(sink.delay)
                self.send_response(sink.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="http-sink", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait(self, count: int = 1, timeout: float = 10.0) -> list[Hook]:
        return wait_until(
            lambda: self.hooks[:count] if len(self.hooks) >= count else None,
            timeout=timeout,
            what=f"{count} webhook(s) at {self.url}",
        )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
