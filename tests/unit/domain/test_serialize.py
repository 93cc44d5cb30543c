"""The one serializer and the OpenAPI models describe the same JSON, key for key."""

from __future__ import annotations

from datetime import UTC, datetime

from phonebar.api.schemas import Call as CallSchema
from phonebar.api.schemas import Status as StatusSchema
from phonebar.domain.call import Call, Transfer
from phonebar.domain.remote_party import RemoteParty
from phonebar.domain.serialize import call_to_dict, iso, to_plain
from phonebar.domain.states import CallState, Direction, MediaStatus, RegistrationState, TransferKind
from phonebar.domain.views import AccountView, LinesView, RegistrationView, StatusView

NOW = datetime(2026, 12, 3, 15, 21, 0, 123456, tzinfo=UTC)


def sample_call() -> Call:
    call = Call(
        session_id="k3f9q2-1",
        direction=Direction.INBOUND,
        remote=RemoteParty.parse('"Carol" <sip:1003@pbx.test>'),
        created_at=NOW,
        publish=lambda event: None,
        clock=lambda: NOW,
        sip_call_id="abc@pbx",
        headers={"X-Queue": "sales"},
        _state=CallState.RINGING,
    )
    call.apply_media(MediaStatus.ACTIVE, "G722/16000")
    call.mark_confirmed()
    call.begin_transfer(Transfer(TransferKind.BLIND, "sip:1004@pbx.test"))
    return call


def test_time_stamps_are_utc_milliseconds_with_z() -> None:
    assert iso(NOW) == "2026-12-03T15:21:00.123Z"


def test_call_json_matches_its_schema_exactly() -> None:
    body = call_to_dict(sample_call().view())
    model = CallSchema.model_validate(body)
    assert set(body) == set(CallSchema.model_json_schema(by_alias=True)["properties"])
    assert model.model_dump(by_alias=True, mode="json")["headers"] == {"X-Queue": "sales"}
    assert body["transfer"] == {
        "kind": "blind",
        "target": "sip:1004@pbx.test",
        "state": "pending",
        "sipStatus": None,
        "reason": None,
    }
    assert body["state"] == "transferring"
    assert body["createdAt"] == "2026-12-03T15:21:00.123Z"


def test_status_json_matches_its_schema_exactly() -> None:
    status = StatusView(
        version="0.1.0",
        registration=RegistrationView(RegistrationState.REGISTERED, 200, "OK", NOW, 300),
        account=AccountView("sip:a@pbx", "a", "a", "pbx", "pbx", "", "udp", True),
        sip_address="127.0.0.1:5060",
        calls=0,
        lines=LinesView(4, 0),
        dnd=False,
        engine="running",
        audio="null",
        event_clients=0,
        started_at=NOW,
    )
    body = to_plain(status)
    StatusSchema.model_validate(body)
    assert set(body) == set(StatusSchema.model_json_schema(by_alias=True)["properties"])
