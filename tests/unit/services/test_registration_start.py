"""The registrar may answer the REGISTER the engine sends as it adds the account before
the registration keeper starts: its answer must not be overwritten."""

from __future__ import annotations

from datetime import UTC, datetime

from phonebar.domain.events import RegistrationChanged
from phonebar.domain.ports import EngineInfo, RegistrationFact
from phonebar.domain.session_id import SessionIdFactory
from phonebar.domain.views import AccountView
from phonebar.engine.fake_engine import FakeEngine
from phonebar.services.context import PhoneOptions
from phonebar.services.event_bus import EventBus
from phonebar.services.phone import Phone
from phonebar.services.registration import RegistrationPolicy
from tests.conftest import Recorder


class FastRegistrarEngine(FakeEngine):
    """The 200 OK reaches the services while ``start`` is still returning."""

    async def start(self) -> EngineInfo:
        info = await super().start()
        assert self._listener is not None
        self._listener(RegistrationFact(True, 200, "OK", expires=300))
        return info


async def test_a_registration_answered_before_the_keeper_starts_stays_registered() -> None:
    ids = SessionIdFactory("test00")
    bus = EventBus(buffer_size=10, queue_size=10, clock=lambda: datetime.now(UTC))
    events = Recorder()
    bus.add_listener(events)
    phone = Phone(
        FastRegistrarEngine(ids),
        bus,
        PhoneOptions(domain="pbx.test", registration_required=True),
        RegistrationPolicy(configured=True, enabled=True, retry_max=2, keepalive=0),
        AccountView("sip:agent@pbx.test", "agent", "agent", "pbx.test", "pbx.test", "", "udp", True),
        new_session_id=ids,
    )
    await phone.start()
    try:
        assert phone.registration.state.value == "registered"
        changes = [event for event in events.events if isinstance(event, RegistrationChanged)]
        assert [event.registration.state.value for event in changes] == ["registered"]
    finally:
        await phone.stop()
