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
