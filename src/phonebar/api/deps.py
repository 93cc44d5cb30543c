"""Dependency aliases shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from phonebar.services.phone import Phone


def get_phone(request: Request) -> Phone:
    phone: Phone = request.app.state.phone
    return phone


PhoneDep = Annotated[Phone, Depends(get_phone)]
