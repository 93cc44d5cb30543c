"""What every use case shares: the engine, the calls, the bus, the options and the clock."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from phonebar.domain.call import Call
from phonebar.domain.events import CallCreated, Event
from phonebar.domain.mix import compute_mix
from phonebar.domain.ports import EnginePort
from phonebar.domain.remote_party import RemoteParty
from phonebar.domain.states import Direction, EndReason
from phonebar.services.background import Background
from phonebar.services.call_registry import CallRegistry
from phonebar.services.event_bus import EventBus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhoneOptions:
    """The settings the use cases need (built from :class:`phonebar.config.Settings` in app.py)."""

    account_uri: str = ""
    domain: str | None = None
    registration_required: bool = False
    auto_answer: bool = False
    dial_map: dict[str, str] = field(default_factory=dict)
    dtmf_method: str = "rfc2833"
    transfer_timeout: float = 30.0
    dnd: bool = False
    dnd_status: int = 486


@dataclass
class PhoneContext:
    engine: EnginePort
    registry: CallRegistry
    bus: EventBus
    options: PhoneOptions
    clock: Callable[[], datetime]
    new_session_id: Callable[[], str]
    background: Background = field(default_factory=Background)

    def publish(self, event: Event) -> None:
        self.bus.publish(event)

    def new_call(self, session_id: str, direction: Direction, remote: RemoteParty, **fields: object) -> Call:
        call = Call(
            session_id=session_id,
            direction=direction,
            remote=remote,
            created_at=self.clock(),
            publish=self.publish,
            clock=self.clock,
            account=self.options.account_uri,
            **fields,  # type: ignore[arg-type]
        )
        self.registry.add(call)
        self.publish(CallCreated(call=call.view(), turned_away=call.pending_end_reason is EndReason.DND))
        return call

    async def push_mix(self) -> None:
        """Tell the engine who hears whom after any change of hold, mute or conference."""
        await self.engine.set_mix(compute_mix(self.registry.active()))
