"""``PjsipEngine``: the :class:`~phonebar.domain.ports.EnginePort` on pjsua2.

Threads: one engine thread creates, runs and destroys the PJSIP library
(``threadCnt = 0``): it loops ``libHandleEvents`` and runs the commands other
threads submit through :class:`CommandLoop`. Callbacks therefore run on the
engine thread too; they post facts to the asyncio loop with
``call_soon_threadsafe`` and never wait for it. Calls are kept by strong
reference until ``libHandleEvents`` has returned after their DISCONNECTED state.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

import pjsua2 as pj

from phonebar.audio.sound_system import SoundBridge
from phonebar.domain.mix import MixPlan
from phonebar.domain.ports import (
    CallReplacedFact,
    EngineFact,
    EngineInfo,
    EngineListener,
    EngineStoppedFact,
    IncomingCallFact,
    MediaTimeoutFact,
    OutboundCall,
    RegistrationFact,
    TransferRequestFact,
)
from phonebar.domain.states import CallState, MediaStatus
from phonebar.engine.command_loop import CommandLoop
from phonebar.engine.endpoint_setup import Endpoint, account_config, create_endpoint
from phonebar.engine.engine_config import EngineConfig
from phonebar.engine.media_router import MediaRouter
from phonebar.engine.pj_errors import pj_errors
from phonebar.engine.sip_account import SipAccount
from phonebar.engine.sip_call import SipCall
from phonebar.engine.sip_message import clean_fact, parse_headers
from phonebar.errors import CallRateLimit, EngineUnavailable, PhonebarError, WrongState

log = logging.getLogger(__name__)

T = TypeVar("T")

POLL_MS = 50  # the loop also wakes on every submitted command and on SIP traffic
HANGUP_WAIT = 2.0
UNREGISTER_WAIT = 1.5
WATCHDOG_PERIOD = 1.0
# Every call holds two of the SIP stack's 64 ioqueue slots (RTP, RTCP), and PJSIP hands a
# closed socket's slot back only 500 ms later: when none is free, the next socket aborts the
# process (an assertion in pj_ioqueue_register_sock2). So a dial is refused while the calls
# alive plus those ended in the last SLOT_HOLD seconds would pass CALL_SLOTS.
SLOT_HOLD = 0.6
CALL_SLOTS = 24


class PjsipEngine:
    def __init__(
        self, config: EngineConfig, new_session_id: Callable[[], str], sound: SoundBridge | None = None
    ) -> None:
        self._config = config
        self._sound = sound  # the sound devices' rings; None = PJSIP's null devices
        self._new_session_id = new_session_id
        self._commands = CommandLoop()
        self._listener: EngineListener | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop_requested = False
        self._stopped: concurrent.futures.Future[None] = concurrent.futures.Future()
        # engine-thread state
        self._endpoint: Endpoint | None = None
        self._account: SipAccount | None = None
        self._router: MediaRouter | None = None
        self._calls: dict[str, SipCall] = {}
        self._to_release: list[SipCall] = []
        self._released_at: deque[float] = deque()
        self._rtp_seen: dict[str, tuple[int, float]] = {}
        self._timed_out: set[str] = set()
        self._next_watchdog = 0.0
        self._aor = ""

    # -- EnginePort ---------------------------------------------------------------

    def set_listener(self, listener: EngineListener) -> None:
        self._listener = listener

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop_requested

    async def start(self) -> EngineInfo:
        self._loop = asyncio.get_running_loop()
        started: concurrent.futures.Future[EngineInfo] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._thread_main, args=(started,), name="pjsip", daemon=True)
        self._thread.start()
        return await asyncio.wrap_future(started)

    async def stop(self) -> None:
        if self._thread is None or self._stopped.done():
            return
        self._stop_requested = True
        self._commands.wake()
        await asyncio.wrap_future(self._stopped)

    async def register(self) -> None:
        await self._run(lambda: self._with_account("register", lambda acc: acc.setRegistration(True)))

    async def probe_registrar(self) -> int:
        answer: concurrent.futures.Future[int] = concurrent.futures.Future()
        await self._run(lambda: self._send_probe(answer))
        return await asyncio.wrap_future(answer)

    async def dial(self, session_id: str, uri: str, sip_call_id: str) -> OutboundCall:
        return await self._run(lambda: self._dial(session_id, uri, sip_call_id))

    async def answer(self, session_id: str) -> None:
        await self._run(lambda: self._answer(session_id, 200))

    async def reject(self, session_id: str, sip_status: int) -> None:
        await self._run(lambda: self._hangup(session_id, sip_status))

    async def hangup(self, session_id: str) -> None:
        await self._run(lambda: self._hangup(session_id, 0))

    async def hold(self, session_id: str) -> None:
        await self._run(
            lambda: self._on_call(session_id, "hold", lambda call: call.setHold(pj.CallOpParam(True)))
        )

    async def unhold(self, session_id: str) -> None:
        def resume(call: SipCall) -> None:
            param = pj.CallOpParam(True)
            param.opt.flag = pj.PJSUA_CALL_UNHOLD
            call.reinvite(param)

        await self._run(lambda: self._on_call(session_id, "resume", resume))

    async def transfer(self, session_id: str, uri: str) -> None:
        await self._run(
            lambda: self._on_call(session_id, "transfer", lambda call: call.xfer(uri, pj.CallOpParam(True)))
        )

    async def transfer_attended(self, session_id: str, partner_session_id: str) -> None:
        def refer(call: SipCall) -> None:
            partner = self._call(partner_session_id)
            call.xferReplaces(partner, pj.CallOpParam(True))

        await self._run(lambda: self._on_call(session_id, "transfer", refer))

    async def send_dtmf(self, session_id: str, digits: str, method: str) -> None:
        def send(call: SipCall) -> None:
            if method == "info":
                param = pj.CallSendDtmfParam()
                param.method = pj.PJSUA_DTMF_METHOD_SIP_INFO
                param.digits = digits
                call.sendDtmf(param)
            else:
                call.dialDtmf(digits)

        await self._run(lambda: self._on_call(session_id, "send DTMF", send))

    async def set_mix(self, plan: MixPlan) -> None:
        await self._run(lambda: self._set_mix(plan))

    # -- called by the callback classes (engine thread) ---------------------------

    def post(self, fact: EngineFact) -> None:
        loop, listener = self._loop, self._listener
        if loop is None or listener is None:
            return
        try:
            loop.call_soon_threadsafe(listener, clean_fact(fact))
        except RuntimeError:
            pass  # the asyncio loop is closed: the daemon is exiting

    def release_later(self, call: SipCall) -> None:
        self._to_release.append(call)

    def media_changed(self, call: SipCall) -> None:
        self._rtp_seen.pop(call.session_id, None)
        self._apply_mix()

    def incoming_call(self, account: SipAccount, prm: pj.OnIncomingCallParam) -> None:
        session_id = self._new_session_id()
        call = SipCall(self, account, session_id, prm.callId)
        self._calls[session_id] = call  # a Call nobody holds is collected and the caller gets 603
        info = call.getInfo()
        headers = parse_headers(prm.rdata.wholeMsg)
        ringing = pj.CallOpParam()
        ringing.statusCode = 180
        call.answer(ringing)
        self.post(IncomingCallFact(session_id, info.remoteUri, info.callIdString, headers))

    def transfer_requested(self, call: SipCall, prm: pj.OnCallTransferRequestParam) -> None:
        if len(self._calls) >= self._config.max_calls:
            prm.statusCode = 503
            log.warning("call %s: transfer request refused, every line is in use", call.session_id)
            return
        new = SipCall(self, self._account, self._new_session_id())
        self._calls[new.session_id] = new
        prm.newCall = new
        self.post(TransferRequestFact(call.session_id, new.session_id, str(prm.dstUri)))

    def call_replaced(self, call: SipCall, prm: pj.OnCallReplacedParam) -> None:
        new = SipCall(self, self._account, self._new_session_id(), prm.newCallId)
        self._calls[new.session_id] = new
        prm.newCall = new
        info = new.getInfo()
        self.post(CallReplacedFact(call.session_id, new.session_id, info.remoteUri, info.callIdString))

    # -- the engine thread -----------------------------------------------------------

    def _thread_main(self, started: concurrent.futures.Future[EngineInfo]) -> None:
        error: str | None = None
        try:
            started.set_result(self._setup())
            self._serve()
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc if isinstance(exc, PhonebarError) else EngineUnavailable(str(exc)))
            else:
                error = f"{type(exc).__name__}: {exc}"
                log.exception("the engine thread failed")
        finally:
            self._commands.close("the engine has stopped")
            self._teardown()
            self.post(EngineStoppedFact(error))
            self._stopped.set_result(None)

    def _setup(self) -> EngineInfo:
        config = self._config
        self._endpoint = create_endpoint(config)
        host, port = self._endpoint.udp_address
        self._commands.set_wake_address(host, port)
        self._router = MediaRouter(
            self._endpoint.endpoint, config.audio_input, config.record_dir, self._sound
        )
        self._account = SipAccount(self)
        acc_config = account_config(config, self._endpoint.udp_address)
        self._aor = acc_config.idUri.rsplit("<", 1)[-1].rstrip(">")
        with pj_errors("create the SIP account"):
            self._account.create(acc_config, True)
        log.info(
            "SIP on %s; codecs %s", ", ".join(self._endpoint.transports), ", ".join(self._endpoint.codecs)
        )
        return EngineInfo(
            sip_address=f"{host}:{port}",
            transports=tuple(self._endpoint.transports),
            codecs=tuple(self._endpoint.codecs),
            account_uri=acc_config.idUri,
            audio="wav:" + str(config.audio_input) if config.audio_input else "null",
        )

    def _serve(self) -> None:
        assert self._endpoint is not None
        endpoint = self._endpoint.endpoint
        while not self._stop_requested:
            self._commands.run_pending()
            endpoint.libHandleEvents(POLL_MS)
            self._release_finished()
            self._watch_media()
        self._shutdown()

    def _shutdown(self) -> None:
        """Hang up, pump until the calls are gone, drop media, un-REGISTER, pump again."""
        for call in list(self._calls.values()):
            if not call.disconnected:
                call.local_end = True
                param = pj.CallOpParam(True)
                if _unanswered_inbound(call):
                    param.statusCode = 486
                try:
                    call.hangup(param)
                except pj.Error as exc:
                    log.debug("hang up at shutdown: %s", exc.info())
        self._pump(lambda: all(call.disconnected for call in self._calls.values()), HANGUP_WAIT)
        self._release_finished()
        if self._router is not None:
            self._router.close()
        if self._account is not None:
            registered = self._account.getInfo().regIsActive
            self._account.shutdown()
            if registered:
                self._pump(lambda: False, UNREGISTER_WAIT)
                self.post(RegistrationFact(False, 200, "unregistered", unregistering=True))

    def _pump(self, done: Callable[[], bool], seconds: float) -> None:
        assert self._endpoint is not None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not done():
            self._endpoint.endpoint.libHandleEvents(10)

    def _teardown(self) -> None:
        """Drop every pjsua2 object, then destroy the library: an object alive after
        ``libDestroy`` aborts the interpreter at exit."""
        self._calls.clear()
        self._to_release.clear()
        self._router = None
        self._account = None
        if self._endpoint is not None:
            endpoint = self._endpoint.endpoint
            try:
                endpoint.libDestroy()
            except pj.Error as exc:
                log.warning("libDestroy: %s", exc.info())
            self._endpoint = None

    def _release_finished(self) -> None:
        if self._to_release:
            self._forget_released(time.monotonic())
        while self._to_release:
            call = self._to_release.pop()
            self._released_at.append(time.monotonic())
            self._calls.pop(call.session_id, None)
            self._rtp_seen.pop(call.session_id, None)
            self._timed_out.discard(call.session_id)
            if self._router is not None:
                self._router.release(call.session_id)

    def _watch_media(self) -> None:
        """Ends calls whose far end vanished: no RTP for ``media_timeout`` seconds while the
        media is active both ways (a held call sends nothing and is left alone)."""
        timeout = self._config.media_timeout
        now = time.monotonic()
        if timeout <= 0 or now < self._next_watchdog:
            return
        self._next_watchdog = now + WATCHDOG_PERIOD
        for session_id, call in self._calls.items():
            if call.disconnected or call.media_status is not MediaStatus.ACTIVE:
                self._rtp_seen.pop(session_id, None)
                continue
            try:
                packets = int(call.getStreamStat(0).rtcp.rxStat.pkt)
            except pj.Error:
                continue
            seen = self._rtp_seen.get(session_id)
            if seen is None or packets != seen[0]:
                self._rtp_seen[session_id] = (packets, now)
            elif now - seen[1] >= timeout and session_id not in self._timed_out:
                self._timed_out.add(session_id)
                self.post(MediaTimeoutFact(session_id, now - seen[1]))

    # -- commands (engine thread) -----------------------------------------------------

    async def _run(self, work: Callable[[], T]) -> T:
        if self._commands.closed or self._thread is None:
            raise EngineUnavailable("the SIP engine is not running")
        try:
            return await asyncio.wrap_future(self._commands.submit(work))
        except RuntimeError as exc:
            raise EngineUnavailable(str(exc)) from None

    def _call(self, session_id: str) -> SipCall:
        call = self._calls.get(session_id)
        if call is None or call.disconnected:
            # the services only name calls they know: this one ended while the command was
            # on its way (the far end hung up at the same moment), so it is a state error
            raise WrongState(
                f"call {session_id!r} has already ended", sessionId=session_id, state=CallState.ENDED.value
            )
        return call

    def _on_call(self, session_id: str, action: str, work: Callable[[SipCall], Any]) -> None:
        call = self._call(session_id)
        with pj_errors(action):
            work(call)

    def _with_account(self, action: str, work: Callable[[SipAccount], Any]) -> None:
        if self._account is None:
            raise EngineUnavailable("no SIP account")
        with pj_errors(action):
            work(self._account)

    def _dial(self, session_id: str, uri: str, sip_call_id: str) -> OutboundCall:
        assert self._account is not None
        self._check_call_slots()
        call = SipCall(self, self._account, session_id)
        self._calls[session_id] = call
        param = pj.CallOpParam(True)
        param.opt.customCallId = sip_call_id  # known before the INVITE leaves: events carry it
        try:
            with pj_errors(f"dial {uri}"):
                call.makeCall(uri, param)
        except PhonebarError:
            self._calls.pop(session_id, None)
            raise
        return OutboundCall(sip_call_id=call.getInfo().callIdString)

    def _forget_released(self, now: float) -> None:
        while self._released_at and now - self._released_at[0] > SLOT_HOLD:
            self._released_at.popleft()

    def _check_call_slots(self) -> None:
        self._forget_released(time.monotonic())
        if len(self._calls) + len(self._released_at) >= CALL_SLOTS:
            raise CallRateLimit(
                f"{len(self._released_at)} calls ended in the last {SLOT_HOLD} s: "
                "the SIP stack needs a moment to free their sockets; try again"
            )

    def _answer(self, session_id: str, status: int) -> None:
        def answer(call: SipCall) -> None:
            param = pj.CallOpParam(True)
            param.statusCode = status
            call.answer(param)

        self._on_call(session_id, "answer", answer)

    def _hangup(self, session_id: str, status: int) -> None:
        def hangup(call: SipCall) -> None:
            call.local_end = True
            param = pj.CallOpParam(True)
            if status:
                param.statusCode = status
            call.hangup(param)

        self._on_call(session_id, "hang up", hangup)

    def _send_probe(self, answer: concurrent.futures.Future[int]) -> None:
        account = self._account
        if account is None or not self._config.account.server:
            answer.set_exception(EngineUnavailable("no registrar to probe"))
            return
        # our own address of record: a proxy that relays it back to us proves the binding too
        with pj_errors("probe the registrar"):
            account.send_probe(self._aor, answer)

    def _set_mix(self, plan: MixPlan) -> None:
        if self._router is not None:
            self._router.set_plan(plan)
            self._apply_mix()

    def _apply_mix(self) -> None:
        if self._router is not None:
            self._router.apply([call for call in self._calls.values() if not call.disconnected])


def _unanswered_inbound(call: SipCall) -> bool:
    try:
        info = call.getInfo()
    except pj.Error:  # PJSIP dropped it without telling us: nothing to answer 486 to
        return False
    return bool(info.role == pj.PJSIP_ROLE_UAS and info.state < pj.PJSIP_INV_STATE_CONNECTING)
