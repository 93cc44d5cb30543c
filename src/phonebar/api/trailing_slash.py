"""One URL per route: ``/api/calls/`` is ``/api/calls``.

Starlette's answer to a trailing slash is a 307 redirect with an empty body, which
curl shows as nothing at all and some HTTP clients do not follow for a POST. CRMs
build these URLs by concatenation, so the slash is dropped before routing instead
(before the browser guard too, which thus judges the path that is served).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class TrailingSlash:
    """Pure ASGI middleware: strips trailing slashes from every path but ``/``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path: str = scope["path"]
            if len(path) > 1 and path.endswith("/"):
                stripped = path.rstrip("/") or "/"
                raw: bytes = scope.get("raw_path") or path.encode()
                scope = {**scope, "path": stripped, "raw_path": raw.rstrip(b"/") or b"/"}
        await self.app(scope, receive, send)
