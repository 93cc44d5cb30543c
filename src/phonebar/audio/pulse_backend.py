"""PulseAudio (and PipeWire's pulse server): devices listed through ``pulsectl``, streams
through the simple API, each on a thread of its own.

A record thread blocks in ``pa_simple_read`` for one 20 ms frame and pushes it
into the ring; a playback thread takes a frame (waiting up to 100 ms) and blocks
in ``pa_simple_write`` until the server has room. The server resamples to and
from the device's own rate, so every stream here is in the caller's format.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import pulsectl

from phonebar.audio.backend import FrameSource, Gain, OnFailure
from phonebar.audio.frame_ring import FrameRing
from phonebar.audio.gain import apply_gain
from phonebar.audio.pulse_simple import PulseError, PulseSimpleStream
from phonebar.audio.stream_format import CALL_FORMAT
from phonebar.domain.audio import AudioDevice, AudioDeviceList

log = logging.getLogger(__name__)

PLAYBACK_BUFFER_MS = 60  # the server-side target: PJSIP's tick jitter is absorbed here
RECORD_FRAGMENT_MS = 20
CAPTURE_PREFILL = 2  # frames kept in hand for PJSIP's tick, which is not in step with the server's
JOIN_TIMEOUT = 2.0


class PulseUnavailable(Exception):
    pass


class PulseBackend:
    """Connects once to check that a server answers; every listing connects anew (cheap,
    and a restarted server is found again)."""

    name = "pulse"

    def __init__(self, server: str | None = None) -> None:
        self._server = server
        try:
            with self._connect() as pulse:
                info = pulse.server_info()
        except pulsectl.PulseError as exc:
            raise PulseUnavailable(f"no PulseAudio or PipeWire server ({exc})") from None
        self.server_name = f"{info.server_name} {info.server_version}"

    def _connect(self) -> pulsectl.Pulse:
        pulse = pulsectl.Pulse("phonebar", server=self._server, connect=False)
        try:
            pulse.connect(autospawn=False)  # (with a timeout, pulsectl waits all of it)
        except BaseException:
            pulse.close()
            raise
        return pulse

    def list_devices(self) -> AudioDeviceList:
        with self._connect() as pulse:
            info = pulse.server_info()
            inputs = tuple(
                AudioDevice(
                    source.name,
                    source.description,
                    default=source.name == info.default_source_name,
                    monitor=source.monitor_of_sink != 0xFFFFFFFF,
                )
                for source in pulse.source_list()
            )
            outputs = tuple(
                AudioDevice(sink.name, sink.description, default=sink.name == info.default_sink_name)
                for sink in pulse.sink_list()
            )
        return AudioDeviceList(self.name, inputs, outputs)

    def open_capture(
        self, device_id: str | None, ring: FrameRing, gain: Gain, on_failure: OnFailure
    ) -> PulseStreamThread:
        stream = PulseSimpleStream(
            playback=False,
            device=device_id,
            stream_name="phonebar microphone",
            fmt=CALL_FORMAT,
            buffer_ms=RECORD_FRAGMENT_MS,
            server=self._server,
        )
        size = CALL_FORMAT.frame_bytes()

        def step() -> None:
            ring.push(apply_gain(stream.read(size), gain()))

        ring.open(prefill=CAPTURE_PREFILL)
        return PulseStreamThread("microphone", stream, step, on_failure, on_close=ring.close)

    def open_playback(
        self, device_id: str | None, source: FrameSource, gain: Gain, on_failure: OnFailure, role: str
    ) -> PulseStreamThread:
        stream = PulseSimpleStream(
            playback=True,
            device=device_id,
            stream_name=f"phonebar {role}",
            fmt=source.format,
            buffer_ms=PLAYBACK_BUFFER_MS,
            server=self._server,
        )

        def step() -> None:
            frame = source.next_frame(0.1)
            if frame is not None:
                stream.write(apply_gain(frame, gain()))

        source.start(0)  # the server's buffer absorbs the jitter
        return PulseStreamThread(role, stream, step, on_failure, flush_on_close=True, on_close=source.stop)

    def close(self) -> None:
        pass


class PulseStreamThread:
    """Runs ``step`` in a loop on its own thread until closed; a Pulse error ends the
    stream and is reported to ``on_failure``."""

    def __init__(
        self,
        role: str,
        stream: PulseSimpleStream,
        step: Callable[[], None],
        on_failure: OnFailure,
        *,
        flush_on_close: bool = False,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.role = role
        self._stream = stream
        self._step = step
        self._on_failure = on_failure
        self._flush_on_close = flush_on_close
        self._on_close = on_close
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"audio-{role}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._step()
        except Exception as exc:  # a server gone, a device unplugged: the stream is over
            if not self._stop.is_set():
                log.warning("audio %s stream failed: %s", self.role, exc)
                self._on_failure(str(exc))

    def latency(self) -> float:
        try:
            return self._stream.latency()
        except PulseError:
            return 0.0

    def close(self) -> None:
        self._stop.set()
        if self._on_close is not None:
            self._on_close()  # wakes a playback thread waiting on its ring
        self._thread.join(JOIN_TIMEOUT)
        if self._thread.is_alive():
            log.warning("audio %s thread did not stop within %.0f s", self.role, JOIN_TIMEOUT)
            return  # never free a stream a thread may still be blocked in
        if self._flush_on_close:
            self._stream.flush()  # a ring tone stops now, not after the server's buffer
        self._stream.close()
