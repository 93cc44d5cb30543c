"""CTI rules: which events fire which triggers, and the filters."""

from __future__ import annotations

import re

import pytest

from phonebar.cti.rules import ActionKind, Rule, Trigger, triggers_of
from phonebar.domain.events import CallAnswered, CallCreated, CallEnded, CallStateChanged, DndChanged
from phonebar.domain.states import CallState, Direction, EndReason
from tests.unit.samples import call_view, ended_view


def rule(trigger: Trigger = Trigger.RINGING, **filters: object) -> Rule:
    return Rule(index=0, trigger=trigger, action=ActionKind.RUN, **filters)  # type: ignore[arg-type]


def test_call_created_fires_ringing_inbound_and_outbound_outbound() -> None:
    assert triggers_of(CallCreated(call=call_view())) == [Trigger.RINGING]
    dialing = call_view(direction=Direction.OUTBOUND, state=CallState.DIALING)
    assert triggers_of(CallCreated(call=dialing)) == [Trigger.OUTBOUND]


def test_answered_and_ended_and_nothing_else() -> None:
    connected = call_view(state=CallState.CONNECTED)
    assert triggers_of(CallAnswered(call=connected)) == [Trigger.ANSWERED]
    assert triggers_of(CallStateChanged(call=connected, previous=CallState.RINGING)) == []
    assert triggers_of(DndChanged(dnd=True)) == []
    answered = CallEnded(call=ended_view(), reason=EndReason.REMOTE_HANGUP, sip_status=200, duration=12.3)
    assert triggers_of(answered) == [Trigger.ENDED]


@pytest.mark.parametrize(
    ("direction", "reason", "missed"),
    [
        (Direction.INBOUND, EndReason.MISSED, True),
        (Direction.INBOUND, EndReason.DND, True),
        (Direction.INBOUND, EndReason.REJECTED, True),
        (Direction.INBOUND, EndReason.REPLACED, False),
        (Direction.INBOUND, EndReason.TRANSFERRED, False),
        (Direction.OUTBOUND, EndReason.NO_ANSWER, False),
    ],
)
def test_missed_is_an_unanswered_inbound_call(direction: Direction, reason: EndReason, missed: bool) -> None:
    call = call_view(direction=direction, state=CallState.ENDED, end_reason=reason)
    expected = [Trigger.ENDED, Trigger.MISSED] if missed else [Trigger.ENDED]
    assert triggers_of(CallEnded(call=call, reason=reason, sip_status=487, duration=0.0)) == expected


def test_an_answered_inbound_call_is_never_missed() -> None:
    event = CallEnded(call=ended_view(), reason=EndReason.REMOTE_HANGUP, sip_status=200, duration=1.0)
    assert Trigger.MISSED not in triggers_of(event)


def test_filters_direction_number_and_headers() -> None:
    call = call_view()
    assert rule().matches(Trigger.RINGING, call)
    assert not rule().matches(Trigger.ANSWERED, call)
    assert rule(direction=Direction.INBOUND).matches(Trigger.RINGING, call)
    assert not rule(direction=Direction.OUTBOUND).matches(Trigger.RINGING, call)
    assert rule(number=re.compile(r"^10")).matches(Trigger.RINGING, call)
    assert not rule(number=re.compile(r"^2")).matches(Trigger.RINGING, call)
    assert rule(header=(("x-queue", re.compile("^sales$")),)).matches(Trigger.RINGING, call)
    assert not rule(header=(("X-Queue", re.compile("support")),)).matches(Trigger.RINGING, call)


def test_a_header_filter_never_matches_a_missing_header() -> None:
    assert not rule(header=(("X-Crm-Id", re.compile(".*")),)).matches(Trigger.RINGING, call_view())
