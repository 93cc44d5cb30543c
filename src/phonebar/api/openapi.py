"""The OpenAPI document, made to say what the API really does.

FastAPI describes every path parameter as "any string" and every operation as able
to answer 422. phonebar validates its inputs itself (400 with a code, before any SIP
leaves) and its :class:`~phonebar.api.browser_guard.BrowserGuard` may answer 401 or
403 on any route, so once, when the document is first built, this module:

- adds the accepted pattern and length to ``session_id``, ``digits`` and ``number``
  (the very patterns the domain validates with), and marks ``number`` required,
- says where at least one of several query parameters is needed (``audio_select``:
  a device for the microphone, speaker or ringer, else 400 ``missing_device``),
- replaces FastAPI's 422 by our 400 and adds the guard's 401 and 403 everywhere
  (but no 401 on the paths that need no token),
- declares the optional token (``Authorization: Bearer`` or ``?token=``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI

from phonebar.api.browser_guard import PUBLIC_PATHS
from phonebar.domain.dial_target import DIAL_TARGET_PATTERN, MAX_INPUT
from phonebar.domain.dtmf import DTMF_PATTERN
from phonebar.domain.session_id import SESSION_ID_PATTERN

_PARAMETERS: dict[str, dict[str, Any]] = {
    "session_id": {"pattern": f"^{SESSION_ID_PATTERN}$", "maxLength": 64},
    "partner_session_id": {"pattern": f"^{SESSION_ID_PATTERN}$", "maxLength": 64},
    "digits": {"pattern": f"^{DTMF_PATTERN}$", "maxLength": 64},
    "number": {"pattern": DIAL_TARGET_PATTERN, "maxLength": MAX_INPUT},
}
_REQUIRED = frozenset({"number"})  # optional in the signature only so that we answer missing_number
# "at least one of these query parameters": OpenAPI has no keyword for that across
# parameters, but one form-exploded object parameter is the same query string
# (?speaker=x&ringer=y) and its schema can say minProperties
_AT_LEAST_ONE = {"audio_select": "devices", "audio_select_post": "devices"}
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
_GUARD_RESPONSES = {
    "400": "bad input (code says which)",
    "401": "missing or wrong token (when api.token is set)",
    "403": "refused: Host or Origin not allowed",
}
_SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "api.token"},
    "token": {"type": "apiKey", "in": "query", "name": "token", "description": "api.token, in the URL"},
}


def install_openapi(app: FastAPI, public_paths: Iterable[str] = ()) -> None:
    """Wrap ``app.openapi`` so the generated document is corrected once, then cached.
    ``public_paths`` (as the document spells them) need no token, like the health check."""
    generate: Callable[[], dict[str, Any]] = app.openapi
    public = PUBLIC_PATHS | frozenset(public_paths)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()  # FastAPI caches it in app.openapi_schema
            describe(document, public)
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def describe(document: dict[str, Any], public: frozenset[str] = PUBLIC_PATHS) -> None:
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            if operation.get("operationId") in _AT_LEAST_ONE:
                _merge_query(operation, _AT_LEAST_ONE[operation["operationId"]])
            for parameter in operation.get("parameters", []):
                extra = _PARAMETERS.get(parameter.get("name", ""))
                if extra and parameter.get("in") in ("path", "query"):
                    _constrain(parameter["schema"], extra)
                    if parameter["name"] in _REQUIRED:
                        parameter["required"] = True
                        parameter["schema"] = _string_branch(parameter["schema"])
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, text in _GUARD_RESPONSES.items():
                if (status == "400" and not operation.get("parameters")) or (
                    status == "401" and path in public
                ):
                    continue
                responses.setdefault(status, {"description": text, "content": _ERROR})
            if path not in public:
                operation["security"] = [{}, {"bearer": []}, {"token": []}]
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    document["components"]["securitySchemes"] = _SECURITY_SCHEMES


def _constrain(schema: dict[str, Any], extra: dict[str, Any]) -> None:
    """Add ``extra`` to the string branch of ``schema`` (which may be ``anyOf`` string/null)."""
    branches = schema.get("anyOf", [schema])
    for branch in branches:
        if branch.get("type") == "string":
            branch.update(extra)


def _string_branch(schema: dict[str, Any]) -> dict[str, Any]:
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "string":
            return {**branch, **{k: v for k, v in schema.items() if k in ("title", "description")}}
    return schema


def _merge_query(operation: dict[str, Any], name: str) -> None:
    """Turn the operation's optional query parameters into one required, form-exploded
    object parameter ``name`` that needs at least one of them; others are ignored, as on
    every route (``?token=``, for one)."""
    query = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
    properties = {
        p["name"]: {**_string_branch(p["schema"]), "description": p.get("description", "")} for p in query
    }
    merged = {
        "name": name,
        "in": "query",
        "required": True,
        "style": "form",
        "explode": True,
        "description": "at least one of: " + ", ".join(properties),
        "schema": {
            "type": "object",
            "properties": properties,
            "anyOf": [{"required": [property_name]} for property_name in properties],
        },
    }
    others = [p for p in operation.get("parameters", []) if p.get("in") != "query"]
    operation["parameters"] = [*others, merged]
