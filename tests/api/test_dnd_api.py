"""GET/POST /api/dnd/on|off, the dnd field of /api/status and the dnd_changed event."""

from __future__ import annotations

import pytest

from phonebar.api.schemas import DndResult, Status
from phonebar.domain.events import Event
from tests.api.conftest import ApiRig


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_dnd_on_and_off_show_in_status(api: ApiRig, method: str) -> None:
    assert (await api.client.get("/api/status")).json()["dnd"] is False

    on = await api.client.request(method, "/api/dnd/on")
    assert on.status_code == 200
    assert DndResult.model_validate(on.json()) == DndResult(action="dnd", dnd=True)
    assert Status.model_validate((await api.client.get("/api/status")).json()).dnd is True

    off = await api.client.request(method, "/api/dnd/off")
    assert off.json() == {"action": "dnd", "dnd": False}
    assert (await api.client.get("/api/status")).json()["dnd"] is False


async def test_dnd_changes_are_published_once_each(api: ApiRig) -> None:
    published: list[Event] = []
    api.daemon.bus.add_listener(published.append)
    for path in ("/api/dnd/on", "/api/dnd/on", "/api/dnd/off"):
        await api.client.get(path)
    assert [(event.type, getattr(event, "dnd", None)) for event in published] == [
        ("dnd_changed", True),
        ("dnd_changed", False),
    ]
