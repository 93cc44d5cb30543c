"""Dependency aliases shared by the routers."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import Depends, Query, Request

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


async def get_number(
    request: Request,
    number: Annotated[str | None, Query(description="a number or a sip: URI; write + as %2B or as +")] = None,
) -> str | None:
    """``?number=``, with a leading ``+`` before a digit kept. Query strings decode ``+`` as
    a space, so ``?number=+442079460000`` would dial 442079460000: a CRM that writes the
    international prefix by hand means it (a URL builder encodes it %2B, a space + or %20)."""
    raw = _raw_value(request.url.query, "number")
    if number is not None and number.startswith(" ") and raw[:1] == "+" and raw[1:2].isdigit():
        return "+" + number[1:]
    return number


def _raw_value(query: str, key: str) -> str:
    """The last ``key=`` value of a query string, still encoded (the one FastAPI reads)."""
    found = ""
    for part in query.split("&"):
        name, _, value = part.partition("=")
        if unquote_plus(name) == key:
            found = value
    return found


PhoneDep = Annotated[Phone, Depends(get_phone)]
NumberQuery = Annotated[str | None, Depends(get_number)]
HistoryDep = Annotated[HistoryPort, Depends(get_history)]
CtiDep = Annotated[CtiPort, Depends(get_cti)]
StreamOptionsDep = Annotated[StreamOptions, Depends(get_stream_options)]
