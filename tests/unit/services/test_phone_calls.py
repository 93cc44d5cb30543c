"""The call use cases over the FakeEngine: whole state sequences and events."""

from __future__ import annotations

import asyncio

import pytest

from phonebar.domain.ports import CallDisconnectedFact, CallProgressFact
from phonebar.errors import InvalidNumber, LineLimit, NoRingingCall, WrongState
from tests.conftest import PhoneRig


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_inbound_call_rings_and_is_answered(rig: PhoneRig) -> None:
    session_id = rig.engine.incoming('"Carol" <sip:1003@pbx.test>', {"X-Queue": "sales"})
    await settle()
    [call] = rig.phone.calls()
    assert (call.state.value, call.number, call.name) == ("ringing", "1003", "Carol")
    assert call.headers == {"X-Queue": "sales"}

    await rig.phone.answer()
    await settle()
    assert rig.events.states(session_id) == ["ringing", "connected"]
    assert rig.events.types(session_id) == ["call_created", "call_state_changed", "call_answered"]


async def test_outbound_call_goes_dialing_early_connected_ended(rig: PhoneRig) -> None:
    call = (await rig.phone.originate("+1 (555) 010-2030")).call
    assert call.state.value == "dialing"
    created = rig.events.events[0]
    assert created.type == "call_created"
    assert created.call.sip_call_id == call.sip_call_id != ""  # type: ignore[attr-defined]
    assert rig.engine.commands[-1] == ("dial", (call.session_id, "sip:+15550102030@pbx.test"))
    rig.engine.emit(CallProgressFact(call.session_id, 180, "Ringing"))
    rig.engine.far_end_answers(call.session_id)
    await settle()
    await rig.phone.hangup(call.session_id)
    await settle()
    assert rig.events.states(call.session_id) == ["dialing", "early", "connected", "ended"]
    ended = rig.events.events[-1]
    assert ended.type == "call_ended"
    assert ended.reason.value == "local_hangup"  # type: ignore[attr-defined]
    assert rig.phone.calls() == []


async def test_invalid_number_never_reaches_the_engine(rig: PhoneRig) -> None:
    with pytest.raises(InvalidNumber):
        await rig.phone.originate("12;user=phone")
    assert "dial" not in rig.engine.names()


async def test_answer_needs_a_ringing_call(rig: PhoneRig) -> None:
    with pytest.raises(NoRingingCall):
        await rig.phone.answer()
    call = (await rig.phone.originate("1001")).call
    with pytest.raises(WrongState) as error:
        await rig.phone.answer(call.session_id)
    assert error.value.details["state"] == "dialing"


async def test_fifth_line_is_refused_before_any_invite(rig: PhoneRig) -> None:
    for _ in range(4):
        await rig.phone.originate("1001")
    with pytest.raises(LineLimit):
        await rig.phone.originate("1001")
    assert rig.engine.names().count("dial") == 4


async def test_caller_giving_up_is_a_missed_call(rig: PhoneRig) -> None:
    session_id = rig.engine.incoming()
    await settle()
    rig.engine.emit(CallDisconnectedFact(session_id, 487, "Request Terminated", local=False))
    await settle()
    assert rig.events.events[-1].reason.value == "missed"  # type: ignore[attr-defined]


async def test_answering_a_second_call_holds_the_first(rig: PhoneRig) -> None:
    first = rig.engine.incoming()
    await settle()
    await rig.phone.answer(first)
    await settle()
    second = rig.engine.incoming('"Dave" <sip:1004@pbx.test>')
    await settle()
    await rig.phone.answer(second)
    await settle()
    states = {call.session_id: call.state.value for call in rig.phone.calls()}
    assert states == {first: "held", second: "connected"}
    assert rig.engine.names()[-2:] == ["hold", "answer"]
