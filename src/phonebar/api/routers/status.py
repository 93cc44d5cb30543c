"""GET /api/status (the daemon, the account, the registration) and GET /api/health."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from phonebar.api.deps import PhoneDep
from phonebar.api.routing import json_response
from phonebar.api.schemas import Health, Status
from phonebar.domain.serialize import to_plain

router = APIRouter(prefix="/api", tags=["status"])


@router.get("/status", response_model=Status, operation_id="status", summary="Registration, account, lines")
async def status(phone: PhoneDep) -> JSONResponse:
    return json_response(to_plain(phone.status()))


@router.get("/health", response_model=Health, operation_id="health", summary="Liveness; needs no token")
async def health(phone: PhoneDep) -> JSONResponse:
    return json_response({"status": "ok" if phone.status().engine == "running" else "degraded"})
