"""The local three-way conference."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from phonebar.api.deps import PhoneDep
from phonebar.api.routers.call_control import calls_result
from phonebar.api.routing import command
from phonebar.api.schemas import CallsResult

router = APIRouter(prefix="/api", tags=["conference"])


@command(
    router,
    "/conference",
    name="conference",
    summary="Join the two calls with the agent",
    response_model=CallsResult,
)
async def conference(phone: PhoneDep) -> JSONResponse:
    return calls_result("conference", await phone.conference())
