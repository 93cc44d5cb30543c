"""DTMF and mute over the FakeEngine."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from phonebar.domain.mix import CallMix
from phonebar.errors import CallNotFound, InvalidDigits, NoActiveCall, WrongState
from phonebar.services.context import PhoneOptions
from tests.conftest import PhoneRig, build_rig
from tests.unit.services.calls import connected, settle


@pytest.fixture
async def info_rig() -> AsyncIterator[PhoneRig]:
    rig = build_rig(PhoneOptions(domain="pbx.test", dtmf_method="info"))
    await rig.phone.start()
    yield rig
    await rig.phone.stop()


async def test_dtmf_is_checked_upper_cased_and_sent_by_the_configured_method(rig: PhoneRig) -> None:
    call = await connected(rig)
    await rig.phone.send_dtmf(call, "12*#abcd")
    assert rig.engine.commands[-1] == ("send_dtmf", (call, "12*#ABCD", "rfc2833"))
    for bad in ("", "12x", "1 2", "E", "\uff11", "1" * 65):  # \uff11: a full-width 1
        with pytest.raises(InvalidDigits):
            await rig.phone.send_dtmf(call, bad)
    with pytest.raises(InvalidDigits):
        await rig.phone.send_dtmf("zzzzzz-99", "x")  # the digits are checked first
    with pytest.raises(CallNotFound):
        await rig.phone.send_dtmf("zzzzzz-99", "1")
    await rig.phone.hold(call)
    await settle()
    with pytest.raises(WrongState) as refused:
        await rig.phone.send_dtmf(call, "1")  # RFC 2833 needs RTP leaving the call
    assert refused.value.details["state"] == "held"
    assert rig.engine.names().count("send_dtmf") == 1


async def test_dtmf_by_sip_info_works_on_a_held_call(info_rig: PhoneRig) -> None:
    call = await connected(info_rig)
    await info_rig.phone.hold(call)
    await settle()
    await info_rig.phone.send_dtmf(call, "5")
    assert info_rig.engine.commands[-1] == ("send_dtmf", (call, "5", "info"))
    ringing = info_rig.engine.incoming()
    await settle()
    with pytest.raises(WrongState):
        await info_rig.phone.send_dtmf(ringing, "5")


async def test_mute_stops_the_microphone_without_signalling(rig: PhoneRig) -> None:
    with pytest.raises(NoActiveCall):
        await rig.phone.mute()
    with pytest.raises(CallNotFound):
        await rig.phone.mute("zzzzzz-99")
    first = await connected(rig, "1001")
    second = await connected(rig, "1002")
    commands = len(rig.engine.commands)

    views = await rig.phone.mute()  # every call in progress
    assert [(view.session_id, view.muted) for view in views] == [(first, True), (second, True)]
    assert rig.engine.mix[second] == CallMix(False, True, frozenset())  # still heard, not heard from
    await rig.phone.mute(muted=False, session_id=second)
    assert rig.engine.mix[second] == CallMix(True, True, frozenset())
    assert rig.phone.call(first).muted is True
    await rig.phone.mute(None, muted=False)
    assert len(rig.engine.commands) == commands  # no SIP at all
    assert [t for t in rig.events.types(second) if t.endswith("muted")] == ["call_muted", "call_unmuted"]
    assert [t for t in rig.events.types(first) if t.endswith("muted")] == ["call_muted", "call_unmuted"]
    assert rig.events.states(second) == ["dialing", "connected"]


async def test_a_muted_conference_still_bridges_the_two_far_ends(rig: PhoneRig) -> None:
    first = await connected(rig, "1001")
    second = await connected(rig, "1002")
    await rig.phone.conference()
    await settle()
    await rig.phone.mute()
    assert rig.engine.mix[first] == CallMix(False, True, frozenset({second}))
    assert rig.engine.mix[second] == CallMix(False, True, frozenset({first}))
