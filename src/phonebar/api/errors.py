"""The one place errors become HTTP: ``{"error": {"code", "message", ...}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from phonebar.errors import BadInput, MethodNotAllowed, NotFound, PhonebarError

log = logging.getLogger(__name__)


def error_response(error: PhonebarError, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error.to_dict()}, status_code=error.status, headers=headers)


async def _phonebar_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PhonebarError)
    if exc.status >= 500:
        log.warning("%s %s -> %d %s: %s", request.method, request.url.path, exc.status, exc.code, exc.message)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    error: PhonebarError
    if exc.status_code == 404:
        error = NotFound(f"no such route: {request.method} {request.url.path}")
    elif exc.status_code == 405:
        error = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}")
        # GET and POST of a command are two routes: Starlette names only the first one's method
        return error_response(error, headers={"Allow": ", ".join(_allowed_methods(request))})
    else:
        error = PhonebarError(str(exc.detail), code="http_error")
        error.status = exc.status_code  # type: ignore[misc]
    return error_response(error, headers=dict(exc.headers or {}))


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    probe = {**request.scope, "method": "_"}  # a path match with a method no route has is PARTIAL
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods and route.matches(probe)[0] is Match.PARTIAL:
            methods |= route.methods
    return sorted(methods)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems: list[dict[str, Any]] = [
        {"where": ".".join(str(part) for part in item.get("loc", ())), "problem": item.get("msg", "")}
        for item in exc.errors()
    ]
    summary = "; ".join(f"{p['where']}: {p['problem']}" for p in problems[:5])
    return error_response(BadInput(f"invalid request: {summary}", problems=problems[:20]))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(PhonebarError("internal error: see the daemon's log"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PhonebarError, _phonebar_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
