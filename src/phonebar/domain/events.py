"""Domain events: frozen dataclasses with a stable ``type``; the bus stamps ``seq`` and ``at``.

One serializer (:mod:`phonebar.domain.serialize`) turns any of them into the JSON
that SSE, WebSocket, webhooks and history all carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar

from phonebar.domain.states import CallState, EndReason, TransferKind
from phonebar.domain.views import CallView, RegistrationView

_EPOCH = datetime.fromtimestamp(0, UTC)


@dataclass(frozen=True, kw_only=True)
class Event:
    type: ClassVar[str] = "event"
    seq: int = 0
    at: datetime = field(default=_EPOCH)


@dataclass(frozen=True, kw_only=True)
class RegistrationChanged(Event):
    type: ClassVar[str] = "registration_changed"
    registration: RegistrationView


@dataclass(frozen=True, kw_only=True)
class DndChanged(Event):
    type: ClassVar[str] = "dnd_changed"
    dnd: bool


@dataclass(frozen=True, kw_only=True)
class CallEvent(Event):
    """Any event about one call; it carries the call as ``/api/calls`` shows it."""

    call: CallView


@dataclass(frozen=True, kw_only=True)
class CallCreated(CallEvent):
    type: ClassVar[str] = "call_created"
    # an inbound call that do-not-disturb rejects at once: it never rings, so it pops no
    # CTI "ringing" action (it ends as a missed call), and a bar need not show it
    turned_away: bool = False


@dataclass(frozen=True, kw_only=True)
class CallStateChanged(CallEvent):
    type: ClassVar[str] = "call_state_changed"
    previous: CallState


@dataclass(frozen=True, kw_only=True)
class CallAnswered(CallEvent):
    type: ClassVar[str] = "call_answered"


@dataclass(frozen=True, kw_only=True)
class CallHeld(CallEvent):
    type: ClassVar[str] = "call_held"


@dataclass(frozen=True, kw_only=True)
class CallResumed(CallEvent):
    type: ClassVar[str] = "call_resumed"


@dataclass(frozen=True, kw_only=True)
class CallUpdated(CallEvent):
    """A field other than the state changed (mute, codec, conference flag)."""

    type: ClassVar[str] = "call_updated"


@dataclass(frozen=True, kw_only=True)
class CallMuted(CallEvent):
    type: ClassVar[str] = "call_muted"


@dataclass(frozen=True, kw_only=True)
class CallUnmuted(CallEvent):
    type: ClassVar[str] = "call_unmuted"


@dataclass(frozen=True, kw_only=True)
class DtmfReceived(CallEvent):
    type: ClassVar[str] = "dtmf_received"
    digit: str


@dataclass(frozen=True, kw_only=True)
class TransferStarted(CallEvent):
    type: ClassVar[str] = "transfer_started"
    kind: TransferKind
    target: str


@dataclass(frozen=True, kw_only=True)
class TransferSucceeded(CallEvent):
    type: ClassVar[str] = "transfer_succeeded"
    sip_status: int | None


@dataclass(frozen=True, kw_only=True)
class TransferFailed(CallEvent):
    type: ClassVar[str] = "transfer_failed"
    sip_status: int | None
    reason: str


@dataclass(frozen=True, kw_only=True)
class ConferenceJoined(CallEvent):
    type: ClassVar[str] = "conference_joined"


@dataclass(frozen=True, kw_only=True)
class ConferenceLeft(CallEvent):
    type: ClassVar[str] = "conference_left"


@dataclass(frozen=True, kw_only=True)
class CallEnded(CallEvent):
    type: ClassVar[str] = "call_ended"
    reason: EndReason
    sip_status: int | None
    duration: float


EVENT_TYPES: tuple[type[Event], ...] = (
    RegistrationChanged,
    DndChanged,
    CallCreated,
    CallStateChanged,
    CallAnswered,
    CallHeld,
    CallResumed,
    CallUpdated,
    CallMuted,
    CallUnmuted,
    DtmfReceived,
    TransferStarted,
    TransferSucceeded,
    TransferFailed,
    ConferenceJoined,
    ConferenceLeft,
    CallEnded,
)


# -- notices of the event stream itself (not stored in the replay buffer) -------


@dataclass(frozen=True, kw_only=True)
class Gap(Event):
    """The client asked to resume after ``after`` but events up to ``missed_until`` are gone."""

    type: ClassVar[str] = "gap"
    after: int
    missed_until: int


@dataclass(frozen=True, kw_only=True)
class Overflow(Event):
    """The client fell ``queued`` events behind and is being disconnected."""

    type: ClassVar[str] = "overflow"
    queued: int


@dataclass(frozen=True, kw_only=True)
class Shutdown(Event):
    """The daemon is stopping: the stream ends after this notice."""

    type: ClassVar[str] = "shutdown"
