"""The local three-way conference: two calls bridged with the agent.

A leg that is held (by us or by the far end's re-INVITE) is out of the mix
while it is held and keeps its ``conference`` mark; resuming it brings it back.
A leg that ends or is transferred leaves the conference, and with one leg left
the conference is over: the agent keeps talking to the remaining call.
"""

from __future__ import annotations

from phonebar.domain.call import Call
from phonebar.domain.events import ConferenceJoined, ConferenceLeft
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


def leave_conference(ctx: PhoneContext, call: Call) -> None:
    """``call`` leaves (it ended or is being transferred); a conference of one is no conference."""
    if not call.conference:
        return
    others = [other for other in ctx.registry.active() if other.conference and other is not call]
    for leg in [call, *others] if len(others) <= 1 else [call]:
        leg.conference = False
        ctx.publish(ConferenceLeft(call=leg.view()))
