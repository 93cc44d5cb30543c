"""``SipAccount``: our pjsua2.Account subclass: registration state, incoming calls and
the answers to the registrar probe."""

from __future__ import annotations

import concurrent.futures
from collections import deque
from typing import TYPE_CHECKING

import pjsua2 as pj

from phonebar.domain.ports import RegistrationFact
from phonebar.engine.callbacks import guarded

if TYPE_CHECKING:
    from phonebar.engine.pjsip_engine import PjsipEngine


class SipAccount(pj.Account):  # type: ignore[misc]
    def __init__(self, engine: PjsipEngine) -> None:
        super().__init__()
        self.engine = engine
        self.probes: deque[concurrent.futures.Future[int]] = deque()

    @guarded
    def onRegState(self, prm: pj.OnRegStateParam) -> None:
        info = self.getInfo()
        self.engine.post(
            RegistrationFact(
                active=bool(info.regIsActive),
                sip_status=int(prm.code),
                reason=str(prm.reason),
                expires=int(prm.expiration) if info.regIsActive else None,
            )
        )

    @guarded
    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        self.engine.incoming_call(self, prm)

    @guarded
    def onSendRequest(self, prm: pj.OnSendRequestParam) -> None:
        if not self.probes:
            return
        future = self.probes.popleft()
        status = 408
        try:
            status = int(prm.e.body.tsxState.tsx.statusCode)
        except (AttributeError, pj.Error):
            pass
        if not future.done():
            future.set_result(status)
