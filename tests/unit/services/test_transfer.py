"""Blind and attended transfer over the FakeEngine: what is sent, the states, the events,
success, every kind of failure, and the transferee's side."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from phonebar.domain.ports import (
    CallConfirmedFact,
    CallDisconnectedFact,
    TransferRequestFact,
    TransferStatusFact,
)
from phonebar.errors import (
    CallNotFound,
    EngineError,
    InvalidNumber,
    MissingNumber,
    NoActiveCall,
    SameCall,
    WrongState,
)
from phonebar.services.context import PhoneOptions
from tests.conftest import PhoneRig, build_rig
from tests.unit.services.calls import connected, settle, state


@pytest.fixture
async def quick() -> AsyncIterator[PhoneRig]:
    """A rig whose transfers time out after 50 ms."""
    rig = build_rig(PhoneOptions(domain="pbx.test", transfer_timeout=0.05))
    await rig.phone.start()
    yield rig
    await rig.phone.stop()


def notify(rig: PhoneRig, session_id: str, status: int, reason: str = "", final: bool = True) -> None:
    rig.engine.emit(TransferStatusFact(session_id, status, reason, final))


def transfer_events(rig: PhoneRig, session_id: str) -> list[str]:
    return [t for t in rig.events.types(session_id) if t.startswith("transfer")]


async def test_blind_transfer_holds_refers_and_hangs_up_on_success(rig: PhoneRig) -> None:
    call = await connected(rig)
    view = await rig.phone.transfer(call, "1002")
    assert view.state.value == "transferring"
    assert (view.transfer.kind.value, view.transfer.target) == ("blind", "sip:1002@pbx.test")  # type: ignore[union-attr]
    assert rig.engine.commands[-2:] == [("hold", (call,)), ("transfer", (call, "sip:1002@pbx.test"))]
    await settle()
    assert state(rig, call) == "transferring"  # the hold's media change does not end the transfer

    notify(rig, call, 100, "Trying", final=False)
    await settle()
    assert state(rig, call) == "transferring"
    notify(rig, call, 200, "OK")
    await settle()
    ended = rig.phone.call(call)
    assert (ended.state.value, ended.end_reason.value) == ("ended", "transferred")  # type: ignore[union-attr]
    assert (ended.transfer.state.value, ended.transfer.sip_status) == ("succeeded", 200)  # type: ignore[union-attr]
    assert rig.engine.names()[-1] == "hangup"
    assert rig.events.states(call) == ["dialing", "connected", "transferring", "ended"]
    assert transfer_events(rig, call) == ["transfer_started", "transfer_succeeded"]


async def test_blind_transfer_goes_straight_to_transferring_however_fast_the_hold_is_answered(
    rig: PhoneRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a busy machine the hold's answer (a media fact) can be handled before the hold
    command's own result: the call must still not show held, nor publish call_held."""
    call = await connected(rig)
    hold = rig.engine.hold

    async def hold_answered_before_it_returns(session_id: str) -> None:
        await hold(session_id)
        await settle()  # the media fact is delivered while the command is still awaited

    monkeypatch.setattr(rig.engine, "hold", hold_answered_before_it_returns)
    await rig.phone.transfer(call, "1002")
    await settle()
    assert rig.phone.call(call).hold is True
    assert rig.events.states(call) == ["dialing", "connected", "transferring"]
    assert "call_held" not in rig.events.types(call)
    assert rig.events.types(call)[-1] == "call_updated"  # the hold, shown without a state change


