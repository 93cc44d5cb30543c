"""Registration at start: a registrar that answers before the engine's start returns."""

from __future__ import annotations

import asyncio

from phonebar.domain.ports import EngineInfo
from phonebar.engine.fake_engine import FakeEngine
from phonebar.services.registration import RegistrationPolicy
from tests.conftest import build_rig


class QuickRegistrar(FakeEngine):
    """Its 200 OK reaches the loop while ``start`` is still being awaited, as on a fast LAN."""

    async def start(self) -> EngineInfo:
        info = await super().start()
        await asyncio.sleep(0)  # the posted registration fact runs here
        return info


async def test_a_200_that_arrives_during_start_leaves_the_account_registered() -> None:
    policy = RegistrationPolicy(configured=True, enabled=True, retry_max=2, keepalive=0)
    rig = build_rig(policy=policy)
    engine = QuickRegistrar(rig.engine._new_session_id, registers=True)
    rig.phone.ctx.engine = engine
    engine.set_listener(rig.phone._facts)
    await rig.phone.start()
    for _ in range(5):
        await asyncio.sleep(0)
    try:
        assert rig.phone.registration.state.value == "registered"
        states = [
            event.registration.state.value
            for event in rig.events.events
            if event.type == "registration_changed"
        ]  # type: ignore[attr-defined]
        assert states == ["registered"]
    finally:
        await rig.phone.stop()
