"""Sample domain objects for unit tests: a call view and one instance of every event type."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from phonebar.domain.events import (
    CallAnswered,
    CallCreated,
    CallEnded,
    CallHeld,
    CallMuted,
    CallResumed,
    CallStateChanged,
    CallUnmuted,
    CallUpdated,
    ConferenceJoined,
    ConferenceLeft,
    DndChanged,
    DtmfReceived,
    Event,
    Gap,
    Overflow,
    RegistrationChanged,
    Shutdown,
    TransferFailed,
    TransferStarted,
    TransferSucceeded,
)
from phonebar.domain.states import (
    CallState,
    Direction,
    EndReason,
    RegistrationState,
    TransferKind,
    TransferState,
)
from phonebar.domain.views import CallView, RegistrationView, TransferView

T0 = datetime(2026, 12, 3, 15, 21, 0, 123000, tzinfo=UTC)


def call_view(**changes: Any) -> CallView:
    view = CallView(
        session_id="k3f9q2-1",
        direction=Direction.INBOUND,
        state=CallState.RINGING,
        number="1003",
        name="Carol",
        uri="sip:1003@pbx.test",
        account="sip:1001@pbx.test",
        sip_call_id="abc@10.0.0.5",
        created_at=T0,
        answered_at=None,
        ended_at=None,
        duration=0.0,
        hold=False,
        remote_hold=False,
        muted=False,
        conference=False,
        codec=None,
        sip_status=None,
        end_reason=None,
        transfer=None,
        transferred_from=None,
        headers={"X-Queue": "sales", "User-Agent": "Asterisk PBX"},
    )
    return dataclasses.replace(view, **changes)


def ended_view(**changes: Any) -> CallView:
    ended: dict[str, Any] = {
        "state": CallState.ENDED,
        "answered_at": T0 + timedelta(seconds=4),
        "ended_at": T0 + timedelta(seconds=16.3),
        "duration": 12.3,
        "codec": "G722/16000",
        "sip_status": 200,
        "end_reason": EndReason.REMOTE_HANGUP,
    }
    return call_view(**{**ended, **changes})


def every_event() -> list[Event]:
    """One of each event type the bus publishes, and each notice, stamped as the bus would."""
    ringing = call_view()
    connected = call_view(state=CallState.CONNECTED, answered_at=T0, sip_status=200, codec="PCMU/8000")
    transfer = TransferView(TransferKind.BLIND, "sip:2000@pbx.test", TransferState.PENDING)
    registration = RegistrationView(RegistrationState.REGISTERED, 200, "OK", T0, expires=300)
    events: list[Event] = [
        RegistrationChanged(registration=registration),
        DndChanged(dnd=True),
        CallCreated(call=ringing),
        CallStateChanged(call=connected, previous=CallState.RINGING),
        CallAnswered(call=connected),
        CallHeld(call=dataclasses.replace(connected, state=CallState.HELD, hold=True)),
        CallResumed(call=connected),
        CallUpdated(call=connected),
        CallMuted(call=dataclasses.replace(connected, muted=True)),
        CallUnmuted(call=connected),
        DtmfReceived(call=connected, digit="5"),
        TransferStarted(
            call=dataclasses.replace(connected, transfer=transfer), kind=transfer.kind, target="x"
        ),
        TransferSucceeded(call=connected, sip_status=200),
        TransferFailed(call=connected, sip_status=486, reason="Busy Here"),
        ConferenceJoined(call=dataclasses.replace(connected, conference=True)),
        ConferenceLeft(call=connected),
        CallEnded(call=ended_view(), reason=EndReason.REMOTE_HANGUP, sip_status=200, duration=12.3),
    ]
    stamped = [dataclasses.replace(event, seq=seq, at=T0) for seq, event in enumerate(events, start=1)]
    notices: list[Event] = [Gap(after=3, missed_until=9, at=T0), Overflow(queued=256, at=T0), Shutdown(at=T0)]
    return stamped + notices
