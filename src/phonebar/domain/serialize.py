"""The one serializer: domain views and events to JSON-ready dicts with camelCase keys.

SSE, WebSocket, webhooks, history and the HTTP responses all use these
functions, so a call looks the same wherever it is carried.
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from phonebar.domain.events import Event
from phonebar.domain.views import CallView, RegistrationView


@functools.cache
def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@functools.lru_cache(maxsize=1024)
def iso(moment: datetime) -> str:
    """UTC, millisecond precision, ``Z`` suffix: ``2026-12-03T15:21:00.123Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Serializing is most of the work of GET /api/calls, so the per-type facts are looked up once:
# which types pass through unchanged, and each dataclass's (field, camelCase key) pairs.
_SCALARS = frozenset({str, int, float, bool, type(None)})


_FIELD_KEYS: dict[type, tuple[tuple[str, str], ...] | None] = {}


def _field_keys(kind: type) -> tuple[tuple[str, str], ...] | None:
    try:
        return _FIELD_KEYS[kind]
    except KeyError:
        keys = None
        if dataclasses.is_dataclass(kind):
            keys = tuple((f.name, camel(f.name)) for f in dataclasses.fields(kind))
        _FIELD_KEYS[kind] = keys
        return keys


def to_plain(value: Any) -> Any:
    """Any view dataclass (or enum, datetime, container of them) as JSON-ready data."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return iso(value)
    keys = _field_keys(kind)
    if keys is not None:
        return {key: to_plain(getattr(value, name)) for name, key in keys}
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    return value


def call_to_dict(call: CallView) -> dict[str, Any]:
    result: dict[str, Any] = to_plain(call)
    result["headers"] = dict(call.headers)  # header names keep their own spelling
    return result


def registration_to_dict(registration: RegistrationView) -> dict[str, Any]:
    result: dict[str, Any] = to_plain(registration)
    return result


def event_to_dict(event: Event) -> dict[str, Any]:
    """``{"type", "seq", "at", ...fields}``; a ``call`` field is the call as /api/calls shows it."""
    body: dict[str, Any] = {"type": event.type, "seq": event.seq, "at": iso(event.at)}
    for f in dataclasses.fields(event):
        if f.name in ("seq", "at"):
            continue
        value = getattr(event, f.name)
        body[camel(f.name)] = call_to_dict(value) if isinstance(value, CallView) else to_plain(value)
    return body
