"""The command-route convention: every command answers GET (the contract CRMs already call)
and POST, with distinct operation ids in the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from phonebar.api.schemas import ErrorResponse

F = TypeVar("F", bound=Callable[..., Any])

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in (
        (400, "bad input (code says which)"),
        (401, "missing or wrong token"),
        (403, "refused: Host or Origin not allowed"),
        (404, "unknown sessionId"),
        (409, "the call is not in a state that allows this"),
        (503, "line limit reached, not registered, or engine down"),
    )
}


def command(router: APIRouter, path: str, *, name: str, summary: str, **options: Any) -> Callable[[F], F]:
    def register(endpoint: F) -> F:
        for method in ("GET", "POST"):
            router.add_api_route(
                path,
                endpoint,
                methods=[method],
                name=name if method == "GET" else f"{name}_post",
                operation_id=name if method == "GET" else f"{name}_post",
                summary=summary,
                responses=ERRORS,
                **options,
            )
        return endpoint

    return register


def json_response(content: Any, status_code: int = 200) -> JSONResponse:
    """Send the serializer's output as it is: ``response_model`` documents it, but a
    second serialization by pydantic would reformat it (time stamps, for one)."""
    return JSONResponse(content, status_code=status_code)
