"""Blind and attended transfer, and the tracking of their outcome (NOTIFY or timeout)."""

from __future__ import annotations

import asyncio
import logging

from phonebar.domain.call import Call, Transfer
from phonebar.domain.dial_target import parse_dial_target
from phonebar.domain.events import TransferFailed, TransferStarted, TransferSucceeded
from phonebar.domain.ports import TransferStatusFact
from phonebar.domain.session_id import check_session_id
from phonebar.domain.states import CallState, EndReason, TransferKind, TransferState
from phonebar.errors import NoActiveCall, PhonebarError, SameCall, WrongState
from phonebar.services.conference import leave_conference
from phonebar.services.context import PhoneContext
from phonebar.services.hold import hold_or_retry, most_recent, resume_or_retry, talking_calls

log = logging.getLogger(__name__)

TRANSFERABLE = frozenset({CallState.CONNECTED, CallState.HELD, CallState.REMOTE_HELD})


class TransferTracker:
    """Owns the pending transfers: success ends our leg(s), failure (a 4xx-6xx NOTIFY,
    a rejected REFER or no NOTIFY within ``transfer_timeout``) restores the call: back
    to its state, resumed if we held it for the transfer and the agent is not talking
    on another line by then."""

    def __init__(self, ctx: PhoneContext) -> None:
        self._ctx = ctx
        self._timers: dict[str, asyncio.TimerHandle] = {}

    async def blind(self, session_id: str | None, number: str | None) -> Call:
        ctx = self._ctx
        target = parse_dial_target(number, domain=ctx.options.domain, dial_map=ctx.options.dial_map)
        call = self._pick(session_id)
        call.require(TRANSFERABLE, "transfer")
        transfer = Transfer(TransferKind.BLIND, target.uri, held_for_transfer=not call.hold)
        # transferring first, then the hold: the state goes connected -> transferring whenever
        # the hold's answer arrives (it shows as call_updated), never through held
        self._begin(call, transfer)
        if transfer.held_for_transfer:
            try:
                # the caller must not hear the agent once the transfer is asked for; a deferred
                # hold is dropped if the transfer has ended by then (failed: the call is resumed)
                await hold_or_retry(ctx, call, still_wanted=lambda: _pending(call, transfer))
            except PhonebarError as exc:
                transfer.held_for_transfer = False  # never held: nothing to resume
                self._fail(call, None, f"the call could not be held for the transfer: {exc.message}")
                raise
            if not _pending(call, transfer):  # it ended while it was being held
                raise WrongState(
                    f"call {call.session_id!r} ended before the transfer could be sent",
                    sessionId=call.session_id,
                    state=call.state.value,
                )
        transfer.refer_sent = True
        try:
            await ctx.engine.transfer(call.session_id, target.uri)
        except PhonebarError as exc:
            self._fail(call, None, f"REFER could not be sent: {exc.message}")
            raise
        return call

    async def attended(self, session_id: str, partner_session_id: str) -> tuple[Call, Call]:
        ctx = self._ctx
        check_session_id(partner_session_id)  # a malformed id is a 400 whichever call is unknown
        call = ctx.registry.get(session_id)
        partner = ctx.registry.get(partner_session_id)
        if call is partner:
            raise SameCall(f"cannot transfer call {session_id!r} to itself: give two different calls")
        call.require(TRANSFERABLE, "transfer")
        partner.require(TRANSFERABLE, "transfer to")
        self._begin(
            call,
            Transfer(TransferKind.ATTENDED, partner.remote.uri, partner_session_id=partner.session_id),
        )
        self._begin(
            partner, Transfer(TransferKind.ATTENDED, call.remote.uri, partner_session_id=call.session_id)
        )
        for leg in (call, partner):
            assert leg.transfer is not None
            leg.transfer.refer_sent = True
        try:
            await ctx.engine.transfer_attended(call.session_id, partner.session_id)
        except PhonebarError as exc:
            self._fail(call, None, f"REFER could not be sent: {exc.message}")
            raise
        return call, partner

    def on_status(self, call: Call, fact: TransferStatusFact) -> None:
        if call.state is not CallState.TRANSFERRING or call.transfer is None:
            return
        if 200 <= fact.sip_status < 300:
            self._succeed(call, fact.sip_status)
        elif fact.sip_status >= 300:
            self._fail(call, fact.sip_status, fact.reason or "transfer failed")
        elif fact.final:
            self._fail(call, fact.sip_status, fact.reason or "transfer ended without an answer")

    def far_end_left(self, call: Call) -> None:
        """The far end hung up while the transfer was pending: the transfer took it elsewhere
        (a transferee may leave before it NOTIFYs; the partner of an attended transfer is
        replaced by the INVITE with Replaces before the transferee reports success).
        Only this leg is settled: the other leg of an attended transfer still waits for
        the NOTIFY, or its own far end, or its timer."""
        transfer = call.transfer
        if call.state is not CallState.TRANSFERRING or transfer is None:
            return
        if transfer.state is not TransferState.PENDING:
            return
        self.forget(call)
        call.finish_transfer_succeeded(None)
        self._ctx.publish(TransferSucceeded(call=call.view(), sip_status=None))

    def ended_before_refer(self, call: Call) -> None:
        """The call ended while it was being held for a blind transfer, before the REFER:
        nothing was transferred, so the transfer fails with it (and nothing is resumed)."""
        transfer = call.transfer
        if transfer is not None and not transfer.refer_sent and _pending(call, transfer):
            transfer.held_for_transfer = False
            self._fail(call, None, "the call ended before the transfer was sent")

    def forget(self, call: Call) -> None:
        timer = self._timers.pop(call.session_id, None)
        if timer is not None:
            timer.cancel()

    # -- internals -----------------------------------------------------------

    def _pick(self, session_id: str | None) -> Call:
        if session_id is not None:
            return self._ctx.registry.get(session_id)
        candidates = self._ctx.registry.in_state({CallState.CONNECTED, CallState.REMOTE_HELD})
        candidates = candidates or self._ctx.registry.in_state({CallState.HELD})
        call = most_recent(candidates)
        if call is None:
            raise NoActiveCall("there is no connected or held call to transfer")
        return call

    def _begin(self, call: Call, transfer: Transfer) -> None:
        """Every transferring call has a timer, the partner of an attended transfer too:
        no call can stay ``transferring`` for good, whatever the far ends do."""
        leave_conference(self._ctx, call)
        call.begin_transfer(transfer)
        self._ctx.publish(TransferStarted(call=call.view(), kind=transfer.kind, target=transfer.target))
        loop = asyncio.get_running_loop()
        self._timers[call.session_id] = loop.call_later(
            self._ctx.options.transfer_timeout, self._timed_out, call
        )

    def _timed_out(self, call: Call) -> None:
        self._timers.pop(call.session_id, None)
        if call.state is CallState.TRANSFERRING:
            seconds = self._ctx.options.transfer_timeout
            self._fail(call, None, f"no answer to the transfer within {seconds:g} s")

    def _succeed(self, call: Call, sip_status: int) -> None:
        for leg in [call, *self._partner(call)]:
            self.forget(leg)
            leg.finish_transfer_succeeded(sip_status)
            leg.pending_end_reason = EndReason.TRANSFERRED
            self._ctx.publish(TransferSucceeded(call=leg.view(), sip_status=sip_status))
            self._ctx.background.spawn(
                self._ctx.engine.hangup(leg.session_id), f"hang up transferred call {leg.session_id}"
            )

    def _fail(self, call: Call, sip_status: int | None, reason: str) -> None:
        log.warning("call %s: transfer failed (%s %s)", call.session_id, sip_status, reason)
        for leg in [call, *self._partner(call)]:
            self.forget(leg)
            transfer = leg.transfer
            leg.finish_transfer_failed(sip_status, reason)
            self._ctx.publish(TransferFailed(call=leg.view(), sip_status=sip_status, reason=reason))
            if transfer is not None and transfer.held_for_transfer and not self._talking_besides(leg):
                self._ctx.background.spawn(resume_or_retry(self._ctx, leg), f"resume call {leg.session_id}")

    def _talking_besides(self, call: Call) -> bool:
        """The agent took another line meanwhile: the call comes back held, not over it."""
        return any(other is not call for other in talking_calls(self._ctx))

    def _partner(self, call: Call) -> list[Call]:
        if call.transfer is None or call.transfer.partner_session_id is None:
            return []
        partner = self._ctx.registry.find(call.transfer.partner_session_id)
        if partner is None or partner.state is not CallState.TRANSFERRING:
            return []
        return [partner]


def _pending(call: Call, transfer: Transfer) -> bool:
    """``transfer`` is still the call's own, and still waiting for its outcome."""
    return (
        call.transfer is transfer
        and transfer.state is TransferState.PENDING
        and call.state is CallState.TRANSFERRING
    )
