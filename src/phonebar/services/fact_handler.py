"""Applies what the engine reports (facts) to the calls, and starts the follow-ups
(auto-answer, DND rejection, hanging up a transferred leg, conference break-up)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from phonebar.domain.call import Call
from phonebar.domain.events import DtmfReceived
from phonebar.domain.ports import (
    CallConfirmedFact,
    CallDisconnectedFact,
    CallProgressFact,
    CallReplacedFact,
    DtmfFact,
    EngineFact,
    EngineStoppedFact,
    IncomingCallFact,
    MediaFact,
    MediaTimeoutFact,
    RegistrationFact,
    TransferRequestFact,
    TransferStatusFact,
)
from phonebar.domain.remote_party import RemoteParty
from phonebar.domain.states import CallState, Direction, EndReason
from phonebar.errors import PhonebarError
from phonebar.services.conference import leave_conference
from phonebar.services.context import PhoneContext
from phonebar.services.registration import RegistrationKeeper
from phonebar.services.transfer import TransferTracker

log = logging.getLogger(__name__)

_FAILURE_REASONS = {
    486: EndReason.BUSY,
    600: EndReason.BUSY,
    603: EndReason.DECLINED,
    404: EndReason.NOT_FOUND,
    484: EndReason.NOT_FOUND,
    604: EndReason.NOT_FOUND,
    408: EndReason.NO_ANSWER,
    480: EndReason.NO_ANSWER,
    487: EndReason.CANCELLED,
}


class FactHandler:
    """The one :class:`~phonebar.domain.ports.EngineListener` of the services."""

    def __init__(
        self,
        ctx: PhoneContext,
        registration: RegistrationKeeper,
        transfers: TransferTracker,
        on_incoming: Callable[[Call], Coroutine[Any, Any, None]],
        on_engine_stopped: Callable[[str | None], None],
        turn_away: Callable[[], EndReason | None] = lambda: None,
    ) -> None:
        self._ctx = ctx
        self._registration = registration
        self._transfers = transfers
        self._on_incoming = on_incoming
        self._on_engine_stopped = on_engine_stopped
        self._turn_away = turn_away  # why an inbound call is refused before it rings, if it is

    def __call__(self, fact: EngineFact) -> None:
        try:
            self._apply(fact)
        except PhonebarError as exc:
            log.warning("engine fact %s not applied: %s", type(fact).__name__, exc.message)
        except Exception:
            log.exception("engine fact %s failed", type(fact).__name__)

    def _apply(self, fact: EngineFact) -> None:
        ctx = self._ctx
        match fact:
            case RegistrationFact():
                self._registration.on_fact(fact)
            case IncomingCallFact():
                call = ctx.new_call(
                    fact.session_id,
                    Direction.INBOUND,
                    RemoteParty.parse(_caller_identity(fact.headers) or fact.remote),
                    sip_call_id=fact.sip_call_id,
                    headers=fact.headers,
                    _state=CallState.RINGING,
                    pending_end_reason=self._turn_away(),
                )
                ctx.background.spawn(self._on_incoming(call), f"incoming call {call.session_id}")
            case CallProgressFact():
                if call_ := ctx.registry.find(fact.session_id):
                    call_.mark_early(fact.sip_status)
            case CallConfirmedFact():
                if call_ := ctx.registry.find(fact.session_id):
                    call_.sip_call_id = call_.sip_call_id or fact.sip_call_id
                    call_.mark_confirmed()
                    self._transferred_away(call_)
                    ctx.background.spawn(ctx.push_mix(), "audio mix")
            case MediaFact():
                if call_ := ctx.registry.find(fact.session_id):
                    call_.apply_media(fact.status, fact.codec)
                    ctx.background.spawn(ctx.push_mix(), "audio mix")
            case MediaTimeoutFact():
                if call_ := ctx.registry.find(fact.session_id):
                    log.warning("call %s: no RTP for %.0f s, hanging up", call_.session_id, fact.seconds)
                    call_.pending_end_reason = EndReason.MEDIA_TIMEOUT
                    ctx.background.spawn(
                        ctx.engine.hangup(call_.session_id), f"media timeout {call_.session_id}"
                    )
            case CallDisconnectedFact():
                if call_ := ctx.registry.find(fact.session_id):
                    self._end(call_, fact)
            case TransferStatusFact():
                if call_ := ctx.registry.find(fact.session_id):
                    self._transfers.on_status(call_, fact)
            case TransferRequestFact():
                if call_ := ctx.registry.find(fact.session_id):
                    new = ctx.new_call(
                        fact.new_session_id,
                        Direction.OUTBOUND,
                        RemoteParty.parse(fact.target),
                        transferred_from=call_.session_id,
                    )
                    log.info(
                        "call %s: far end transfers us to %s (%s)",
                        call_.session_id,
                        fact.target,
                        new.session_id,
                    )
            case CallReplacedFact():
                old = ctx.registry.find(fact.session_id)
                if old is not None:
                    old.pending_end_reason = EndReason.REPLACED
                ctx.new_call(
                    fact.new_session_id,
                    Direction.INBOUND,
                    RemoteParty.parse(fact.remote),
                    sip_call_id=fact.sip_call_id,
                    transferred_from=fact.session_id,
                    _state=CallState.RINGING,
                )
            case DtmfFact():
                if call_ := ctx.registry.find(fact.session_id):
                    ctx.publish(DtmfReceived(call=call_.view(), digit=fact.digit))
            case EngineStoppedFact():
                self._on_engine_stopped(fact.error)

    def _transferred_away(self, call: Call) -> None:
        """We were transferred (REFER or Replaces) and the new call is up: when the old
        dialog ends, it ends because of the transfer."""
        if call.transferred_from is None:
            return
        old = self._ctx.registry.find(call.transferred_from)
        if old is not None and old.pending_end_reason is None:
            old.pending_end_reason = EndReason.TRANSFERRED

    def _end(self, call: Call, fact: CallDisconnectedFact) -> None:
        reason = self._end_reason(call, fact)
        leave_conference(self._ctx, call)
        if reason is EndReason.TRANSFERRED:
            self._transfers.far_end_left(call)
        else:
            self._transfers.ended_before_refer(call)
        self._transfers.forget(call)
        call.end(reason, fact.sip_status)
        self._ctx.registry.retire(call)
        self._ctx.background.spawn(self._ctx.push_mix(), "audio mix")

    @staticmethod
    def _end_reason(call: Call, fact: CallDisconnectedFact) -> EndReason:
        if call.pending_end_reason is not None:
            return call.pending_end_reason
        if (
            not fact.local
            and call.state is CallState.TRANSFERRING
            and call.transfer
            and call.transfer.refer_sent
        ):
            return EndReason.TRANSFERRED  # the far end left because the transfer took it elsewhere
        answered = call.answered_at is not None
        if fact.local:
            if answered:
                return EndReason.LOCAL_HANGUP
            return EndReason.REJECTED if call.direction is Direction.INBOUND else EndReason.CANCELLED
        if answered:
            return EndReason.REMOTE_HANGUP
        if call.direction is Direction.INBOUND:
            return EndReason.MISSED
        return _FAILURE_REASONS.get(fact.sip_status, EndReason.FAILED)


def _caller_identity(headers: dict[str, str]) -> str | None:
    """P-Asserted-Identity, when the PBX vouches for the caller, beats From."""
    for name, value in headers.items():
        if name.lower() == "p-asserted-identity" and value.strip():
            return value.split(",", 1)[0]
    return None
