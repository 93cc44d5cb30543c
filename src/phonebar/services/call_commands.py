"""Answer, originate and hang up."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from phonebar.domain.call import Call
from phonebar.domain.dial_target import parse_dial_target
from phonebar.domain.remote_party import RemoteParty
from phonebar.domain.states import CallState, Direction, EndReason, RegistrationState
from phonebar.errors import NoRingingCall, NotRegistered, PhonebarError
from phonebar.services.context import PhoneContext
from phonebar.services.hold import hold_talking_calls
from phonebar.services.registration import RegistrationKeeper

log = logging.getLogger(__name__)


def new_sip_call_id() -> str:
    """A Call-ID for an outbound call: 128 random bits, as RFC 3261 asks (globally unique)."""
    return f"{secrets.token_hex(16)}@phonebar"


@dataclass(frozen=True)
class Placed:
    """The call a command answered or dialled, and the calls it put on hold first."""

    call: Call
    held: list[Call]


async def answer(ctx: PhoneContext, session_id: str | None) -> Placed:
    """Answer a ringing inbound call (the oldest, without ``session_id``); a call the
    agent is talking on is put on hold first."""
    if session_id is None:
        ringing = [
            call for call in ctx.registry.in_state({CallState.RINGING}) if call.direction is Direction.INBOUND
        ]
        if not ringing:
            raise NoRingingCall("there is no ringing inbound call to answer")
        call = ringing[0]
    else:
        call = ctx.registry.get(session_id)
        call.require({CallState.RINGING}, "answer")
    held = await hold_talking_calls(ctx, keep=frozenset({call.session_id}))
    await ctx.engine.answer(call.session_id)
    return Placed(call, held)


async def originate(ctx: PhoneContext, number: str | None, registration: RegistrationKeeper) -> Placed:
    """Dial ``number`` (or a sip: URI); a call the agent is talking on is held first."""
    target = parse_dial_target(number, domain=ctx.options.domain, dial_map=ctx.options.dial_map)
    ctx.registry.require_free_line()
    if registration.active and registration.state is not RegistrationState.REGISTERED:
        view = registration.view
        raise NotRegistered(
            f"the account is not registered ({view.state.value}: {view.reason}); try again once it is",
            registration=view.state.value,
        )
    held = await hold_talking_calls(ctx)
    session_id = ctx.new_session_id()
    call = ctx.new_call(
        session_id, Direction.OUTBOUND, RemoteParty.parse(target.uri), sip_call_id=new_sip_call_id()
    )
    try:
        outbound = await ctx.engine.dial(session_id, target.uri, call.sip_call_id)
    except Exception as exc:
        # one of ours or a bug: either way the call must not keep a line forever
        call.end(EndReason.FAILED, None)
        ctx.registry.retire(call)
        log.warning("dial %s failed: %s", target.uri, exc.message if isinstance(exc, PhonebarError) else exc)
        raise
    call.sip_call_id = outbound.sip_call_id
    return Placed(call, held)


async def hangup(ctx: PhoneContext, session_id: str | None, reject_status: int = 486) -> list[Call]:
    """End one call, or every call. A ringing inbound call is rejected with 486."""
    if session_id is not None:
        call = ctx.registry.get(session_id)
        if call.ended:
            call.require(set(CallState) - {CallState.ENDED}, "hang up")
        calls = [call]
    else:
        calls = ctx.registry.active()
    for call in calls:
        await end_call(ctx, call, reject_status)
    return calls


async def end_call(ctx: PhoneContext, call: Call, reject_status: int = 486) -> None:
    if call.state is CallState.RINGING and call.direction is Direction.INBOUND:
        await ctx.engine.reject(call.session_id, reject_status)
    else:
        await ctx.engine.hangup(call.session_id)
