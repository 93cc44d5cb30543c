"""The Call entity: one SIP dialog, its state machine and what the API shows of it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from phonebar.domain.events import (
    CallAnswered,
    CallEnded,
    CallEvent,
    CallHeld,
    CallResumed,
    CallStateChanged,
    CallUpdated,
)
from phonebar.domain.remote_party import RemoteParty
from phonebar.domain.states import (
    CallState,
    Direction,
    EndReason,
    MediaStatus,
    TransferKind,
    TransferState,
)
from phonebar.domain.views import CallView, TransferView
from phonebar.errors import WrongState

log = logging.getLogger(__name__)

_S = CallState
TRANSITIONS: dict[CallState, frozenset[CallState]] = {
    _S.DIALING: frozenset({_S.EARLY, _S.CONNECTED, _S.ENDED}),
    _S.RINGING: frozenset({_S.CONNECTED, _S.ENDED}),
    _S.EARLY: frozenset({_S.CONNECTED, _S.ENDED}),
    _S.CONNECTED: frozenset({_S.HELD, _S.REMOTE_HELD, _S.TRANSFERRING, _S.ENDED}),
    _S.HELD: frozenset({_S.CONNECTED, _S.REMOTE_HELD, _S.TRANSFERRING, _S.ENDED}),
    _S.REMOTE_HELD: frozenset({_S.CONNECTED, _S.HELD, _S.TRANSFERRING, _S.ENDED}),
    _S.TRANSFERRING: frozenset({_S.CONNECTED, _S.HELD, _S.REMOTE_HELD, _S.ENDED}),
    _S.ENDED: frozenset(),
}

# States in which a call has an established dialog with media negotiated.
ESTABLISHED = frozenset({_S.CONNECTED, _S.HELD, _S.REMOTE_HELD, _S.TRANSFERRING})

Publish = Callable[[CallEvent], None]


@dataclass
class Transfer:
    kind: TransferKind
    target: str
    state: TransferState = TransferState.PENDING
    sip_status: int | None = None
    reason: str | None = None
    held_for_transfer: bool = False
    partner_session_id: str | None = None
    # the REFER was handed to the engine: a far end that leaves from then on was sent on
    refer_sent: bool = False


@dataclass
class Call:
    """One call. ``state`` changes only through :meth:`_set_state`, which checks
    :data:`TRANSITIONS`, logs ``old -> new`` and publishes ``call_state_changed``
    (plus ``call_answered``, ``call_held``, ``call_resumed`` or ``call_ended`` where
    they apply) through ``publish``.
    """

    session_id: str
    direction: Direction
    remote: RemoteParty
    created_at: datetime
    publish: Publish = field(repr=False)
    clock: Callable[[], datetime] = field(repr=False)
    account: str = ""
    sip_call_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    _state: CallState = CallState.DIALING
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    media: MediaStatus = MediaStatus.NONE
    muted: bool = False
    conference: bool = False
    codec: str | None = None
    sip_status: int | None = None
    end_reason: EndReason | None = None
    transfer: Transfer | None = None
    transferred_from: str | None = None
    pending_end_reason: EndReason | None = field(default=None, repr=False)  # set before we end it

    @property
    def state(self) -> CallState:
        """dialing | ringing | early | connected | held | remote_held | transferring | ended."""
        return self._state

    @property
    def hold(self) -> bool:
        """True while we hold the call (derived from the media status, not guessed)."""
        return self.media is MediaStatus.LOCAL_HOLD and self._state in ESTABLISHED

    @property
    def remote_hold(self) -> bool:
        return self.media is MediaStatus.REMOTE_HOLD and self._state in ESTABLISHED

    @property
    def established(self) -> bool:
        return self._state in ESTABLISHED

    @property
    def ended(self) -> bool:
        return self._state is CallState.ENDED

    def duration(self, now: datetime | None = None) -> float:
        """Seconds of talk time: from answer to end (or to now)."""
        if self.answered_at is None:
            return 0.0
        end = self.ended_at or now or self.clock()
        return max(0.0, (end - self.answered_at).total_seconds())

    # -- commands the use cases check before they reach the engine ------------

    def require(self, allowed: Iterable[CallState], action: str) -> None:
        allowed = frozenset(allowed)
        if self._state not in allowed:
            names = ", ".join(sorted(state.value for state in allowed))
            raise WrongState(
                f"cannot {action} call {self.session_id!r}: it is {self._state.value} (needs {names})",
                sessionId=self.session_id,
                state=self._state.value,
            )

    # -- facts from the engine ------------------------------------------------

    def mark_early(self, sip_status: int) -> None:
        self.sip_status = sip_status
        if self._state is CallState.DIALING:
            self._set_state(CallState.EARLY)

    def mark_confirmed(self) -> None:
        if self._state in (CallState.DIALING, CallState.RINGING, CallState.EARLY):
            self.answered_at = self.clock()
            self.sip_status = 200
            self._set_state(self._state_from_media())

    def apply_media(self, media: MediaStatus, codec: str | None) -> None:
        """A new media status: it moves connected/held/remote_held, and a change the state
        does not show (hold during a transfer, a new codec) publishes ``call_updated``."""
        before = (self.hold, self.remote_hold, self.codec, self._state)
        self.media = media
        if codec:
            self.codec = codec
        if self._state in (CallState.CONNECTED, CallState.HELD, CallState.REMOTE_HELD):
            self._set_state(self._state_from_media())
        changed = (self.hold, self.remote_hold, self.codec) != before[:3]
        if changed and self._state is before[3] and self.established:
            self.publish(CallUpdated(call=self.view()))

    def begin_transfer(self, transfer: Transfer) -> None:
        self.transfer = transfer
        self._set_state(CallState.TRANSFERRING)

    def finish_transfer_failed(self, sip_status: int | None, reason: str) -> None:
        assert self.transfer is not None
        self.transfer.state = TransferState.FAILED
        self.transfer.sip_status = sip_status
        self.transfer.reason = reason
        if self._state is CallState.TRANSFERRING:
            self._set_state(self._state_from_media())

    def finish_transfer_succeeded(self, sip_status: int | None) -> None:
        assert self.transfer is not None
        self.transfer.state = TransferState.SUCCEEDED
        self.transfer.sip_status = sip_status

    def end(self, reason: EndReason, sip_status: int | None) -> None:
        if self._state is CallState.ENDED:
            return
        self.end_reason = reason
        if sip_status is not None:
            self.sip_status = sip_status
        self.ended_at = self.clock()
        self.conference = False
        self._set_state(CallState.ENDED)

    # -- the one place state changes -------------------------------------------

    def _state_from_media(self) -> CallState:
        if self.media is MediaStatus.LOCAL_HOLD:
            return CallState.HELD
        if self.media is MediaStatus.REMOTE_HOLD:
            return CallState.REMOTE_HELD
        return CallState.CONNECTED

    def _set_state(self, new: CallState) -> None:
        old = self._state
        if new is old:
            return
        if new not in TRANSITIONS[old]:
            raise WrongState(f"call {self.session_id!r}: no transition {old.value} -> {new.value}")
        self._state = new
        log.info("call %s: %s -> %s", self.session_id, old.value, new.value)
        view = self.view()
        self.publish(CallStateChanged(call=view, previous=old))
        if new is CallState.CONNECTED and old in (CallState.DIALING, CallState.RINGING, CallState.EARLY):
            self.publish(CallAnswered(call=view))
        elif new is CallState.HELD and old is not CallState.TRANSFERRING:
            self.publish(CallHeld(call=view))
        elif old is CallState.HELD and new in (CallState.CONNECTED, CallState.REMOTE_HELD):
            self.publish(CallResumed(call=view))
        elif new is CallState.ENDED:
            self.publish(
                CallEnded(
                    call=view,
                    reason=self.end_reason or EndReason.FAILED,
                    sip_status=self.sip_status,
                    duration=view.duration,
                )
            )

    def view(self) -> CallView:
        """An immutable snapshot: what ``/api/calls`` and every event show of this call."""
        transfer = None
        if self.transfer is not None:
            transfer = TransferView(
                kind=self.transfer.kind,
                target=self.transfer.target,
                state=self.transfer.state,
                sip_status=self.transfer.sip_status,
                reason=self.transfer.reason,
            )
        return CallView(
            session_id=self.session_id,
            direction=self.direction,
            state=self._state,
            number=self.remote.number,
            name=self.remote.name,
            uri=self.remote.uri,
            account=self.account,
            sip_call_id=self.sip_call_id,
            created_at=self.created_at,
            answered_at=self.answered_at,
            ended_at=self.ended_at,
            duration=round(self.duration(), 1),
            hold=self.hold,
            remote_hold=self.remote_hold,
            muted=self.muted,
            conference=self.conference,
            codec=self.codec,
            sip_status=self.sip_status,
            end_reason=self.end_reason,
            transfer=transfer,
            transferred_from=self.transferred_from,
            headers=dict(self.headers),
        )
