"""The API's defences, applied to every HTTP and WebSocket request before any route runs.

A GET that dials is a toll-fraud hole: any page the agent visits could embed
``<img src="http://127.0.0.1:9888/api/originate/...">``. In order:

1. **Host** must be a loopback name or one of ``api.allowed_hosts`` (defeats DNS
   rebinding: a rebinding page's requests carry its own host name).
2. **CORS preflight** (``OPTIONS`` with ``Access-Control-Request-Method``) is
   answered, with Chrome's Private Network Access header, only for an allowed
   Origin.
3. **Origin**: a request with an Origin that is neither this daemon's own nor in
   ``api.allowed_origins`` is refused. Without an Origin, ``Sec-Fetch-Site:
   cross-site`` or ``same-site`` (an ``<img>``, a no-cors fetch, a link) is
   refused, and so is a foreign ``Referer`` from a browser too old to send
   ``Sec-Fetch-Site``. Clients that send none of these (curl, server-side CRM
   code) pass. One exception: a top-level navigation (``Sec-Fetch-Mode: navigate``
   and ``Sec-Fetch-Dest: document``, a GET) to one of ``navigable_paths``, the
   agent's bar: a CRM may link to it. It is a static page with no side effect that
   no one can frame, and its own requests are same-origin. A link to any other
   path, ``/api/originate`` above all, stays refused.
4. **Token**: when ``api.token`` is set, every path but the health check and the
   static pages (``public_paths``: they hold no secret) needs
   ``Authorization: Bearer <token>`` or ``?token=<token>``, compared in constant
   time.

CORS headers go only to allowed origins. A refusal is logged with the path, never the
query string (``?token=``), and never the Authorization header.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from phonebar.errors import Forbidden, PhonebarError, Unauthorized

log = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
PUBLIC_PATHS = frozenset({"/api/health"})
_CORS_METHODS = "GET, POST, OPTIONS"
_CORS_HEADERS = "Authorization, Content-Type, Last-Event-ID"


class BrowserGuard:
    """Pure ASGI middleware in front of every route; ``refused`` counts the requests it turned away."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: Iterable[str] = (),
        allowed_origins: Iterable[str] = (),
        token: str | None = None,
        public_paths: Iterable[str] = (),
        navigable_paths: Iterable[str] = (),
    ) -> None:
        self._app = app
        self._public = PUBLIC_PATHS | frozenset(public_paths)
        self._navigable = frozenset(navigable_paths)
        self._hosts = LOOPBACK_NAMES | {host.lower() for host in allowed_hosts}
        self._origins = frozenset(origin.lower() for origin in allowed_origins)
        self._token = token.encode() if token else None
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self._app(scope, receive, send)
            return
        headers = _headers(scope)
        origin = headers.get("origin")
        cors_origin: str | None = None
        try:
            host = self._check_host(headers.get("host", ""))
            if (
                scope["type"] == "http"
                and scope["method"] == "OPTIONS"
                and "access-control-request-method" in headers
            ):
                await self._preflight(origin, headers, send)
                return
            cors_origin = self._check_origin(origin, host, headers, self._is_navigation(scope, headers))
            self._check_token(scope, headers)
        except PhonebarError as error:
            self.refused += 1
            # the path only: a query string may carry the token
            log.warning(
                "refused %s %s (%s): %s (Host %r, Origin %r, Sec-Fetch-Site %r)",
                scope.get("method", "WS"),
                scope["path"],
                error.code,
                error.message,
                headers.get("host"),
                origin,
                headers.get("sec-fetch-site"),
            )
            # an allowed origin may read why (a missing token): without CORS headers the
            # browser would hide the answer behind an opaque network error
            await _refuse(scope, send, error, cors_origin)
            return
        if cors_origin is None or scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_cors_headers(cors_origin)]
            await send(message)

        await self._app(scope, receive, send_with_cors)

    def _check_host(self, host_header: str) -> str:
        host = _host_name(host_header)
        if host not in self._hosts:
            raise Forbidden(
                f"Host {host_header[:80]!r} is not allowed: use localhost or 127.0.0.1, "
                "or add the name to api.allowed_hosts",
                code="forbidden_host",
            )
        return host_header.lower()

    def _is_navigation(self, scope: Scope, headers: dict[str, str]) -> bool:
        """A browser opening a navigable page as a whole document (a link, not a frame)."""
        return (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"] in self._navigable
            and headers.get("sec-fetch-mode") == "navigate"
            and headers.get("sec-fetch-dest") == "document"
        )

    def _check_origin(
        self, origin: str | None, host: str, headers: dict[str, str], navigation: bool = False
    ) -> str | None:
        """Returns the origin to send CORS headers to, if any."""
        own = {f"http://{host}", f"https://{host}"}
        if origin is not None:
            origin = origin.lower()
            if origin in own:
                return None
            if origin in self._origins:
                return origin
            raise Forbidden(
                f"requests from {origin[:80]!r} are not allowed: add it to api.allowed_origins",
                code="forbidden_origin",
            )
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site in ("cross-site", "same-site") and not navigation:
            raise Forbidden(
                f"cross-site requests without an allowed Origin are refused (Sec-Fetch-Site: {fetch_site})",
                code="forbidden_origin",
            )
        referer = headers.get("referer")
        if fetch_site is None and referer:
            parts = urlsplit(referer)
            referer_origin = f"{parts.scheme}://{parts.netloc}".lower()
            if referer_origin not in own and referer_origin not in self._origins:
                raise Forbidden(
                    f"requests referred by {referer_origin[:80]!r} are not allowed", code="forbidden_origin"
                )
        return None

    def _check_token(self, scope: Scope, headers: dict[str, str]) -> None:
        if self._token is None or scope["path"] in self._public:
            return
        offered = ""
        authorization = headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            offered = authorization[7:].strip()
        else:
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            offered = (query.get("token") or [""])[0]
        if not hmac.compare_digest(offered.encode(), self._token):
            raise Unauthorized(
                "a token is required: send 'Authorization: Bearer <api.token>' or add ?token=<api.token>"
            )

    async def _preflight(self, origin: str | None, headers: dict[str, str], send: Send) -> None:
        if origin is None or origin.lower() not in self._origins:
            raise Forbidden(
                f"preflight from {str(origin)[:80]!r} refused: add the origin to api.allowed_origins",
                code="forbidden_origin",
            )
        response_headers = [
            *_cors_headers(origin.lower()),
            (b"access-control-allow-methods", _CORS_METHODS.encode()),
            (b"access-control-allow-headers", _CORS_HEADERS.encode()),
            (b"access-control-max-age", b"600"),
        ]
        if headers.get("access-control-request-private-network") == "true":
            response_headers.append((b"access-control-allow-private-network", b"true"))
        await send({"type": "http.response.start", "status": 204, "headers": response_headers})
        await send({"type": "http.response.body", "body": b""})


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _cors_headers(origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"vary", b"Origin"),
    ]


async def _refuse(scope: Scope, send: Send, error: PhonebarError, cors_origin: str | None = None) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": error.code})
        return
    body: dict[str, Any] = {"error": error.to_dict()}
    headers = [(b"content-type", b"application/json")]
    if cors_origin is not None:
        headers.extend(_cors_headers(cors_origin))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})
