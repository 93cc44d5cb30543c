"""Response models: the OpenAPI description of what the serializer
(:mod:`phonebar.domain.serialize`) produces. A test checks that the two agree."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from phonebar.domain.states import (
    CallState,
    Direction,
    EndReason,
    RegistrationState,
    TransferKind,
    TransferState,
)


class Schema(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ErrorBody(Schema):
    code: str = Field(description="stable, for programs: call_not_found, invalid_number, line_limit, ...")
    message: str = Field(description="for people")

    model_config = ConfigDict(extra="allow")


class ErrorResponse(Schema):
    error: ErrorBody


class Transfer(Schema):
    kind: TransferKind
    target: str
    state: TransferState
    sip_status: int | None
    reason: str | None


class Call(Schema):
    """A call as /api/calls, every event, webhook and history row show it."""

    session_id: str = Field(description="ours, never reused while the daemon runs")
    direction: Direction
    state: CallState
    number: str = Field(description="the far end's number (URI user part)")
    name: str = Field(description="the far end's display name, from P-Asserted-Identity or From")
    uri: str
    account: str
    sip_call_id: str
    created_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration: float = Field(description="talk time in seconds, since answer")
    hold: bool = Field(description="we hold the call")
    remote_hold: bool = Field(description="the far end holds us")
    muted: bool
    conference: bool = Field(description="part of the local three-way conference")
    codec: str | None
    sip_status: int | None = Field(description="the last SIP status of the dialog")
    end_reason: EndReason | None
    transfer: Transfer | None
    transferred_from: str | None = Field(
        description="the sessionId this call replaced or was transferred from"
    )
    headers: dict[str, str] = Field(description="headers of the INVITE (routing and credentials left out)")


class CallResult(Schema):
    action: str
    call: Call
    held: list[Call] | None = Field(
        default=None,
        description="answer and originate: the calls put on hold first (the hold follows as events)",
    )


class CallsResult(Schema):
    action: str
    session_ids: list[str]
    calls: list[Call]


class Registration(Schema):
    state: RegistrationState
    sip_status: int | None
    reason: str
    since: datetime
    expires: int | None
    next_retry_in: float | None


class Account(Schema):
    uri: str
    user: str | None
    auth_user: str | None
    domain: str | None
    server: str | None
    display_name: str
    transport: str
    register_: bool = Field(alias="register")


class Lines(Schema):
    max: int
    in_use: int


class EventStats(Schema):
    clients: int = Field(description="clients on /api/events and /api/ws")
    last_seq: int = Field(description="the sequence number of the last event")
    dropped_clients: int = Field(description="clients cut off since start: queue overflow or stalled writes")


class CtiFailure(Schema):
    rule: int = Field(description="index of the rule in cti.rules")
    session_id: str
    problem: str
    at: datetime


class CtiStats(Schema):
    rules: int
    actions: int = Field(description="actions started since start (succeeded + failed + running)")
    succeeded: int
    failures: int
    running: int
    last_failure: CtiFailure | None


class HistoryStats(Schema):
    state: str = Field(description="open, disabled or closed")
    path: str | None
    recorded: int = Field(description="calls written since start")
    failures: int = Field(description="calls that could not be written since start")
    last_failure: str | None


class Status(Schema):
    version: str
    registration: Registration
    account: Account
    sip_address: str
    calls: int
    lines: Lines
    dnd: bool
    engine: str
    audio: str
    event_clients: int
    started_at: datetime
    events: EventStats
    cti: CtiStats
    history: HistoryStats


class RecentCall(Schema):
    """An ended call from the history."""

    id: int = Field(description="increases with each recorded call; pass it as `before` to page")
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
    duration: float = Field(description="talk time in seconds")
    end_reason: EndReason
    sip_status: int | None
    transfer_target: str | None
    transferred_from: str | None
    headers: dict[str, str]


class RecentsPage(Schema):
    calls: list[RecentCall] = Field(description="newest first")
    next_before: int | None = Field(description="`before` for the next page; null on the last page")


class Health(Schema):
    status: str


class HoldResult(Schema):
    action: str = Field(description="held or resumed")
    state: str = Field(description="the state the calls are going to (confirmed by call_held / call_resumed)")
    session_ids: list[str]
    calls: list[Call]


class DndResult(Schema):
    action: str
    dnd: bool


class AudioDevice(Schema):
    id: str = Field(description="what audio.microphone/speaker/ringer and /api/audio/select take")
    name: str = Field(description="for people")
    default: bool = Field(description="the system's default device")
    monitor: bool = Field(description="a PulseAudio monitor source (what a sink plays)")


class AudioDevices(Schema):
    backend: str = Field(description="pulse, portaudio or null")
    inputs: list[AudioDevice]
    outputs: list[AudioDevice]


class AudioRoute(Schema):
    device: AudioDevice | None = Field(description="the device in use; null without sound devices")
    configured: str | None = Field(description="the device asked for; null = the default")
    fallback: bool = Field(description="the device asked for is missing: the default is used")


class AudioLevels(Schema):
    microphone: float
    speaker: float
    ringer: float


class Audio(Schema):
    backend: str = Field(description="pulse, portaudio or null")
    reason: str = Field(description="why this backend: for null, what was missing")
    input_file: str | None = Field(description="the WAV looped as the microphone (wins over the device)")
    microphone: AudioRoute
    speaker: AudioRoute
    ringer: AudioRoute
    volume: AudioLevels
    ring: bool = Field(description="ring tone enabled")
    ringing: bool = Field(description="the ring tone is sounding")
    talking: bool = Field(description="the microphone and speaker streams are open")


class AudioResult(Schema):
    action: str
    audio: Audio


class VolumeResult(Schema):
    action: str
    volume: AudioLevels


class RingStats(Schema):
    pushed: int
    popped: int
    dropped: int = Field(description="frames lost to a full ring while the consumer was consuming")
    late: int = Field(description="frames the consumer found missing (silence played instead)")
    depth: int = Field(description="frames queued now (20 ms each)")
    max_depth: int
    push_stalls: int = Field(description="gaps of more than 30 ms between two frames in")
    pop_stalls: int = Field(description="gaps of more than 30 ms between two frames out")
    max_push_gap: float = Field(description="seconds")
    max_pop_gap: float = Field(description="seconds")
    trimmed: int = Field(description="frames discarded after a stall to bring the latency back down")


class AudioStats(Schema):
    microphone: RingStats = Field(description="the ring from the microphone device to PJSIP")
    speaker: RingStats = Field(description="the ring from PJSIP to the speaker device")
    device_latency: dict[str, float] = Field(description="per open stream, seconds, as the backend says")
