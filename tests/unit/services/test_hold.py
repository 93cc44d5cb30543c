"""Hold, resume and the choice of the active call, over the FakeEngine."""

from __future__ import annotations

import asyncio

import pytest

from phonebar.domain.ports import MediaFact
from phonebar.domain.states import MediaStatus
from phonebar.errors import CallNotFound, NoActiveCall, WrongState
from tests.conftest import PhoneRig
from tests.unit.services.calls import connected, settle, state


async def test_hold_button_holds_the_connected_call_then_resumes_it(rig: PhoneRig) -> None:
    first = await connected(rig, "1001")
    second = await connected(rig, "1002")  # the second line holds the first
    assert (state(rig, first), state(rig, second)) == ("held", "connected")

    outcome = await rig.phone.hold()
    assert (outcome.action, [call.session_id for call in outcome.calls]) == ("held", [second])
    await settle()
    assert state(rig, second) == "held"
    assert rig.phone.call(second).hold is True

    outcome = await rig.phone.hold()  # nothing connected: the button resumes the most recent held call
    assert (outcome.action, [call.session_id for call in outcome.calls]) == ("resumed", [second])
    await settle()
    assert (state(rig, first), state(rig, second)) == ("held", "connected")
    assert rig.events.states(second) == ["dialing", "connected", "held", "connected"]
    assert [t for t in rig.events.types(second) if t in ("call_held", "call_resumed")] == [
        "call_held",
        "call_resumed",
    ]


async def test_hold_by_id_toggles_and_unhold_never_does(rig: PhoneRig) -> None:
    call = await connected(rig)
    assert (await rig.phone.hold(call)).action == "held"
    await settle()
    assert (await rig.phone.hold(call)).action == "resumed"
    await settle()
    with pytest.raises(WrongState) as refused:
        await rig.phone.unhold(call)
    assert refused.value.details["state"] == "connected"
    assert (await rig.phone.hold(call, toggle=False)).action == "held"
    await settle()
    with pytest.raises(WrongState):
        await rig.phone.hold(call, toggle=False)  # already held, and no toggling
    assert (await rig.phone.unhold(call)).action == "resumed"
    await settle()
    assert state(rig, call) == "connected"


async def test_resuming_a_line_holds_the_one_in_use(rig: PhoneRig) -> None:
    first = await connected(rig, "1001")
    second = await connected(rig, "1002")
    await rig.phone.unhold(first)
    await settle()
    assert (state(rig, first), state(rig, second)) == ("connected", "held")
    assert rig.engine.names()[-2:] == ["hold", "unhold"]


async def test_nothing_to_hold_or_resume(rig: PhoneRig) -> None:
    with pytest.raises(NoActiveCall):
        await rig.phone.hold()
    with pytest.raises(NoActiveCall):
        await rig.phone.unhold()
    with pytest.raises(CallNotFound):
        await rig.phone.hold("zzzzzz-99")
    ringing = rig.engine.incoming()
    await settle()
    with pytest.raises(NoActiveCall):
        await rig.phone.hold()
    with pytest.raises(WrongState) as refused:
        await rig.phone.hold(ringing)
    assert refused.value.details["state"] == "ringing"


async def test_far_end_hold_is_remote_held_and_the_agent_can_still_hold(rig: PhoneRig) -> None:
    call = await connected(rig)
    rig.engine.emit(MediaFact(call, MediaStatus.REMOTE_HOLD))
    await settle()
    view = rig.phone.call(call)
    assert (view.state.value, view.remote_hold, view.hold) == ("remote_held", True, False)
    with pytest.raises(WrongState):
        await rig.phone.unhold(call)
    assert "call_held" not in rig.events.types(call)  # the far end's hold is no hold of ours
    assert (await rig.phone.hold()).action == "held"  # a remote-held call is still the active one
    await settle()
    assert rig.events.states(call) == ["dialing", "connected", "remote_held", "held"]
    assert rig.events.types(call)[-1] == "call_held"


async def test_a_hold_refused_while_a_reinvite_is_pending_is_retried(rig: PhoneRig) -> None:
    first = await connected(rig, "1001")
    rig.engine.fail_next("hold", WrongState("hold: not possible right now; try again"))
    second = (await rig.phone.originate("1002")).call  # must not wait for the first call's hold
    assert rig.engine.names()[-1] == "dial"
    assert state(rig, first) == "connected"
    await asyncio.sleep(0.15)
    await settle()
    assert rig.engine.names().count("hold") == 2
    assert state(rig, first) == "held"
    assert second.session_id in [call.session_id for call in rig.phone.calls()]
