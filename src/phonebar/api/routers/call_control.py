"""Answer, originate, hang up."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from phonebar.api.deps import NumberQuery, PhoneDep
from phonebar.api.routing import command, json_response
from phonebar.api.schemas import CallResult, CallsResult
from phonebar.domain.serialize import call_to_dict
from phonebar.domain.views import CallView
from phonebar.services.phone import Touched

router = APIRouter(prefix="/api", tags=["call control"])


def call_result(action: str, call: CallView, held: list[CallView] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"action": action, "call": call_to_dict(call)}
    if held is not None:
        body["held"] = [call_to_dict(other) for other in held]
    return json_response(body)


def touched_result(action: str, touched: Touched) -> JSONResponse:
    return call_result(action, touched.call, touched.held)


def calls_result(action: str, calls: list[CallView]) -> JSONResponse:
    return json_response(
        {
            "action": action,
            "sessionIds": [call.session_id for call in calls],
            "calls": [call_to_dict(call) for call in calls],
        }
    )


@command(
    router,
    "/answer",
    name="answer_oldest",
    summary="Answer the oldest ringing call",
    response_model=CallResult,
)
async def answer_oldest(phone: PhoneDep) -> JSONResponse:
    return touched_result("answer", await phone.answer())


@command(
    router, "/answer/{session_id}", name="answer", summary="Answer a ringing call", response_model=CallResult
)
async def answer(session_id: str, phone: PhoneDep) -> JSONResponse:
    return touched_result("answer", await phone.answer(session_id))


@command(
    router,
    "/originate/{number}",
    name="originate",
    summary="Dial a number or a sip: URI",
    response_model=CallResult,
)
async def originate(number: str, phone: PhoneDep) -> JSONResponse:
    return touched_result("originate", await phone.originate(number))


@command(router, "/originate", name="originate_query", summary="Dial ?number=", response_model=CallResult)
async def originate_query(phone: PhoneDep, number: NumberQuery) -> JSONResponse:
    return touched_result("originate", await phone.originate(number))


@command(router, "/hangup", name="hangup_all", summary="End every call", response_model=CallsResult)
async def hangup_all(phone: PhoneDep) -> JSONResponse:
    return calls_result("hangup", await phone.hangup())


@command(router, "/hangup/{session_id}", name="hangup", summary="End one call", response_model=CallsResult)
async def hangup(session_id: str, phone: PhoneDep) -> JSONResponse:
    return calls_result("hangup", await phone.hangup(session_id))
