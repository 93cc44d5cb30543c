"""Blind and attended transfer, and the tracking of their outcome (NOTIFY or timeout)."""

from __future__ import annotations

import asyncio
import logging

from phonebar.domain.call import Call, Transfer
from phonebar.domain.dial_target import parse_dial_target
from phonebar.domain.events import TransferFailed, TransferStarted, TransferSucceeded
from phonebar.domain.ports import TransferStatusFact
from phonebar.domain.session_id import check_session_id
from phonebar.domain.states import CallState, EndReason, TransferKind
from phonebar.errors import NoActiveCall, PhonebarError, SameCall
from phonebar.services.context import PhoneContext
from phonebar.services.hold import most_recent

log = logging.getLogger(__name__)

TRANSFERABLE = frozenset({CallState.CONNECTED, CallState.HELD, CallState.REMOTE_HELD})


class TransferTracker:
    """Owns the pending transfers: success ends our leg(s), failure (a 4xx-6xx NOTIFY,
    a rejected REFER or no NOTIFY within ``transfer_timeout``) restores the call."""

    def __init__(self, ctx: PhoneContext) -> None:
        self._ctx = ctx
        self._timers: dict[str, asyncio.TimerHandle] = {}

    async def blind(self, session_id: str | None, number: str | None) -> Call:
        ctx = self._ctx
        target = parse_dial_target(number, domain=ctx.options.domain, dial_map=ctx.options.dial_map)
        call = self._pick(session_id)
        call.require(TRANSFERABLE, "transfer")
        held_for_transfer = not call.hold
        if held_for_transfer:
            # the caller must not hear the agent once the transfer is asked for
            await ctx.engine.hold(call.session_id)
        self._begin(call, Transfer(TransferKind.BLIND, target.uri, held_for_transfer=held_for_transfer))
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
            partner,
            Transfer(TransferKind.ATTENDED, call.remote.uri, partner_session_id=call.session_id),
            timer=False,
        )
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

    def _begin(self, call: Call, transfer: Transfer, *, timer: bool = True) -> None:
        if call.conference:
            call.conference = False
        call.begin_transfer(transfer)
        self._ctx.publish(TransferStarted(call=call.view(), kind=transfer.kind, target=transfer.target))
        if timer:
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
        self.forget(call)
        legs = [call, *self._partner(call)]
        for leg in legs:
            leg.finish_transfer_succeeded(sip_status)
            leg.pending_end_reason = EndReason.TRANSFERRED
            self._ctx.publish(TransferSucceeded(call=leg.view(), sip_status=sip_status))
            self._ctx.background.spawn(
                self._ctx.engine.hangup(leg.session_id), f"hang up transferred call {leg.session_id}"
            )

    def _fail(self, call: Call, sip_status: int | None, reason: str) -> None:
        self.forget(call)
        log.warning("call %s: transfer failed (%s %s)", call.session_id, sip_status, reason)
        for leg in [call, *self._partner(call)]:
            transfer = leg.transfer
            leg.finish_transfer_failed(sip_status, reason)
            self._ctx.publish(TransferFailed(call=leg.view(), sip_status=sip_status, reason=reason))
            if transfer is not None and transfer.held_for_transfer:
                self._ctx.background.spawn(
                    self._ctx.engine.unhold(leg.session_id), f"resume call {leg.session_id}"
                )

    def _partner(self, call: Call) -> list[Call]:
        if call.transfer is None or call.transfer.partner_session_id is None:
            return []
        partner = self._ctx.registry.find(call.transfer.partner_session_id)
        if partner is None or partner.state is not CallState.TRANSFERRING:
            return []
        return [partner]
