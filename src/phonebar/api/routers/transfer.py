"""Blind transfer (REFER) and attended transfer (REFER with Replaces)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from phonebar.api.deps import NumberQuery, PhoneDep
from phonebar.api.routers.call_control import call_result, calls_result
from phonebar.api.routing import command
from phonebar.api.schemas import CallResult, CallsResult

router = APIRouter(prefix="/api/transfer", tags=["transfer"])


@command(
    router,
    "",
    name="transfer_active",
    summary="Blind-transfer the active call to ?number=",
    response_model=CallResult,
)
async def transfer_active(phone: PhoneDep, number: NumberQuery) -> JSONResponse:
    return call_result("transfer", await phone.transfer(None, number))


@command(
    router,
    "/attendant/{session_id}/{partner_session_id}",
    name="transfer_attended",
    summary="Connect the far ends of two calls",
    response_model=CallsResult,
)
async def transfer_attended(session_id: str, partner_session_id: str, phone: PhoneDep) -> JSONResponse:
    return calls_result("transfer", await phone.transfer_attended(session_id, partner_session_id))


@command(
    router,
    "/{session_id}",
    name="transfer",
    summary="Blind-transfer a call to ?number=",
    response_model=CallResult,
)
async def transfer(session_id: str, phone: PhoneDep, number: NumberQuery) -> JSONResponse:
    return call_result("transfer", await phone.transfer(session_id, number))
