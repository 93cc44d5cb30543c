"""A tiny web server for test pages (an attacker's site, a CRM): path -> HTML, on a free port."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.e2e.harness.ports import free_port


class WebPages:
    """``pages["/attack.html"] = "<img src=...>"``; served to any Host name on ``port``."""

    def __init__(self) -> None:
        self.port = free_port(udp=False)
        self.pages: dict[str, str] = {}
        self.requests: list[tuple[str, str]] = []  # (Host, path) of every request served
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                pages.requests.append((self.headers.get("Host", ""), path))
                body = pages.pages.get(path)
                self.send_response(200 if body is not None else 404)
                data = (body or "not found").encode()
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="web-pages", daemon=True)

    def __setitem__(self, path: str, html: str) -> None:
        self.pages[path] = html

    def start(self) -> WebPages:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@contextlib.contextmanager
def web_pages() -> Iterator[WebPages]:
    pages = WebPages().start()
    try:
        yield pages
    finally:
        pages.stop()
