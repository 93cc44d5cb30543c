"""Immutable snapshots of domain objects: what the API, events, CTI and history see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from phonebar.domain.states import (
    CallState,
    Direction,
    EndReason,
    RegistrationState,
    TransferKind,
    TransferState,
)


@dataclass(frozen=True)
class TransferView:
    kind: TransferKind
    target: str
    state: TransferState
    sip_status: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class CallView:
    session_id: str
    direction: Direction
    state: CallState
    number: str
    name: str
    uri: str
    account: str
    sip_call_id: str
    created_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration: float
    hold: bool
    remote_hold: bool
    muted: bool
    conference: bool
    codec: str | None
    sip_status: int | None
    end_reason: EndReason | None
    transfer: TransferView | None
    transferred_from: str | None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RegistrationView:
    """The account's registration: state, the last SIP status and reason, and since when."""

    state: RegistrationState
    sip_status: int | None
    reason: str
    since: datetime
    expires: int | None = None
    next_retry_in: float | None = None


@dataclass(frozen=True)
class AccountView:
    """The account as the API shows it: never the password."""

    uri: str
    user: str | None
    auth_user: str | None
    domain: str | None
    server: str | None
    display_name: str
    transport: str
    register: bool


@dataclass(frozen=True)
class LinesView:
    max: int
    in_use: int


@dataclass(frozen=True)
class StatusView:
    version: str
    registration: RegistrationView
    account: AccountView
    sip_address: str
    calls: int
    lines: LinesView
    dnd: bool
    engine: str  # running | stopped | failed
    audio: str
    event_clients: int
    started_at: datetime


@dataclass(frozen=True)
class EventStatsView:
    """The event streams: clients connected, the last sequence number, clients cut off."""

    clients: int
    last_seq: int
    dropped_clients: int  # fell ``events.client_queue`` behind, or a write stalled


@dataclass(frozen=True)
class CtiFailureView:
    rule: int  # the index in cti.rules
    session_id: str
    problem: str
    at: datetime


@dataclass(frozen=True)
class CtiStatsView:
    """CTI actions since start: started, succeeded, failed, in flight."""

    rules: int
    actions: int
    succeeded: int
    failures: int
    running: int
    last_failure: CtiFailureView | None


@dataclass(frozen=True)
class HistoryStatsView:
    """The call history: ``state`` is ``open``, ``disabled`` or ``closed``."""

    state: str
    path: str | None
    recorded: int  # calls written since start
    failures: int  # calls that could not be written
    last_failure: str | None


@dataclass(frozen=True)
class RecentCallView:
    """One ended call, as the history keeps it; ``id`` orders them and pages ``/api/recents``."""

    id: int
    session_id: str
    direction: Direction
    number: str
    name: str
    uri: str
    account: str
    sip_call_id: str
    created_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    duration: float
    end_reason: EndReason
    sip_status: int | None
    transfer_target: str | None
    transferred_from: str | None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecentPage:
    """Newest first; ``next_before`` is the ``before`` of the next page (None on the last)."""

    calls: list[RecentCallView]
    next_before: int | None
