"""DTMF and mute: what the agent sends into a call without changing its SIP state."""

from __future__ import annotations

from phonebar.domain.call import Call
from phonebar.domain.dtmf import parse_dtmf
from phonebar.domain.events import CallMuted, CallUnmuted
from phonebar.domain.states import CallState
from phonebar.errors import NoActiveCall
from phonebar.services.context import PhoneContext


async def send_dtmf(ctx: PhoneContext, session_id: str, digits: str) -> Call:
    digits = parse_dtmf(digits)
    call = ctx.registry.get(session_id)
    # RFC 2833 digits travel in RTP, so the call must be sending audio
    allowed = {CallState.CONNECTED}
    if ctx.options.dtmf_method == "info":
        allowed |= {CallState.HELD, CallState.REMOTE_HELD}
    call.require(allowed, "send DTMF on")
    await ctx.engine.send_dtmf(call.session_id, digits, ctx.options.dtmf_method)
    return call


async def set_muted(ctx: PhoneContext, session_id: str | None, muted: bool) -> list[Call]:
    """Mute (or unmute) the agent on one call, or on every call in progress."""
    if session_id is not None:
        call = ctx.registry.get(session_id)
        call.require(set(CallState) - {CallState.ENDED}, "mute" if muted else "unmute")
        calls = [call]
    else:
        calls = ctx.registry.active()
        if not calls:
            raise NoActiveCall(f"there is no call to {'mute' if muted else 'unmute'}")
    for call in calls:
        if call.muted != muted:
            call.muted = muted
            ctx.publish(CallMuted(call=call.view()) if muted else CallUnmuted(call=call.view()))
    await ctx.push_mix()
    return calls
