"""Ports: what the services need from the outside, as Protocols, and the facts the engine reports.

The engine implements :class:`EnginePort` and reports :data:`EngineFact` values
to one :class:`EngineListener` on the asyncio loop. Only ids and these
dataclasses cross the boundary, never pjsua2 objects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from phonebar.domain.events import Event
from phonebar.domain.mix import MixPlan
from phonebar.domain.states import MediaStatus
from phonebar.domain.views import CtiStatsView, HistoryStatsView, RecentPage

# -- facts: engine -> services --------------------------------------------------


@dataclass(frozen=True)
class RegistrationFact:
    """The registrar answered (or failed to): ``active`` is True while a binding exists."""

    active: bool
    sip_status: int
    reason: str
    expires: int | None = None
    unregistering: bool = False


@dataclass(frozen=True)
class IncomingCallFact:
    session_id: str
    remote: str  # the From name-addr
    sip_call_id: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CallProgressFact:
    """A provisional (18x) response to our INVITE."""

    session_id: str
    sip_status: int
    reason: str


@dataclass(frozen=True)
class CallConfirmedFact:
    session_id: str
    sip_call_id: str = ""  # known only now for a call PJSIP placed itself (we were transferred)


@dataclass(frozen=True)
class CallDisconnectedFact:
    session_id: str
    sip_status: int
    reason: str
    local: bool  # we hung up (or rejected, or cancelled)


@dataclass(frozen=True)
class MediaFact:
    session_id: str
    status: MediaStatus
    codec: str | None = None


@dataclass(frozen=True)
class MediaTimeoutFact:
    session_id: str
    seconds: float


@dataclass(frozen=True)
class TransferStatusFact:
    """A NOTIFY about a REFER we sent (or the REFER's own failure)."""

    session_id: str
    sip_status: int
    reason: str
    final: bool


@dataclass(frozen=True)
class TransferRequestFact:
    """The far end of ``session_id`` asked us to call ``target`` (we are the transferee)."""

    session_id: str
    new_session_id: str
    target: str


@dataclass(frozen=True)
class CallReplacedFact:
    """An INVITE with Replaces took over ``session_id``; the new dialog is ``new_session_id``."""

    session_id: str
    new_session_id: str
    remote: str
    sip_call_id: str


@dataclass(frozen=True)
class DtmfFact:
    session_id: str
    digit: str


@dataclass(frozen=True)
class EngineStoppedFact:
    """The engine thread is gone; ``error`` is set when it died rather than stopped."""

    error: str | None


EngineFact = (
    RegistrationFact
    | IncomingCallFact
    | CallProgressFact
    | CallConfirmedFact
    | CallDisconnectedFact
    | MediaFact
    | MediaTimeoutFact
    | TransferStatusFact
    | TransferRequestFact
    | CallReplacedFact
    | DtmfFact
    | EngineStoppedFact
)

EngineListener = Callable[[EngineFact], None]


@dataclass(frozen=True)
class EngineInfo:
    """What the engine bound to, once started."""

    sip_address: str  # host:port of the SIP UDP transport
    transports: Sequence[str]
    codecs: Sequence[str]
    account_uri: str
    audio: str  # "null" or a description of the audio devices in use


@dataclass(frozen=True)
class OutboundCall:
    sip_call_id: str


class EnginePort(Protocol):
    """The SIP engine, as the services use it. Every method returns once the SIP request
    has left (never waits on the far end); outcomes arrive as facts."""

    def set_listener(self, listener: EngineListener) -> None: ...

    async def start(self) -> EngineInfo: ...

    async def stop(self) -> None: ...

    @property
    def alive(self) -> bool: ...

    async def register(self) -> None: ...

    async def probe_registrar(self) -> int:
        """Send OPTIONS to the registrar; return the SIP status of the answer."""
        ...

    async def dial(self, session_id: str, uri: str, sip_call_id: str) -> OutboundCall:
        """INVITE ``uri`` with our own Call-ID, so every event of the call carries it."""
        ...

    async def answer(self, session_id: str) -> None: ...

    async def reject(self, session_id: str, sip_status: int) -> None: ...

    async def hangup(self, session_id: str) -> None: ...

    async def hold(self, session_id: str) -> None: ...

    async def unhold(self, session_id: str) -> None: ...

    async def transfer(self, session_id: str, uri: str) -> None: ...

    async def transfer_attended(self, session_id: str, partner_session_id: str) -> None: ...

    async def send_dtmf(self, session_id: str, digits: str, method: str) -> None: ...

    async def set_mix(self, plan: MixPlan) -> None: ...


class HistoryPort(Protocol):
    """Where ended calls are kept. It listens to the bus (``__call__``) and records each
    ``call_ended``; ``open`` fails with a ConfigError (at start) when it cannot keep them."""

    def __call__(self, event: Event) -> None: ...

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def recent(self, limit: int, before: int | None) -> RecentPage: ...

    def stats(self) -> HistoryStatsView: ...


class CtiPort(Protocol):
    """CTI actions started from the bus (``__call__``); never raises, never blocks."""

    def __call__(self, event: Event) -> None: ...

    def start(self) -> None: ...

    async def stop(self) -> None: ...

    def stats(self) -> CtiStatsView: ...


Clock = Callable[[], datetime]  # returns an aware datetime (UTC)