async def test_a_deferred_hold_is_dropped_once_the_transfer_has_failed(
    rig: PhoneRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dialog was busy (a re-INVITE in progress), so the hold waits for a retry; the
    transfer fails first and the call is resumed: the retry must not hold it again."""
    monkeypatch.setattr("phonebar.services.hold.HOLD_RETRIES", (0.02, 0.02))
    call = await connected(rig)
    hold = rig.engine.hold
    busy = [True]

    async def busy_once(session_id: str) -> None:
        if busy.pop() if busy else False:
            raise WrongState("a re-INVITE is in progress")
        await hold(session_id)

    monkeypatch.setattr(rig.engine, "hold", busy_once)
    await rig.phone.transfer(call, "1002")
    notify(rig, call, 486, "Busy Here")
    await settle()
    await asyncio.sleep(0.1)  # past every retry
    await settle()
    assert state(rig, call) == "connected"
    assert rig.engine.names()[-2:] == ["transfer", "unhold"]  # no hold after the resume


async def test_a_hold_that_fails_fails_the_transfer_without_a_refer_or_a_resume(
    rig: PhoneRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = await connected(rig)

    async def broken(session_id: str) -> None:
        raise EngineError("hold: the engine refused")

    monkeypatch.setattr(rig.engine, "hold", broken)
    with pytest.raises(EngineError):
        await rig.phone.transfer(call, "1002")
    await settle()
    view = rig.phone.call(call)
    assert view.state.value == "connected"
    assert view.transfer.reason == "the call could not be held for the transfer: hold: the engine refused"  # type: ignore[union-attr]
    assert "transfer" not in rig.engine.names()
    assert "unhold" not in rig.engine.names()
    assert transfer_events(rig, call) == ["transfer_started", "transfer_failed"]


async def test_a_caller_who_hangs_up_during_the_hold_was_not_transferred(
    rig: PhoneRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = await connected(rig)
    hold = rig.engine.hold

    async def caller_leaves_meanwhile(session_id: str) -> None:
        await hold(session_id)
        rig.engine.far_end_hangs_up(session_id)
        await settle()

    monkeypatch.setattr(rig.engine, "hold", caller_leaves_meanwhile)
    with pytest.raises(WrongState, match="ended before the transfer could be sent"):
        await rig.phone.transfer(call, "1002")
    await settle()
    ended = rig.phone.call(call)
    assert (ended.state.value, ended.end_reason.value) == ("ended", "remote_hangup")  # type: ignore[union-attr]
    assert ended.transfer.reason == "the call ended before the transfer was sent"  # type: ignore[union-attr]
    assert "transfer" not in rig.engine.names()  # no REFER for a call that is gone
    assert "unhold" not in rig.engine.names()
    assert transfer_events(rig, call) == ["transfer_started", "transfer_failed"]


@pytest.mark.parametrize(("status", "reason"), [(486, "Busy Here"), (404, "Not Found"), (603, "Decline")])
async def test_failed_blind_transfer_resumes_the_call_with_the_failure(
    rig: PhoneRig, status: int, reason: str
) -> None:
    call = await connected(rig)
    await rig.phone.transfer(call, "1002")
    await settle()
    notify(rig, call, status, reason)
    await settle()
    view = rig.phone.call(call)
    assert view.state.value == "connected"
    assert (view.transfer.state.value, view.transfer.sip_status, view.transfer.reason) == (  # type: ignore[union-attr]
        "failed",
        status,
        reason,
    )
    assert rig.engine.names()[-3:] == ["hold", "transfer", "unhold"]
    assert rig.events.states(call) == ["dialing", "connected", "transferring", "held", "connected"]
    assert transfer_events(rig, call) == ["transfer_started", "transfer_failed"]
    failed = next(e for e in rig.events.events if e.type == "transfer_failed")
    assert (failed.sip_status, failed.reason) == (status, reason)  # type: ignore[attr-defined]


async def test_a_held_call_is_transferred_as_it_is_and_stays_held_on_failure(rig: PhoneRig) -> None:
    call = await connected(rig)
    await rig.phone.hold(call)
    await settle()
    await rig.phone.transfer(call, "1002")
    assert rig.engine.names()[-2:] == ["hold", "transfer"]  # the hold was ours, before
    notify(rig, call, 486, "Busy Here")
    await settle()
    assert state(rig, call) == "held"
    assert "unhold" not in rig.engine.names()


async def test_no_notify_within_the_timeout_is_a_failure(quick: PhoneRig) -> None:
    call = await connected(quick)
    await quick.phone.transfer(call, "1002")
    await asyncio.sleep(0.1)
    await settle()
    view = quick.phone.call(call)
    assert view.state.value == "connected"
    assert (view.transfer.sip_status, view.transfer.reason) == (
        None,
        "no answer to the transfer within 0.05 s",
    )  # type: ignore[union-attr]
    notify(quick, call, 200, "OK")  # a NOTIFY after the timeout changes nothing
    await settle()
    assert state(quick, call) == "connected"
    assert "hangup" not in quick.engine.names()


async def test_a_refer_that_cannot_be_sent_fails_at_once_and_resumes(rig: PhoneRig) -> None:
    call = await connected(rig)
    rig.engine.fail_next("transfer", EngineError("transfer: no route"))
    with pytest.raises(EngineError):
        await rig.phone.transfer(call, "1002")
    await settle()
    view = rig.phone.call(call)
    assert view.state.value == "connected"
    assert view.transfer.reason == "REFER could not be sent: transfer: no route"  # type: ignore[union-attr]


async def test_blind_transfer_checks_its_input_before_any_sip(rig: PhoneRig) -> None:
    with pytest.raises(MissingNumber):
        await rig.phone.transfer(None, None)
    with pytest.raises(NoActiveCall):
        await rig.phone.transfer(None, "1002")
    with pytest.raises(CallNotFound):
        await rig.phone.transfer("zzzzzz-99", "1002")
    call = await connected(rig)
    for bad in ("", "12a4", "1001;user=phone", "bob@evil.example"):
        with pytest.raises((MissingNumber, InvalidNumber)):
            await rig.phone.transfer(call, bad)
    ringing = rig.engine.incoming()
    await settle()
    with pytest.raises(WrongState) as refused:
        await rig.phone.transfer(ringing, "1002")
    assert refused.value.details["state"] == "ringing"
    assert "transfer" not in rig.engine.names()
    await rig.phone.transfer(None, "1002")  # without an id: the connected call
    assert rig.engine.commands[-1] == ("transfer", (call, "sip:1002@pbx.test"))
    with pytest.raises(WrongState):
        await rig.phone.transfer(call, "1003")  # already transferring


async def test_attended_transfer_ends_both_legs_on_success(rig: PhoneRig) -> None:
    first = await connected(rig, "1001")
    second = await connected(rig, "1002")
    views = await rig.phone.transfer_attended(first, second)
    assert [view.state.value for view in views] == ["transferring", "transferring"]
    assert rig.engine.commands[-1] == ("transfer_attended", (first, second))
    assert views[0].transfer.target == "sip:1002@pbx.test"  # type: ignore[union-attr]
    # the far end of the second call is replaced first, then the transferee reports success
    rig.engine.far_end_hangs_up(second)
    await settle()
    notify(rig, first, 200, "OK")
    await settle()
    for leg in (first, second):
        view = rig.phone.call(leg)
        assert (view.end_reason.value, view.transfer.state.value) == ("transferred", "succeeded")  # type: ignore[union-attr]
        assert transfer_events(rig, leg) == ["transfer_started", "transfer_succeeded"]
        assert rig.events.types(leg).index("transfer_succeeded") < rig.events.types(leg).index("call_ended")
    assert rig.phone.calls() == []
    assert rig.engine.names().count("hangup") == 1  # ours: carol's side had ended the other


async def test_failed_attended_transfer_keeps_both_calls(rig: PhoneRig) -> None:
    first = await connected(rig, "1001")
    second = await connected(rig, "1002")
    await rig.phone.transfer_attended(first, second)
    notify(rig, first, 603, "Decline")
    await settle()
    assert (state(rig, first), state(rig, second)) == ("held", "connected")
    for leg in (first, second):
        assert rig.phone.call(leg).transfer.sip_status == 603  # type: ignore[union-attr]
        assert transfer_events(rig, leg) == ["transfer_started", "transfer_failed"]
    assert "unhold" not in rig.engine.names()  # nothing was held for it


async def test_attended_transfer_partner_is_never_left_transferring(quick: PhoneRig) -> None:
    first = await connected(quick, "1001")
    second = await connected(quick, "1002")
    await quick.phone.transfer_attended(first, second)
    quick.engine.far_end_hangs_up(first)  # the transferee leaves without a word
    await settle()
    assert quick.phone.call(first).end_reason.value == "transferred"  # type: ignore[union-attr]
    assert state(quick, second) == "transferring"
    await asyncio.sleep(0.1)
    await settle()
    assert state(quick, second) == "connected"
    assert quick.phone.call(second).transfer.state.value == "failed"  # type: ignore[union-attr]


async def test_attended_transfer_refuses_unknown_same_and_unready_calls(rig: PhoneRig) -> None:
    first = await connected(rig, "1001")
    with pytest.raises(CallNotFound):
        await rig.phone.transfer_attended(first, "zzzzzz-99")
    with pytest.raises(CallNotFound):
        await rig.phone.transfer_attended("zzzzzz-99", first)
    with pytest.raises(SameCall):
        await rig.phone.transfer_attended(first, first)
    ringing = rig.engine.incoming()
    await settle()
    for pair in ((first, ringing), (ringing, first)):
        with pytest.raises(WrongState) as refused:
            await rig.phone.transfer_attended(*pair)
        assert refused.value.details["state"] == "ringing"
    assert "transfer_attended" not in rig.engine.names()
    assert state(rig, first) == "connected"


async def test_transferring_a_conference_leg_ends_the_conference(rig: PhoneRig) -> None:
    first = await connected(rig, "1001")
    second = await connected(rig, "1002")
    await rig.phone.conference()
    await settle()
    await rig.phone.transfer(first, "1003")
    await settle()
    assert rig.phone.call(first).conference is False
    assert rig.phone.call(second).conference is False
    assert rig.events.types(second).count("conference_left") == 1
    assert rig.engine.mix[second].bridged_with == frozenset()


async def test_the_transferee_calls_the_target_and_the_old_call_ends_as_transferred(rig: PhoneRig) -> None:
    old = await connected(rig)
    new = "test00-9"
    rig.engine.calls.add(new)
    rig.engine.emit(TransferRequestFact(old, new, "<sip:1003@pbx.test?Replaces=abc%3Bto-tag%3Dx>"))
    await settle()
    view = rig.phone.call(new)
    assert (view.direction.value, view.number, view.uri, view.transferred_from) == (
        "outbound",
        "1003",
        "sip:1003@pbx.test",
        old,
    )
    rig.engine.emit(CallConfirmedFact(new, "call-id-of-the-new-dialog"))
    await settle()
    assert rig.phone.call(new).sip_call_id == "call-id-of-the-new-dialog"
    rig.engine.emit(CallDisconnectedFact(old, 200, "Normal call clearing", local=False))
    await settle()
    assert rig.phone.call(old).end_reason.value == "transferred"  # type: ignore[union-attr]


async def test_a_failed_transfer_does_not_resume_over_another_line(rig: PhoneRig) -> None:
    call = await connected(rig, "1001")
    await rig.phone.transfer(call, "1002")
    await settle()
    other = await connected(rig, "1003")  # the agent dials out while the transfer is pending
    notify(rig, call, 486, "Busy Here")
    await settle()
    assert (state(rig, call), state(rig, other)) == ("held", "connected")
    assert "unhold" not in rig.engine.names()
