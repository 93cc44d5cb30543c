"""GET /api/calls: the calls in progress."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from phonebar.api.deps import PhoneDep
from phonebar.api.routing import ERRORS, json_response
from phonebar.api.schemas import Call
from phonebar.domain.serialize import call_to_dict

router = APIRouter(prefix="/api/calls", tags=["calls"])


@router.get("", response_model=list[Call], operation_id="list_calls", summary="The calls in progress")
async def list_calls(phone: PhoneDep) -> JSONResponse:
    return json_response([call_to_dict(call) for call in phone.calls()])


@router.get(
    "/{session_id}", response_model=Call, operation_id="get_call", summary="One call", responses=ERRORS
)
async def get_call(session_id: str, phone: PhoneDep) -> JSONResponse:
    return json_response(call_to_dict(phone.call(session_id)))
