"""The one serializer's output, field by field: a call as every carrier shows it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from phonebar.domain.serialize import call_to_dict, iso, to_plain
from phonebar.domain.states import CallState, Direction, EndReason, TransferKind, TransferState
from phonebar.domain.views import CallView, TransferView

CREATED = datetime(2026, 12, 3, 15, 21, 0, 123456, tzinfo=UTC)


def a_call(**changes: object) -> CallView:
    fields: dict[str, object] = {
        "session_id": "k3f9q2-1",
        "direction": Direction.INBOUND,
        "state": CallState.CONNECTED,
        "number": "1003",
        "name": "Carol",
        "uri": "sip:1003@pbx.example.com",
        "account": "sip:1001@pbx.example.com",
        "sip_call_id": "8d1c0b6e4f2a@10.0.0.5",
        "created_at": CREATED,
        "answered_at": CREATED + timedelta(seconds=4),
        "ended_at": None,
        "duration": 12.3,
        "hold": False,
        "remote_hold": False,
        "muted": False,
        "conference": False,
        "codec": "G722/16000",
        "sip_status": 200,
        "end_reason": None,
        "transfer": None,
        "transferred_from": None,
        "headers": {"X-Queue": "sales"},
    }
    fields.update(changes)
    return CallView(**fields)  # type: ignore[arg-type]


def test_a_call_has_camel_case_keys_plain_values_and_its_own_header_names() -> None:
    assert call_to_dict(a_call()) == {
        "sessionId": "k3f9q2-1",
        "direction": "inbound",
        "state": "connected",
        "number": "1003",
        "name": "Carol",
        "uri": "sip:1003@pbx.example.com",
        "account": "sip:1001@pbx.example.com",
        "sipCallId": "8d1c0b6e4f2a@10.0.0.5",
        "createdAt": "2026-12-03T15:21:00.123Z",
        "answeredAt": "2026-12-03T15:21:04.123Z",
        "endedAt": None,
        "duration": 12.3,
        "hold": False,
        "remoteHold": False,
        "muted": False,
        "conference": False,
        "codec": "G722/16000",
        "sipStatus": 200,
        "endReason": None,
        "transfer": None,
        "transferredFrom": None,
        "headers": {"X-Queue": "sales"},
    }


def test_enums_become_their_values_not_enum_objects() -> None:
    plain = call_to_dict(a_call(state=CallState.ENDED, end_reason=EndReason.REMOTE_HANGUP))
    assert type(plain["state"]) is str
    assert type(plain["endReason"]) is str
    assert (plain["state"], plain["endReason"]) == ("ended", "remote_hangup")


def test_a_nested_transfer_is_serialized_too() -> None:
    transfer = TransferView(TransferKind.BLIND, "sip:1004@pbx", TransferState.FAILED, 486, "Busy Here")
    plain = call_to_dict(a_call(state=CallState.CONNECTED, transfer=transfer))
    assert plain["transfer"] == {
        "kind": transfer.kind.value,
        "target": "sip:1004@pbx",
        "state": transfer.state.value,
        "sipStatus": 486,
        "reason": "Busy Here",
    }


def test_times_are_utc_whatever_zone_they_were_made_in() -> None:
    paris = datetime(2026, 12, 3, 16, 21, 0, 123000, tzinfo=timezone(timedelta(hours=1)))
    assert iso(paris) == "2026-12-03T15:21:00.123Z"
    assert to_plain([paris, ("a", 1)]) == ["2026-12-03T15:21:00.123Z", ["a", 1]]
