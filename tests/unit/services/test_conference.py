"""The local conference over the FakeEngine: joining, the audio mix, hold on a leg, a leg leaving."""

from __future__ import annotations

import pytest

from phonebar.domain.mix import CallMix
from phonebar.errors import NeedTwoCalls
from tests.conftest import PhoneRig
from tests.unit.services.calls import connected, settle, state


async def conference_of_two(rig: PhoneRig) -> tuple[str, str]:
    first = await connected(rig, "1001")
    second = await connected(rig, "1002")
    views = await rig.phone.conference()
    await settle()
    assert sorted(view.session_id for view in views) == sorted([first, second])
    return first, second


async def test_conference_needs_exactly_two_joinable_calls(rig: PhoneRig) -> None:
    with pytest.raises(NeedTwoCalls) as none:
        await rig.phone.conference()
    assert none.value.details == {"calls": 0}
    await connected(rig, "1001")
    rig.engine.incoming()  # ringing: not joinable
    await settle()
    with pytest.raises(NeedTwoCalls) as one:
        await rig.phone.conference()
    assert one.value.details == {"calls": 1}
    await connected(rig, "1002")
    await connected(rig, "1003")
    with pytest.raises(NeedTwoCalls) as three:
        await rig.phone.conference()
    assert three.value.details == {"calls": 3}


async def test_conference_resumes_the_held_call_and_bridges_both(rig: PhoneRig) -> None:
    first, second = await conference_of_two(rig)
    assert (state(rig, first), state(rig, second)) == ("connected", "connected")
    assert rig.engine.names()[-1] == "unhold"
    for leg in (first, second):
        assert rig.phone.call(leg).conference is True
        assert rig.events.types(leg).count("conference_joined") == 1
    assert rig.engine.mix[first] == CallMix(True, True, frozenset({second}))
    assert rig.engine.mix[second] == CallMix(True, True, frozenset({first}))


async def test_holding_one_leg_takes_it_out_of_the_mix_until_it_is_resumed(rig: PhoneRig) -> None:
    first, second = await conference_of_two(rig)
    outcome = await rig.phone.hold(first)
    await settle()
    assert [call.session_id for call in outcome.calls] == [first]
    assert (state(rig, first), state(rig, second)) == ("held", "connected")
    assert rig.phone.call(first).conference is True  # still a leg, out of the mix while held
    assert rig.engine.mix[first] == CallMix(False, False, frozenset())
    assert rig.engine.mix[second] == CallMix(True, True, frozenset())

    await rig.phone.unhold(first)
    await settle()
    assert (state(rig, first), state(rig, second)) == ("connected", "connected")  # no other leg held
    assert rig.engine.mix[second] == CallMix(True, True, frozenset({first}))


async def test_the_hold_button_holds_and_resumes_the_whole_conference(rig: PhoneRig) -> None:
    first, second = await conference_of_two(rig)
    held = await rig.phone.hold()
    assert sorted(call.session_id for call in held.calls) == sorted([first, second])
    await settle()
    resumed = await rig.phone.hold()
    assert (resumed.action, sorted(call.session_id for call in resumed.calls)) == (
        "resumed",
        sorted([first, second]),
    )
    await settle()
    assert rig.engine.mix[first].bridged_with == frozenset({second})


async def test_a_leg_that_hangs_up_leaves_the_agent_with_the_other(rig: PhoneRig) -> None:
    first, second = await conference_of_two(rig)
    rig.engine.far_end_hangs_up(second)
    await settle()
    view = rig.phone.call(first)
    assert (view.state.value, view.conference) == ("connected", False)
    assert rig.events.types(first)[-1] == "conference_left"
    assert rig.events.types(second)[-3:] == ["conference_left", "call_state_changed", "call_ended"]
    assert rig.engine.mix == {first: CallMix(True, True, frozenset())}
