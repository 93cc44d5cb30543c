"""``SipAccount``: our pjsua2.Account subclass: registration state, incoming calls and
the answers to the registrar probe.

Each probe (an OPTIONS) is matched to its own answer by the token PJSIP hands back in
``onSendRequest``, never by order: while the registrar is down a probe's transaction
lives on for 32 s (Timer F) after its caller gave up, and a later probe's quick answer
must not be taken for it.
"""

from __future__ import annotations

import concurrent.futures
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
        # token address -> (the object whose address is the token, the waiting future)
        self._probes: dict[int, tuple[pj.SipHeader, concurrent.futures.Future[int]]] = {}

    def send_probe(self, target_uri: str, answer: concurrent.futures.Future[int]) -> None:
        """Send OPTIONS to ``target_uri``; ``answer`` gets the final status (408 if none came)."""
        token = pj.SipHeader()  # any SWIG object: its address is a unique void* token
        param = pj.SendRequestParam()
        param.method = "OPTIONS"
        param.txOption.targetUri = target_uri
        param.userData = token.this
        self.sendRequest(param)
        self._probes[int(token.this)] = (token, answer)

    @property
    def probes_in_flight(self) -> int:
        return len(self._probes)

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
        if prm.userData is None:
            return
        entry = self._probes.pop(int(prm.userData), None)
        if entry is None:
            return
        _, future = entry
        status = 408
        try:
            status = int(prm.e.body.tsxState.tsx.statusCode)
        except (AttributeError, pj.Error):
            pass
        if not future.done():
            future.set_result(status)
