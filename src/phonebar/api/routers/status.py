"""GET /api/status (the daemon, the account, the registration, events, CTI, history) and
GET /api/health."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from phonebar.api.deps import CtiDep, HistoryDep, PhoneDep
from phonebar.api.routing import json_response
from phonebar.api.schemas import Health, Status
from phonebar.domain.serialize import to_plain

router = APIRouter(prefix="/api", tags=["status"])


@router.get("/status", response_model=Status, operation_id="status", summary="Registration, account, lines")
async def status(phone: PhoneDep, cti: CtiDep, history: HistoryDep) -> JSONResponse:
    body = to_plain(phone.status())
    body["events"] = to_plain(phone.ctx.bus.stats())
    body["cti"] = to_plain(cti.stats())
    body["history"] = to_plain(history.stats())
    return json_response(body)


@router.get("/health", response_model=Health, operation_id="health", summary="Liveness; needs no token")
async def health(phone: PhoneDep) -> JSONResponse:
    return json_response({"status": "ok" if phone.status().engine == "running" else "degraded"})
