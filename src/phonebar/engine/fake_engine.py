"""``FakeEngine``: an :class:`~phonebar.domain.ports.EnginePort` without SIP, for unit and API tests.

It records every command and answers like a well-behaved far end: an answered
call confirms, a hold comes back as local hold, a hang-up disconnects. Facts are
posted with ``call_soon``, so they arrive after the command returns, as with the
real engine. Tests add what the far end does (``incoming``, ``emit``) and
inject failures (``fail_next``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from phonebar.domain.mix import MixPlan
from phonebar.domain.ports import (
    CallConfirmedFact,
    CallDisconnectedFact,
    EngineFact,
    EngineInfo,
    EngineListener,
    IncomingCallFact,
    MediaFact,
    OutboundCall,
    RegistrationFact,
)
from phonebar.domain.states import MediaStatus
from phonebar.errors import CallNotFound, EngineUnavailable, PhonebarError


class FakeEngine:
    def __init__(self, new_session_id: Callable[[], str], *, registers: bool = False) -> None:
        self._new_session_id = new_session_id
        self._listener: EngineListener | None = None
        self._registers = registers
        self._running = False
        self._failures: dict[str, PhonebarError] = {}
        self.commands: list[tuple[str, tuple[Any, ...]]] = []
        self.calls: set[str] = set()
        self.mix: MixPlan = {}
        self.probe_status = 200
        self.registrar_down = False  # probes get no answer, REGISTERs time out (408)
        self.probe_delay = 0.0  # > the probe timeout: the registrar "does not answer"
        self.register_status = 200
        self.auto_confirm_dial = False

    # -- test controls -------------------------------------------------------------

    def emit(self, fact: EngineFact) -> None:
        asyncio.get_running_loop().call_soon(self._deliver, fact)

    def incoming(
        self, remote: str = '"Alice" <sip:1001@pbx.test>', headers: dict[str, str] | None = None
    ) -> str:
        session_id = self._new_session_id()
        self.calls.add(session_id)
        self.emit(IncomingCallFact(session_id, remote, f"{session_id}@fake", headers or {}))
        return session_id

    def far_end_answers(self, session_id: str) -> None:
        self.emit(MediaFact(session_id, MediaStatus.ACTIVE, "PCMU/8000"))
        self.emit(CallConfirmedFact(session_id))

    def far_end_hangs_up(self, session_id: str, sip_status: int = 200) -> None:
        self.calls.discard(session_id)
        self.emit(CallDisconnectedFact(session_id, sip_status, "Normal call clearing", local=False))

    def fail_next(self, command: str, error: PhonebarError) -> None:
        self._failures[command] = error

    def names(self) -> list[str]:
        return [name for name, _ in self.commands]

    # -- EnginePort ------------------------------------------------------------------

    def set_listener(self, listener: EngineListener) -> None:
        self._listener = listener

    @property
    def alive(self) -> bool:
        return self._running

    async def start(self) -> EngineInfo:
        self._running = True
        if self._registers:
            self.emit(RegistrationFact(True, 200, "OK", expires=300))
        return EngineInfo(
            "127.0.0.1:5060", ("udp:127.0.0.1:5060",), ("PCMU/8000/1",), "sip:fake@127.0.0.1", "null"
        )

    async def stop(self) -> None:
        self._record("stop")
        for session_id in sorted(self.calls):
            self.emit(CallDisconnectedFact(session_id, 200, "shutdown", local=True))
        self.calls.clear()
        if self._registers or "register" in self.names():
            self.emit(RegistrationFact(False, 200, "unregistered", unregistering=True))
        self._running = False
        await asyncio.sleep(0)

    async def register(self) -> None:
        self._record("register")
        if self.registrar_down:
            self.emit(RegistrationFact(False, 408, "Request Timeout"))
            return
        ok = self.register_status == 200
        self.emit(
            RegistrationFact(
                ok, self.register_status, "OK" if ok else "Forbidden", expires=300 if ok else None
            )
        )

    async def probe_registrar(self) -> int:
        self._record("probe_registrar")
        if self.registrar_down:
            await asyncio.Event().wait()  # no answer, ever: the caller's timeout ends it
        await asyncio.sleep(self.probe_delay)
        return self.probe_status

    async def dial(self, session_id: str, uri: str, sip_call_id: str) -> OutboundCall:
        self._record("dial", session_id, uri)
        self.calls.add(session_id)
        if self.auto_confirm_dial:
            self.far_end_answers(session_id)
        return OutboundCall(sip_call_id=sip_call_id)

    async def answer(self, session_id: str) -> None:
        self._record("answer", session_id)
        self._known(session_id)
        self.far_end_answers(session_id)

    async def reject(self, session_id: str, sip_status: int) -> None:
        self._record("reject", session_id, sip_status)
        self._known(session_id)
        self.calls.discard(session_id)
        self.emit(CallDisconnectedFact(session_id, sip_status, "rejected", local=True))

    async def hangup(self, session_id: str) -> None:
        self._record("hangup", session_id)
        self._known(session_id)
        self.calls.discard(session_id)
        self.emit(CallDisconnectedFact(session_id, 200, "Normal call clearing", local=True))

    async def hold(self, session_id: str) -> None:
        self._record("hold", session_id)
        self._known(session_id)
        self.emit(MediaFact(session_id, MediaStatus.LOCAL_HOLD))

    async def unhold(self, session_id: str) -> None:
        self._record("unhold", session_id)
        self._known(session_id)
        self.emit(MediaFact(session_id, MediaStatus.ACTIVE))

    async def transfer(self, session_id: str, uri: str) -> None:
        self._record("transfer", session_id, uri)
        self._known(session_id)

    async def transfer_attended(self, session_id: str, partner_session_id: str) -> None:
        self._record("transfer_attended", session_id, partner_session_id)
        self._known(session_id)
        self._known(partner_session_id)

    async def send_dtmf(self, session_id: str, digits: str, method: str) -> None:
        self._record("send_dtmf", session_id, digits, method)
        self._known(session_id)

    async def set_mix(self, plan: MixPlan) -> None:
        self.mix = dict(plan)

    # -- internals ---------------------------------------------------------------------

    def _record(self, name: str, *args: Any) -> None:
        if not self._running and name != "stop":
            raise EngineUnavailable("the fake engine is not running")
        self.commands.append((name, args))
        error = self._failures.pop(name, None)
        if error is not None:
            raise error

    def _known(self, session_id: str) -> None:
        if session_id not in self.calls:
            raise CallNotFound(session_id)

    def _deliver(self, fact: EngineFact) -> None:
        if self._listener is not None:
            self._listener(fact)
