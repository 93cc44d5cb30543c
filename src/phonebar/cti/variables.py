"""The values a CTI template can use, read from the event that triggered the rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from phonebar.domain.events import CallEnded, CallEvent
from phonebar.domain.serialize import iso
from phonebar.domain.views import CallView

# name -> what it holds (the README's table is written from this)
VARIABLES: dict[str, str] = {
    "event": "the rule's event: ringing, answered, ended, outbound or missed",
    "sessionId": "phonebar's id of the call",
    "number": "the far end's number (URI user part, or from P-Asserted-Identity)",
    "name": "the far end's display name (may be empty)",
    "uri": "the far end's SIP URI",
    "direction": "inbound or outbound",
    "state": "the call's state when the event fired",
    "sipCallId": "the SIP Call-ID",
    "account": "our own SIP address",
    "duration": "talk time in seconds (0 before answer)",
    "endReason": "why the call ended (empty before it ends)",
    "sipStatus": "the last SIP status of the call (empty if none)",
    "createdAt": "when the call started, ISO 8601 UTC",
    "answeredAt": "when it was answered (empty if never)",
    "endedAt": "when it ended (empty before it ends)",
    "transferTarget": "where the call was transferred to (empty if never)",
}
_BY_LOWER = {name.lower(): name for name in VARIABLES}


@dataclass(frozen=True)
class CallVariables:
    """Looks a placeholder name up: a variable first, else an INVITE header; both case-insensitive."""

    values: Mapping[str, str]
    headers: Mapping[str, str]

    @classmethod
    def of(cls, trigger: str, event: CallEvent) -> CallVariables:
        call = event.call
        duration = event.duration if isinstance(event, CallEnded) else call.duration
        reason = event.reason.value if isinstance(event, CallEnded) else _text(call.end_reason)
        values = {
            "event": trigger,
            "sessionId": call.session_id,
            "number": call.number,
            "name": call.name,
            "uri": call.uri,
            "direction": call.direction.value,
            "state": call.state.value,
            "sipCallId": call.sip_call_id,
            "account": call.account,
            "duration": f"{duration:g}",
            "endReason": reason,
            "sipStatus": _text(call.sip_status),
            "createdAt": _text(call.created_at),
            "answeredAt": _text(call.answered_at),
            "endedAt": _text(call.ended_at),
            "transferTarget": call.transfer.target if call.transfer else "",
        }
        return cls(values, {name.lower(): value for name, value in call.headers.items()})

    def __call__(self, name: str) -> str:
        variable = _BY_LOWER.get(name.lower())
        if variable is not None:
            return self.values[variable]
        return self.headers.get(name.lower(), "")


def header_value(call: CallView, name: str) -> str | None:
    """The INVITE header ``name`` (any case), or None if the INVITE had none."""
    wanted = name.lower()
    for header, value in call.headers.items():
        if header.lower() == wanted:
            return value
    return None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso(value)
    if hasattr(value, "value"):
        return str(value.value)
    return str(value)
