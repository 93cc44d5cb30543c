"""Dependency aliases shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from phonebar.api.event_stream import StreamOptions
from phonebar.domain.ports import CtiPort, HistoryPort
from phonebar.services.phone import Phone


async def get_phone(request: Request) -> Phone:
    # async on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a thread
    # hop per request that costs more than the whole /api/calls handler
    phone: Phone = request.app.state.phone
    return phone


async def get_history(request: Request) -> HistoryPort:
    history: HistoryPort = request.app.state.history
    return history


async def get_cti(request: Request) -> CtiPort:
    cti: CtiPort = request.app.state.cti
    return cti


async def get_stream_options(request: Request) -> StreamOptions:
    options: StreamOptions = request.app.state.stream_options
    return options


PhoneDep = Annotated[Phone, Depends(get_phone)]
HistoryDep = Annotated[HistoryPort, Depends(get_history)]
CtiDep = Annotated[CtiPort, Depends(get_cti)]
StreamOptionsDep = Annotated[StreamOptions, Depends(get_stream_options)]
