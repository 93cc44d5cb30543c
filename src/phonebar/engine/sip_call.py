"""``SipCall``: our pjsua2.Call subclass. Its callbacks only read PJSIP's state and hand a
fact to the engine; they never block and never release objects themselves."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pjsua2 as pj

from phonebar.domain.ports import (
    CallConfirmedFact,
    CallDisconnectedFact,
    CallProgressFact,
    DtmfFact,
    MediaFact,
    TransferStatusFact,
)
from phonebar.domain.states import MediaStatus
from phonebar.engine.callbacks import guarded

if TYPE_CHECKING:
    from phonebar.engine.pjsip_engine import PjsipEngine

_MEDIA_STATUS = {
    pj.PJSUA_CALL_MEDIA_NONE: MediaStatus.NONE,
    pj.PJSUA_CALL_MEDIA_ACTIVE: MediaStatus.ACTIVE,
    pj.PJSUA_CALL_MEDIA_LOCAL_HOLD: MediaStatus.LOCAL_HOLD,
    pj.PJSUA_CALL_MEDIA_REMOTE_HOLD: MediaStatus.REMOTE_HOLD,
    pj.PJSUA_CALL_MEDIA_ERROR: MediaStatus.ERROR,
}
_WITH_STREAM = frozenset({MediaStatus.ACTIVE, MediaStatus.LOCAL_HOLD, MediaStatus.REMOTE_HOLD})


class SipCall(pj.Call):  # type: ignore[misc]
    def __init__(self, engine: PjsipEngine, account: pj.Account, session_id: str, call_id: int = -1) -> None:
        if call_id == pj.PJSUA_INVALID_ID:
            super().__init__(account)
        else:
            super().__init__(account, call_id)
        self.engine = engine
        self.session_id = session_id
        self.local_end = False  # set before we hang up, so the end is attributed to us
        self.media_status = MediaStatus.NONE
        self.disconnected = False

    def audio_media(self) -> pj.AudioMedia | None:
        if self.disconnected or self.media_status not in _WITH_STREAM:
            return None
        try:
            return self.getAudioMedia(-1)
        except pj.Error:
            return None

    @guarded
    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_EARLY and info.role == pj.PJSIP_ROLE_UAC:
            self.engine.post(CallProgressFact(self.session_id, info.lastStatusCode, info.lastReason))
        elif info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.engine.post(CallConfirmedFact(self.session_id, info.callIdString))
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.disconnected = True
            self.engine.post(
                CallDisconnectedFact(self.session_id, info.lastStatusCode, info.lastReason, self.local_end)
            )
            self.engine.release_later(self)

    @guarded
    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        info = self.getInfo()
        status = MediaStatus.NONE
        codec = None
        for media in info.media:
            if media.type == pj.PJMEDIA_TYPE_AUDIO:
                status = _MEDIA_STATUS.get(media.status, MediaStatus.ERROR)
                if status in _WITH_STREAM:
                    try:
                        stream = self.getStreamInfo(media.index)
                        codec = f"{stream.codecName}/{stream.codecClockRate}"
                    except pj.Error:
                        codec = None
                break
        self.media_status = status
        self.engine.media_changed(self)
        self.engine.post(MediaFact(self.session_id, status, codec))

    @guarded
    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:
        code = int(prm.statusCode)
        if code >= 200 or prm.finalNotify:
            prm.cont = False  # the outcome is known: stop following this REFER
        self.engine.post(TransferStatusFact(self.session_id, code, prm.reason, bool(prm.finalNotify)))

    @guarded
    def onCallTransferRequest(self, prm: pj.OnCallTransferRequestParam) -> None:
        self.engine.transfer_requested(self, prm)

    @guarded
    def onCallReplaced(self, prm: pj.OnCallReplacedParam) -> None:
        self.engine.call_replaced(self, prm)

    @guarded
    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        self.engine.post(DtmfFact(self.session_id, prm.digit))
