"""The event models for the OpenAPI document and ``GET /api/events/schema``.

They are derived from the event dataclasses themselves (``domain/events.py``):
one model per ``type``, its fields camelCased as the serializer writes them, a
call field described by the :class:`~phonebar.api.schemas.Call` schema. A test
serializes a sample of every event and validates it here, so the documents and
the stream cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, RootModel, TypeAdapter, create_model

from phonebar.api.schemas import Call, Registration, Schema
from phonebar.domain import events
from phonebar.domain.events import EVENT_TYPES, Event, Gap, Overflow, Shutdown
from phonebar.domain.serialize import camel
from phonebar.domain.views import CallView, RegistrationView

NOTICE_TYPES: tuple[type[Event], ...] = (Gap, Overflow, Shutdown)

DESCRIPTIONS: dict[str, str] = {
    "registration_changed": "The account's registration changed: state, last SIP status and reason.",
    "dnd_changed": "Do-not-disturb was switched on or off.",
    "call_created": (
        "A call appeared: inbound and ringing, or outbound and dialing. `turnedAway` is true for "
        "an inbound call that do-not-disturb rejects at once: it never rings, call_ended follows."
    ),
    "call_state_changed": "A call changed state; `previous` is the state it left.",
    "call_answered": "A call was answered (either direction); it is now connected.",
    "call_held": "We put a call on hold (confirmed by the media status).",
    "call_resumed": "A call we held was taken off hold.",
    "call_updated": "A field of a call other than its state changed (codec, conference flag).",
    "call_muted": "The agent's microphone was muted on a call.",
    "call_unmuted": "The agent's microphone was unmuted on a call.",
    "dtmf_received": "The far end sent a DTMF digit.",
    "transfer_started": "A blind or attended transfer was asked for (REFER sent).",
    "transfer_succeeded": "The transfer target answered; our leg is hung up next.",
    "transfer_failed": "The transfer failed (4xx-6xx NOTIFY, REFER refused, or no answer in time).",
    "conference_joined": "A call joined the local three-way conference.",
    "conference_left": "A call left the local conference.",
    "call_ended": "A call ended: why (`reason`), the last SIP status and the talk time in seconds.",
    "gap": (
        "Notice, not stored: events after `after` up to `missedUntil` are no longer buffered; "
        "re-read /api/calls. A `missedUntil` below `after` means the daemon restarted."
    ),
    "overflow": "Notice: this client fell `queued` events behind and is disconnected.",
    "shutdown": "Notice: the daemon is stopping; the stream ends after this.",
}
_FIELD_DESCRIPTIONS = {
    "type": "the event's type, stable",
    "seq": "sequence number: increases by one per event; 0 on notices",
    "at": "when the event was published (UTC)",
}
_VIEW_SCHEMAS: dict[Any, Any] = {CallView: Call, RegistrationView: Registration}


def _model_for(cls: type[Event]) -> type[BaseModel]:
    hints = typing.get_type_hints(cls, vars(events))
    fields: dict[str, Any] = {
        "type": (Literal[cls.type], Field(description=_FIELD_DESCRIPTIONS["type"])),
        "seq": (int, Field(description=_FIELD_DESCRIPTIONS["seq"])),
        "at": (datetime, Field(description=_FIELD_DESCRIPTIONS["at"])),
    }
    for item in dataclasses.fields(cls):
        if item.name in ("seq", "at"):
            continue
        annotation = _VIEW_SCHEMAS.get(hints[item.name], hints[item.name])
        fields[item.name] = (annotation, Field(alias=camel(item.name)))
    model: type[BaseModel] = create_model(
        cls.__name__,
        __base__=Schema,
        __doc__=DESCRIPTIONS[cls.type],
        **fields,
    )
    return model


EVENT_MODELS: dict[str, type[BaseModel]] = {
    cls.type: _model_for(cls) for cls in (*EVENT_TYPES, *NOTICE_TYPES)
}

_AnyEvent = Annotated[Union[tuple(EVENT_MODELS.values())], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007


class EventMessage(RootModel[_AnyEvent]):  # type: ignore[valid-type]
    """One message of /api/events (the `data:` line) and of /api/ws; `type` says which."""


@cache
def event_json_schema() -> dict[str, Any]:
    """A standalone JSON Schema (2020-12) of one event message."""
    schema = TypeAdapter(EventMessage).json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "phonebar:event",
        "title": "phonebar event",
        **schema,
    }
