"""The API over the FakeEngine: the real app, routers, middleware and error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from phonebar.app import Daemon, create_app
from phonebar.config import Settings, load_settings
from phonebar.engine.fake_engine import FakeEngine


@dataclass
class ApiRig:
    client: httpx.AsyncClient
    engine: FakeEngine
    daemon: Daemon


def fake_engine_factory(settings: Settings, new_session_id: Callable[[], str]) -> FakeEngine:
    return FakeEngine(new_session_id, registers=settings.account.configured)


async def make_rig(overrides: dict[str, str] | None = None) -> ApiRig:
    defaults = {"account.domain": "pbx.test", "history.enabled": "false"}  # no file under $HOME
    settings = load_settings(None, environ={}, overrides={**defaults, **(overrides or {})})
    daemon = Daemon(settings, engine_factory=fake_engine_factory)
    await daemon.start()
    app = create_app(settings, daemon)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:9888")
    assert isinstance(daemon.engine, FakeEngine)
    return ApiRig(client, daemon.engine, daemon)


@pytest.fixture
async def api() -> AsyncIterator[ApiRig]:
    rig = await make_rig()
    yield rig
    await rig.client.aclose()
    await rig.daemon.stop()


def error_code(response: httpx.Response) -> Any:
    return response.json()["error"]["code"]
