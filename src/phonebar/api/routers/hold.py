"""Hold and resume: /api/hold toggles, /api/unhold only resumes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from phonebar.api.deps import PhoneDep
from phonebar.api.routing import command, json_response
from phonebar.api.schemas import HoldResult
from phonebar.domain.serialize import call_to_dict
from phonebar.services.hold import HoldOutcome

router = APIRouter(prefix="/api", tags=["hold"])


def hold_result(outcome: HoldOutcome) -> JSONResponse:
    views = [call.view() for call in outcome.calls]
    return json_response(
        {
            "action": outcome.action,
            "state": "held" if outcome.action == "held" else "connected",
            "sessionIds": [view.session_id for view in views],
            "calls": [call_to_dict(view) for view in views],
        }
    )


@command(
    router,
    "/hold",
    name="hold_active",
    summary="Hold the active call, or resume it",
    response_model=HoldResult,
)
async def hold_active(phone: PhoneDep) -> JSONResponse:
    return hold_result(await phone.hold())


@command(
    router, "/hold/{session_id}", name="hold", summary="Hold a call, or resume it", response_model=HoldResult
)
async def hold(session_id: str, phone: PhoneDep) -> JSONResponse:
    return hold_result(await phone.hold(session_id))


@command(router, "/unhold", name="unhold_active", summary="Resume the held call", response_model=HoldResult)
async def unhold_active(phone: PhoneDep) -> JSONResponse:
    return hold_result(await phone.unhold())


@command(router, "/unhold/{session_id}", name="unhold", summary="Resume a call", response_model=HoldResult)
async def unhold(session_id: str, phone: PhoneDep) -> JSONResponse:
    return hold_result(await phone.unhold(session_id))
