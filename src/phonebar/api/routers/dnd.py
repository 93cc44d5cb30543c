"""Do not disturb: inbound calls are rejected (486 by default) and logged as missed."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from phonebar.api.deps import PhoneDep
from phonebar.api.routing import command, json_response
from phonebar.api.schemas import DndResult

router = APIRouter(prefix="/api/dnd", tags=["do not disturb"])


@command(router, "/on", name="dnd_on", summary="Turn do-not-disturb on", response_model=DndResult)
async def dnd_on(phone: PhoneDep) -> JSONResponse:
    return json_response({"action": "dnd", "dnd": phone.set_dnd(True)})


@command(router, "/off", name="dnd_off", summary="Turn do-not-disturb off", response_model=DndResult)
async def dnd_off(phone: PhoneDep) -> JSONResponse:
    return json_response({"action": "dnd", "dnd": phone.set_dnd(False)})
