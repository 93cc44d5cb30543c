"""Shared fixtures: a Phone over the FakeEngine, with a recording of every event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from phonebar.domain.events import Event
from phonebar.domain.session_id import SessionIdFactory
from phonebar.domain.views import AccountView
from phonebar.engine.fake_engine import FakeEngine
from phonebar.services.context import PhoneOptions
from phonebar.services.event_bus import EventBus
from phonebar.services.phone import Phone
from phonebar.services.registration import RegistrationPolicy


@dataclass
class Recorder:
    events: list[Event] = field(default_factory=list)

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def types(self, session_id: str | None = None) -> list[str]:
        return [
            event.type
            for event in self.events
            if session_id is None or getattr(getattr(event, "call", None), "session_id", None) == session_id
        ]

    def states(self, session_id: str) -> list[str]:
        """Every state the call went through, in order."""
        return [
            event.call.state.value  # type: ignore[attr-defined]
            for event in self.events
            if event.type in ("call_created", "call_state_changed") and event.call.session_id == session_id  # type: ignore[attr-defined]
        ]


@dataclass
class PhoneRig:
    phone: Phone
    engine: FakeEngine
    bus: EventBus
    events: Recorder


def build_rig(options: PhoneOptions | None = None, policy: RegistrationPolicy | None = None) -> PhoneRig:
    ids = SessionIdFactory("test00")
    engine = FakeEngine(ids, registers=bool(policy and policy.configured))
    bus = EventBus(buffer_size=100, queue_size=50, clock=lambda: datetime.now(UTC))
    recorder = Recorder()
    bus.add_listener(recorder)
    phone = Phone(
        engine,
        bus,
        options or PhoneOptions(domain="pbx.test"),
        policy or RegistrationPolicy(configured=False, enabled=False, retry_max=2, keepalive=0),
        AccountView("sip:agent@pbx.test", "agent", "agent", "pbx.test", None, "", "udp", False),
        new_session_id=ids,
    )
    return PhoneRig(phone, engine, bus, recorder)


@pytest.fixture
async def rig() -> AsyncIterator[PhoneRig]:
    rig = build_rig()
    await rig.phone.start()
    yield rig
    await rig.phone.stop()
