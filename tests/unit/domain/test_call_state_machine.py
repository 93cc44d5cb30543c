"""The Call's state machine: the transition table, the events each change publishes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from phonebar.domain.call import TRANSITIONS, Call
from phonebar.domain.events import Event
from phonebar.domain.remote_party import RemoteParty
from phonebar.domain.states import CallState, Direction, EndReason, MediaStatus
from phonebar.errors import WrongState


def make_call(events: list[Event], state: CallState = CallState.DIALING) -> Call:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Call(
        session_id="abcdef-1",
        direction=Direction.OUTBOUND if state is CallState.DIALING else Direction.INBOUND,
        remote=RemoteParty("1001", "", "sip:1001@pbx"),
        created_at=now,
        publish=events.append,
        clock=lambda: now,
        _state=state,
    )


def test_ended_is_terminal_and_every_state_can_end() -> None:
    assert TRANSITIONS[CallState.ENDED] == frozenset()
    for state, targets in TRANSITIONS.items():
        if state is not CallState.ENDED:
            assert CallState.ENDED in targets


def test_outbound_call_events() -> None:
    events: list[Event] = []
    call = make_call(events)
    call.mark_early(180)
    call.apply_media(MediaStatus.ACTIVE, "PCMU/8000")
    call.mark_confirmed()
    call.apply_media(MediaStatus.LOCAL_HOLD, None)
    call.apply_media(MediaStatus.ACTIVE, None)
    call.apply_media(MediaStatus.REMOTE_HOLD, None)
    call.end(EndReason.REMOTE_HANGUP, 200)
    assert [event.type for event in events] == [
        "call_state_changed",  # dialing -> early
        "call_state_changed",  # early -> connected
        "call_answered",
        "call_state_changed",  # connected -> held
        "call_held",
        "call_state_changed",  # held -> connected
        "call_resumed",
        "call_state_changed",  # connected -> remote_held
        "call_state_changed",  # remote_held -> ended
        "call_ended",
    ]
    assert call.codec == "PCMU/8000"
    assert call.view().end_reason is EndReason.REMOTE_HANGUP


def test_media_before_answer_does_not_change_the_state() -> None:
    events: list[Event] = []
    call = make_call(events, CallState.RINGING)
    call.apply_media(MediaStatus.ACTIVE, None)
    assert call.state is CallState.RINGING
    assert events == []


def test_a_transfer_keeps_the_state_until_it_fails() -> None:
    from phonebar.domain.call import Transfer
    from phonebar.domain.states import TransferKind

    events: list[Event] = []
    call = make_call(events, CallState.RINGING)
    call.apply_media(MediaStatus.ACTIVE, None)
    call.mark_confirmed()
    call.begin_transfer(Transfer(TransferKind.BLIND, "sip:1002@pbx"))
    call.apply_media(MediaStatus.LOCAL_HOLD, None)
    assert call.state is CallState.TRANSFERRING
    assert call.hold is True
    call.finish_transfer_failed(486, "Busy Here")
    assert call.state is CallState.HELD
    assert call.view().transfer is not None
    assert call.view().transfer.sip_status == 486  # type: ignore[union-attr]


def test_wrong_state_names_the_state() -> None:
    call = make_call([], CallState.RINGING)
    with pytest.raises(WrongState) as error:
        call.require({CallState.CONNECTED}, "hold")
    assert "ringing" in error.value.message
    assert error.value.details["state"] == "ringing"
