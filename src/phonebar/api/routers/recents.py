"""GET /api/recents: the call history, newest first, a page at a time."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from phonebar.api.deps import HistoryDep
from phonebar.api.routing import ERRORS, json_response
from phonebar.api.schemas import RecentsPage
from phonebar.domain.serialize import to_plain

router = APIRouter(prefix="/api", tags=["history"])

MAX_LIMIT = 500


@router.get(
    "/recents",
    response_model=RecentsPage,
    operation_id="recents",
    summary="Ended calls, newest first",
    responses={400: ERRORS[400]},
)
async def recents(
    history: HistoryDep,
    limit: int = Query(default=50, ge=1, le=MAX_LIMIT, description="calls per page"),
    before: int | None = Query(default=None, ge=1, le=2**63 - 1, description="only calls older than this id"),
) -> JSONResponse:
    return json_response(to_plain(await history.recent(limit, before)))
