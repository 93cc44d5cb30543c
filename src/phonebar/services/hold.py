"""Hold and resume, line switching, and the choice of "the active call"."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from phonebar.domain.call import Call
from phonebar.domain.states import CallState
from phonebar.errors import NoActiveCall, WrongState
from phonebar.services.context import PhoneContext

log = logging.getLogger(__name__)

HOLDABLE = frozenset({CallState.CONNECTED, CallState.REMOTE_HELD})
RESUMABLE = frozenset({CallState.HELD})
HOLD_RETRIES = (0.1, 0.25, 0.5, 1.0, 2.0)


@dataclass(frozen=True)
class HoldOutcome:
    """``action`` is ``held`` or ``resumed``; ``calls`` are the calls it touched."""

    action: str
    calls: list[Call]


def most_recent(calls: list[Call]) -> Call | None:
    """The call answered (or created) last."""
    if not calls:
        return None
    return max(calls, key=lambda call: (call.answered_at or call.created_at, call.created_at))


def talking_calls(ctx: PhoneContext) -> list[Call]:
    return ctx.registry.in_state(HOLDABLE)


async def hold_talking_calls(ctx: PhoneContext, keep: frozenset[str] = frozenset()) -> list[Call]:
    """Put every call the agent is talking on on hold, as a desk phone does before it
    answers, dials or resumes another line."""
    held = []
    for call in talking_calls(ctx):
        if call.session_id in keep:
            continue
        await hold_or_retry(ctx, call)
        held.append(call)
    return held


async def hold_or_retry(
    ctx: PhoneContext, call: Call, still_wanted: Callable[[], bool] | None = None
) -> None:
    """Hold ``call`` now, or, while a re-INVITE is still in progress, in the background
    as soon as the dialog allows it: the command that needs the hold must not wait.
    A retry happens only while ``still_wanted()`` (by default: the call is holdable)."""
    await _now_or_retry(ctx, call, "hold", still_wanted or (lambda: call.state in HOLDABLE))


async def resume_or_retry(ctx: PhoneContext, call: Call) -> None:
    """Resume ``call`` now, or in the background once its pending re-INVITE is done
    (a transfer can fail before the hold it was asked with is even confirmed)."""
    await _now_or_retry(ctx, call, "unhold", lambda: call.state in HOLDABLE | RESUMABLE)


async def _now_or_retry(ctx: PhoneContext, call: Call, action: str, still_wanted: Callable[[], bool]) -> None:
    command = ctx.engine.hold if action == "hold" else ctx.engine.unhold
    try:
        await command(call.session_id)
    except WrongState as exc:
        log.info("call %s: %s deferred (%s)", call.session_id, action, exc.message)
        ctx.background.spawn(_retry(call, action, command, still_wanted), f"{action} call {call.session_id}")


async def _retry(
    call: Call, action: str, command: Callable[[str], Awaitable[None]], still_wanted: Callable[[], bool]
) -> None:
    for delay in HOLD_RETRIES:
        await asyncio.sleep(delay)
        if not still_wanted():
            return
        try:
            await command(call.session_id)
            return
        except WrongState:
            continue
    log.warning("call %s: %s failed: the dialog stayed busy", call.session_id, action)


async def hold(ctx: PhoneContext, session_id: str | None, *, toggle: bool) -> HoldOutcome:
    """Hold a call; with ``toggle``, a call we already hold is resumed instead.

    Without ``session_id`` it acts on the active call: the most recent connected one
    (every leg of a conference at once); if none is connected but calls are held,
    the most recent held one (or conference) is resumed.
    """
    if session_id is not None:
        call = ctx.registry.get(session_id)
        if toggle and call.state in RESUMABLE:
            return await resume_calls(ctx, [call])
        call.require(HOLDABLE, "hold")
        return await hold_calls(ctx, [call])
    talking = talking_calls(ctx)
    if talking:
        target = most_recent(talking)
        assert target is not None
        return await hold_calls(ctx, _with_conference(ctx, target, HOLDABLE))
    held = ctx.registry.in_state(RESUMABLE)
    if toggle and held:
        target = most_recent(held)
        assert target is not None
        return await resume_calls(ctx, _with_conference(ctx, target, RESUMABLE))
    raise NoActiveCall("there is no connected call to hold")


async def unhold(ctx: PhoneContext, session_id: str | None) -> HoldOutcome:
    if session_id is not None:
        call = ctx.registry.get(session_id)
        call.require(RESUMABLE, "resume")
        return await resume_calls(ctx, [call])
    held = ctx.registry.in_state(RESUMABLE)
    target = most_recent(held)
    if target is None:
        raise NoActiveCall("there is no held call to resume")
    return await resume_calls(ctx, _with_conference(ctx, target, RESUMABLE))


async def hold_calls(ctx: PhoneContext, calls: list[Call]) -> HoldOutcome:
    for call in calls:
        await ctx.engine.hold(call.session_id)
    return HoldOutcome(action="held", calls=calls)


async def resume_calls(ctx: PhoneContext, calls: list[Call]) -> HoldOutcome:
    """Resume ``calls``; any other line the agent is talking on is held first, except
    the other legs of the same conference (a resumed leg rejoins the conference)."""
    keep = {call.session_id for call in calls}
    if any(call.conference for call in calls):
        keep |= {other.session_id for other in ctx.registry.active() if other.conference}
    await hold_talking_calls(ctx, keep=frozenset(keep))
    for call in calls:
        await ctx.engine.unhold(call.session_id)
    return HoldOutcome(action="resumed", calls=calls)


def _with_conference(ctx: PhoneContext, call: Call, states: frozenset[CallState]) -> list[Call]:
    """The call, or every leg of its conference that is in one of ``states``."""
    if not call.conference:
        return [call]
    return [other for other in ctx.registry.active() if other.conference and other.state in states]
