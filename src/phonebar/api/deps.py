"""Dependency aliases shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from phonebar.services.phone import Phone


async def get_phone(request: Request) -> Phone:
    # async on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a thread
    # hop per request that costs more than the whole /api/calls handler
    phone: Phone = request.app.state.phone
    return phone


PhoneDep = Annotated[Phone, Depends(get_phone)]
