"""The registrar can answer before the engine's start has returned to the loop (REGISTER
takes 1-3 ms on loopback): the keeper must not go back to ``registering`` then."""

from __future__ import annotations

from datetime import UTC, datetime

from phonebar.domain.ports import EngineInfo, RegistrationFact
from phonebar.domain.session_id import SessionIdFactory
from phonebar.domain.views import AccountView
from phonebar.engine.fake_engine import FakeEngine
from phonebar.services.context import PhoneOptions
from phonebar.services.event_bus import EventBus
from phonebar.services.phone import Phone
from phonebar.services.registration import RegistrationPolicy


class FastRegistrar(FakeEngine):
    """The 200 OK's fact is delivered before ``start`` returns."""

    async def start(self) -> EngineInfo:
        info = await super().start()
        self._deliver(RegistrationFact(True, 200, "OK", expires=300))
        return info


async def test_a_registration_answered_during_start_stays_registered() -> None:
    ids = SessionIdFactory("reg000")
    phone = Phone(
        FastRegistrar(ids),
        EventBus(buffer_size=10, queue_size=10, clock=lambda: datetime.now(UTC)),
        PhoneOptions(domain="pbx.test", registration_required=True),
        RegistrationPolicy(configured=True, enabled=True, retry_max=2, keepalive=0),
        AccountView("sip:agent@pbx.test", "agent", "agent", "pbx.test", "pbx.test", "", "udp", True),
        new_session_id=ids,
    )
    await phone.start()
    assert phone.registration.state.value == "registered"
    await phone.stop()
