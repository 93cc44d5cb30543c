"""The enumerations the API shows: call states, directions, end reasons, registration states."""

from __future__ import annotations

from enum import StrEnum


class CallState(StrEnum):
    """The states of one call (one SIP dialog), as ``/api/calls`` shows them."""

    DIALING = "dialing"  # outbound, INVITE sent, nothing but 100 back
    RINGING = "ringing"  # inbound, not answered yet
    EARLY = "early"  # outbound, 18x received
    CONNECTED = "connected"
    HELD = "held"  # we put it on hold
    REMOTE_HELD = "remote_held"  # the far end put us on hold
    TRANSFERRING = "transferring"  # REFER sent, waiting for the outcome
    ENDED = "ended"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MediaStatus(StrEnum):
    """What the media of a call is doing, read from the engine after each offer/answer."""

    NONE = "none"
    ACTIVE = "active"
    LOCAL_HOLD = "local_hold"
    REMOTE_HOLD = "remote_hold"
    ERROR = "error"


class EndReason(StrEnum):
    """Why a call ended."""

    LOCAL_HANGUP = "local_hangup"  # we hung up an answered call
    REMOTE_HANGUP = "remote_hangup"  # the far end sent BYE
    CANCELLED = "cancelled"  # we cancelled our outbound call before it was answered
    REJECTED = "rejected"  # we rejected an inbound call
    MISSED = "missed"  # the caller gave up before we answered
    DND = "dnd"  # rejected because do-not-disturb was on
    BUSY = "busy"  # the far end answered 486/600
    DECLINED = "declined"  # the far end answered 603
    NOT_FOUND = "not_found"  # 404/484/604
    NO_ANSWER = "no_answer"  # 408/480
    FAILED = "failed"  # any other failure to set the call up
    TRANSFERRED = "transferred"  # our leg ended because a transfer succeeded
    REPLACED = "replaced"  # an attended transfer replaced this dialog
    MEDIA_TIMEOUT = "media_timeout"  # no RTP for sip.media_timeout seconds
    SHUTDOWN = "shutdown"  # the daemon stopped


class RegistrationState(StrEnum):
    UNREGISTERED = "unregistered"
    REGISTERING = "registering"
    REGISTERED = "registered"
    FAILED = "failed"


class TransferState(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class TransferKind(StrEnum):
    BLIND = "blind"
    ATTENDED = "attended"
