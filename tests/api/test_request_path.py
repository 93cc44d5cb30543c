"""The request path stays on the event loop: no route or dependency hops to a thread."""

from __future__ import annotations

from typing import Any

import fastapi.dependencies.utils
import fastapi.routing
import pytest

from tests.api.conftest import ApiRig


def _no_thread_pool(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a route or dependency ran in the thread pool")


@pytest.mark.parametrize(
    "path", ["/api/calls", "/api/status", "/api/health", "/api/originate/1001", "/api/hangup"]
)
async def test_routes_run_without_the_thread_pool(
    api: ApiRig, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    # FastAPI runs a plain ``def`` endpoint or dependency through run_in_threadpool: a thread
    # hop per request that used to cost more than the whole /api/calls handler
    monkeypatch.setattr(fastapi.dependencies.utils, "run_in_threadpool", _no_thread_pool)
    monkeypatch.setattr(fastapi.routing, "run_in_threadpool", _no_thread_pool)
    response = await api.client.get(path)
    assert response.status_code == 200, response.text
