"""DTMF and mute."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from phonebar.api.deps import PhoneDep
from phonebar.api.routers.call_control import call_result, calls_result
from phonebar.api.routing import command
from phonebar.api.schemas import CallResult, CallsResult

router = APIRouter(prefix="/api", tags=["dtmf and mute"])


@command(
    router, "/dtmf/{session_id}/{digits}", name="dtmf", summary="Send DTMF digits", response_model=CallResult
)
async def dtmf(session_id: str, digits: str, phone: PhoneDep) -> JSONResponse:
    return call_result("dtmf", await phone.send_dtmf(session_id, digits))


@command(router, "/mute", name="mute_all", summary="Mute the agent on every call", response_model=CallsResult)
async def mute_all(phone: PhoneDep) -> JSONResponse:
    return calls_result("mute", await phone.mute(None, muted=True))


@command(
    router,
    "/mute/{session_id}",
    name="mute",
    summary="Mute the agent on one call",
    response_model=CallsResult,
)
async def mute(session_id: str, phone: PhoneDep) -> JSONResponse:
    return calls_result("mute", await phone.mute(session_id, muted=True))


@command(
    router, "/unmute", name="unmute_all", summary="Unmute the agent on every call", response_model=CallsResult
)
async def unmute_all(phone: PhoneDep) -> JSONResponse:
    return calls_result("unmute", await phone.mute(None, muted=False))


@command(
    router,
    "/unmute/{session_id}",
    name="unmute",
    summary="Unmute the agent on one call",
    response_model=CallsResult,
)
async def unmute(session_id: str, phone: PhoneDep) -> JSONResponse:
    return calls_result("unmute", await phone.mute(session_id, muted=False))
