"""The local three-way conference: two calls bridged with the agent."""

from __future__ import annotations

from phonebar.domain.call import Call
from phonebar.domain.events import ConferenceJoined
from phonebar.domain.states import CallState
from phonebar.errors import NeedTwoCalls
from phonebar.services.context import PhoneContext

JOINABLE = frozenset({CallState.CONNECTED, CallState.HELD, CallState.REMOTE_HELD})


async def conference(ctx: PhoneContext) -> list[Call]:
    """Resume both calls and bridge them: each remote hears the other and the agent."""
    calls = ctx.registry.in_state(JOINABLE)
    if len(calls) != 2:
        raise NeedTwoCalls(
            f"a conference joins exactly two connected or held calls; there are {len(calls)}",
            calls=len(calls),
        )
    for call in calls:
        if call.state is CallState.HELD:
            await ctx.engine.unhold(call.session_id)
    for call in calls:
        if not call.conference:
            call.conference = True
            ctx.publish(ConferenceJoined(call=call.view()))
    await ctx.push_mix()
    return calls
