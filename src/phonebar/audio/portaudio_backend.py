"""PortAudio through ``sounddevice``: for machines with ALSA (or JACK) and no pulse server.

PortAudio calls back on its own thread once per 20 ms block; the callbacks only
copy between the device buffer and a ring (or the ring tone), with the GIL
held for a few microseconds. Debian's PortAudio 19.6 has no PulseAudio host
API: on a pulse desktop it reaches the server only through ALSA's ``pulse`` and
``default`` devices, which is why the pulse backend comes first.
"""

from __future__ import annotations

import logging
from typing import Any

from phonebar.audio.backend import FrameSource, Gain, OnFailure
from phonebar.audio.frame_ring import FrameRing
from phonebar.audio.gain import apply_gain
from phonebar.audio.stream_format import CALL_FORMAT, FRAME_MS
from phonebar.domain.audio import AudioDevice, AudioDeviceList

log = logging.getLogger(__name__)

LATENCY = "low"
PLAYBACK_PREFILL = 2  # frames: PortAudio's callback and PJSIP's tick are not in step


class PortAudioUnavailable(Exception):
    pass


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:  # the PortAudio library is not installed
        raise PortAudioUnavailable(f"PortAudio is not available ({exc})") from None
    return sounddevice


class PortAudioBackend:
    name = "portaudio"

    def __init__(self) -> None:
        self._sd = _sounddevice()
        self._streams = 0
        listed = self.list_devices()
        if not listed.inputs and not listed.outputs:
            raise PortAudioUnavailable("PortAudio finds no sound device")

    def _devices(self) -> list[dict[str, Any]]:
        if self._streams == 0:  # PortAudio only sees devices plugged in since it started
            self._sd._terminate()
            self._sd._initialize()
        return [dict(device) for device in self._sd.query_devices()]

    def list_devices(self) -> AudioDeviceList:
        devices = self._devices()
        default_in, default_out = self._sd.default.device
        if default_in is None or default_in < 0:
            default_in = self._hostapi_default("default_input_device")
        if default_out is None or default_out < 0:
            default_out = self._hostapi_default("default_output_device")
        inputs = tuple(
            AudioDevice(device["name"], device["name"], default=device["index"] == default_in)
            for device in devices
            if device["max_input_channels"] > 0
        )
        outputs = tuple(
            AudioDevice(device["name"], device["name"], default=device["index"] == default_out)
            for device in devices
            if device["max_output_channels"] > 0
        )
        return AudioDeviceList(self.name, inputs, outputs)

    def _hostapi_default(self, key: str) -> int:
        try:
            return int(self._sd.query_hostapis(0)[key])
        except (IndexError, KeyError, ValueError):
            return -1

    def _index(self, device_id: str | None, kind: str) -> int | None:
        if device_id is None:
            return None
        for device in self._sd.query_devices():
            if device["name"] == device_id and device[f"max_{kind}_channels"] > 0:
                return int(device["index"])
        raise OSError(f"no PortAudio {kind} device {device_id!r}")

    def open_capture(
        self, device_id: str | None, ring: FrameRing, gain: Gain, on_failure: OnFailure
    ) -> PortAudioStream:
        sd = self._sd
        blocksize = CALL_FORMAT.rate * FRAME_MS // 1000

        def callback(indata: Any, frames: int, time: Any, status: Any) -> None:
            ring.push(apply_gain(bytes(indata), gain()))

        stream = sd.RawInputStream(
            samplerate=CALL_FORMAT.rate,
            blocksize=blocksize,
            device=self._index(device_id, "input"),
            channels=CALL_FORMAT.channels,
            dtype="int16",
            latency=LATENCY,
            callback=callback,
        )
        ring.open(prefill=PLAYBACK_PREFILL)  # same jitter, the other way
        return self._started(PortAudioStream("microphone", stream, on_close=ring.close))

    def open_playback(
        self, device_id: str | None, source: FrameSource, gain: Gain, on_failure: OnFailure, role: str
    ) -> PortAudioStream:
        sd = self._sd
        fmt = source.format
        size = fmt.frame_bytes()

        def callback(outdata: Any, frames: int, time: Any, status: Any) -> None:
            frame = source.next_frame(0.0)
            if frame is None or len(frame) != size:
                outdata[:] = bytes(len(outdata))
            else:
                outdata[:] = apply_gain(frame, gain())

        stream = sd.RawOutputStream(
            samplerate=fmt.rate,
            blocksize=fmt.rate * FRAME_MS // 1000,
            device=self._index(device_id, "output"),
            channels=fmt.channels,
            dtype="int16",
            latency=LATENCY,
            callback=callback,
        )
        source.start(PLAYBACK_PREFILL)
        return self._started(PortAudioStream(role, stream, on_close=source.stop))

    def _started(self, stream: PortAudioStream) -> PortAudioStream:
        stream.start()
        self._streams += 1
        stream.on_closed = self._stream_closed
        return stream

    def _stream_closed(self) -> None:
        self._streams -= 1

    def close(self) -> None:
        pass


class PortAudioStream:
    def __init__(self, role: str, stream: Any, on_close: Any) -> None:
        self.role = role
        self._stream = stream
        self._on_close = on_close
        self.on_closed: Any = None

    def start(self) -> None:
        self._stream.start()

    def latency(self) -> float:
        return float(self._stream.latency)

    def close(self) -> None:
        try:
            self._stream.abort()  # stops at once: a ring tone ends now, not after its buffer
            self._stream.close()
        except Exception as exc:
            log.warning("audio %s stream: %s", self.role, exc)
        self._on_close()
        if self.on_closed is not None:
            self.on_closed()
