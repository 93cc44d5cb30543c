"""Helpers that bring calls of the FakeEngine rig into the states the use cases start from."""

from __future__ import annotations

import asyncio

from tests.conftest import PhoneRig


async def settle(rounds: int = 10) -> None:
    """Let the facts the FakeEngine posted (with ``call_soon``) and the tasks they start run."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def connected(rig: PhoneRig, number: str = "1001") -> str:
    """An outbound call the far end answered; any call already talking is held by the dial."""
    call = (await rig.phone.originate(number)).call
    rig.engine.far_end_answers(call.session_id)
    await settle()
    return call.session_id


def state(rig: PhoneRig, session_id: str) -> str:
    return rig.phone.call(session_id).state.value
