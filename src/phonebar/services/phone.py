"""The phone: one facade whose verbs map one to one onto the API's routes.

HTTP handlers call these methods; each checks the calls' states, then submits
work to the engine and returns once the SIP request has left. Outcomes arrive
as engine facts (see :mod:`phonebar.services.fact_handler`) and leave as events.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from phonebar import __version__
from phonebar.domain.audio import SoundPort
from phonebar.domain.call import Call
from phonebar.domain.events import DndChanged
from phonebar.domain.ports import EngineInfo, EnginePort
from phonebar.domain.session_id import SessionIdFactory
from phonebar.domain.states import EndReason
from phonebar.domain.views import AccountView, CallView, LinesView, StatusView
from phonebar.services import call_commands, conference, hold, media_commands
from phonebar.services.audio_desk import AudioDesk, NullSound
from phonebar.services.call_registry import CallRegistry
from phonebar.services.context import PhoneContext, PhoneOptions
from phonebar.services.event_bus import EventBus
from phonebar.services.fact_handler import FactHandler
from phonebar.services.hold import HoldOutcome
from phonebar.services.registration import RegistrationKeeper, RegistrationPolicy
from phonebar.services.transfer import TransferTracker

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 3.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class Phone:
    def __init__(
        self,
        engine: EnginePort,
        bus: EventBus,
        options: PhoneOptions,
        policy: RegistrationPolicy,
        account: AccountView,
        *,
        clock: Callable[[], datetime] = utc_now,
        new_session_id: Callable[[], str] | None = None,
        on_fatal: Callable[[str], None] | None = None,
        sound: SoundPort | None = None,
    ) -> None:
        self.ctx = PhoneContext(
            engine=engine,
            registry=CallRegistry(),
            bus=bus,
            options=options,
            clock=clock,
            new_session_id=new_session_id or SessionIdFactory(),
        )
        self.registration = RegistrationKeeper(self.ctx, policy)
        self.transfers = TransferTracker(self.ctx)
        self._facts = FactHandler(
            self.ctx,
            self.registration,
            self.transfers,
            self._on_incoming,
            self._on_engine_stopped,
            turn_away=lambda: EndReason.DND if self._dnd else None,
        )
        engine.set_listener(self._facts)
        self.audio = AudioDesk(self.ctx, sound or NullSound(), lambda: self._dnd)
        self._account = account
        self._on_fatal = on_fatal
        self._dnd = options.dnd
        self._engine_state = "stopped"
        self._info: EngineInfo | None = None
        self._started_at = clock()

    # -- life cycle ------------------------------------------------------------

    async def start(self) -> EngineInfo:
        await self.audio.sound.start()
        self._info = await self.ctx.engine.start()
        self._engine_state = "running"
        self.registration.start()
        return self._info

    async def stop(self) -> None:
        """Hang up every call (BYE/CANCEL/486), un-REGISTER, stop the engine."""
        for call in self.ctx.registry.active():
            call.pending_end_reason = call.pending_end_reason or EndReason.SHUTDOWN
        await self.registration.stop()
        if self._engine_state == "running":
            self._engine_state = "stopping"
            await self.ctx.engine.stop()
        self._engine_state = "stopped"
        await asyncio.sleep(0)  # let the last facts posted by the engine run
        await self.ctx.background.drain()
        await self.audio.sound.stop()

    # -- queries ---------------------------------------------------------------

    def calls(self) -> list[CallView]:
        return [call.view() for call in self.ctx.registry.active()]

    def call(self, session_id: str) -> CallView:
        return self.ctx.registry.get(session_id).view()

    @property
    def dnd(self) -> bool:
        return self._dnd

    def status(self) -> StatusView:
        return StatusView(
            version=__version__,
            registration=self.registration.view,
            account=self._account,
            sip_address=self._info.sip_address if self._info else "",
            calls=self.ctx.registry.lines_in_use(),
            lines=LinesView(max=self.ctx.registry.max_lines, in_use=self.ctx.registry.lines_in_use()),
            dnd=self._dnd,
            engine=self._engine_state,
            audio=self.audio.status_text(self._info.audio) if self._info else "",
            event_clients=self.ctx.bus.client_count,
            started_at=self._started_at,
        )

    # -- the verbs -------------------------------------------------------------

    async def answer(self, session_id: str | None = None) -> Touched:
        placed = await call_commands.answer(self.ctx, session_id)
        return Touched(placed.call.view(), _views(placed.held))

    async def originate(self, number: str | None) -> Touched:
        placed = await call_commands.originate(self.ctx, number, self.registration)
        return Touched(placed.call.view(), _views(placed.held))

    async def hangup(self, session_id: str | None = None) -> list[CallView]:
        return _views(await call_commands.hangup(self.ctx, session_id))

    async def hold(self, session_id: str | None = None, *, toggle: bool = True) -> HoldOutcome:
        return await hold.hold(self.ctx, session_id, toggle=toggle)

    async def unhold(self, session_id: str | None = None) -> HoldOutcome:
        return await hold.unhold(self.ctx, session_id)

    async def transfer(self, session_id: str | None, number: str | None) -> CallView:
        return (await self.transfers.blind(session_id, number)).view()

    async def transfer_attended(self, session_id: str, partner_session_id: str) -> list[CallView]:
        return _views(list(await self.transfers.attended(session_id, partner_session_id)))

    async def conference(self) -> list[CallView]:
        return _views(await conference.conference(self.ctx))

    async def send_dtmf(self, session_id: str, digits: str) -> CallView:
        return (await media_commands.send_dtmf(self.ctx, session_id, digits)).view()

    async def mute(self, session_id: str | None = None, *, muted: bool = True) -> list[CallView]:
        return _views(await media_commands.set_muted(self.ctx, session_id, muted))

    def set_dnd(self, on: bool) -> bool:
        if on != self._dnd:
            self._dnd = on
            log.info("do-not-disturb %s", "on" if on else "off")
            self.ctx.publish(DndChanged(dnd=on))
        return self._dnd

    # -- reactions -------------------------------------------------------------

    async def _on_incoming(self, call: Call) -> None:
        if call.pending_end_reason is EndReason.DND:  # decided as it was created
            await self.ctx.engine.reject(call.session_id, self.ctx.options.dnd_status)
        elif self.ctx.options.auto_answer:
            await call_commands.answer(self.ctx, call.session_id)

    def _on_engine_stopped(self, error: str | None) -> None:
        if error is None or self._engine_state in ("stopping", "stopped"):
            return
        self._engine_state = "failed"
        log.critical("the SIP engine died: %s", error)
        if self._on_fatal is not None:
            self._on_fatal(error)


@dataclass(frozen=True)
class Touched:
    """What answer and originate touched: the call, and the calls put on hold for it."""

    call: CallView
    held: list[CallView]


def _views(calls: list[Call]) -> list[CallView]:
    return [call.view() for call in calls]
