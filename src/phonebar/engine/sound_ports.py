"""The sound devices as conference-bridge ports: ``MicrophonePort`` gives PJSIP's clock
the frames a device recorded, ``SpeakerPort`` hands what the bridge mixed for the
agent to the device. Both run on PJSIP's clock thread, 50 times a second, and do
nothing but copy one 640-byte frame to or from a :class:`FrameRing`.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable

import pjsua2 as pj

from phonebar.audio.frame_ring import FrameRing
from phonebar.audio.stream_format import CALL_FORMAT, FRAME_MS
from phonebar.engine.callbacks import guarded

log = logging.getLogger(__name__)


def _vector_bytes_fast(vector: pj.ByteVector) -> bytes:
    """The bytes of a SWIG ``std::vector<unsigned char>``, read from its begin/end pointers
    (libstdc++'s layout): ~1 µs, where ``bytes(vector)`` iterates element by element
    (~400 µs a frame, all of it holding the GIL on the clock thread)."""
    address = int(vector.this)
    begin = ctypes.c_void_p.from_address(address).value
    end = ctypes.c_void_p.from_address(address + ctypes.sizeof(ctypes.c_void_p)).value
    if not begin or not end or end <= begin:
        return b""
    return ctypes.string_at(begin, end - begin)


def _vector_bytes_slow(vector: pj.ByteVector) -> bytes:
    return bytes(vector)


def _pick_vector_reader() -> Callable[[pj.ByteVector], bytes]:
    probe = bytes(range(256)) * 3
    try:
        if _vector_bytes_fast(pj.ByteVector(probe)) == probe and _vector_bytes_fast(pj.ByteVector()) == b"":
            return _vector_bytes_fast
    except (AttributeError, TypeError, ValueError, OSError):
        pass
    log.warning("reading PJSIP frames the slow way: the vector layout is not the expected one")
    return _vector_bytes_slow


vector_bytes = _pick_vector_reader()


def call_format() -> pj.MediaFormatAudio:
    fmt = pj.MediaFormatAudio()
    fmt.type = pj.PJMEDIA_TYPE_AUDIO
    fmt.clockRate = CALL_FORMAT.rate
    fmt.channelCount = CALL_FORMAT.channels
    fmt.bitsPerSample = 16
    fmt.frameTimeUsec = FRAME_MS * 1000
    return fmt


class MicrophonePort(pj.AudioMediaPort):  # type: ignore[misc]
    """A source: each tick takes the oldest recorded frame, or silence when there is none."""

    def __init__(self, ring: FrameRing) -> None:
        super().__init__()
        self._ring = ring
        self._silence = pj.ByteVector(bytes(CALL_FORMAT.frame_bytes()))
        self.createPort("phonebar-microphone", call_format())

    @guarded
    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        data = self._ring.pop()
        frame.type = pj.PJMEDIA_FRAME_TYPE_AUDIO
        frame.buf = self._silence if data is None else pj.ByteVector(data)
        frame.size = CALL_FORMAT.frame_bytes()

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        pass  # nothing is ever connected to the microphone


class SpeakerPort(pj.AudioMediaPort):  # type: ignore[misc]
    """A sink: each tick hands the bridge's mix for the agent to the device ring (a tick
    with nothing connected is silence, so the device keeps PJSIP's pace)."""

    def __init__(self, ring: FrameRing) -> None:
        super().__init__()
        self._ring = ring
        self._silence = bytes(CALL_FORMAT.frame_bytes())
        self.createPort("phonebar-speaker", call_format())

    @guarded
    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        if not self._ring.is_open:
            return
        if frame.type == pj.PJMEDIA_FRAME_TYPE_AUDIO and frame.size:
            data = vector_bytes(frame.buf)
            self._ring.push(data if len(data) == len(self._silence) else self._silence)
        else:
            self._ring.push(self._silence)

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:
        frame.type = pj.PJMEDIA_FRAME_TYPE_NONE  # the speaker is never a source
