"""What a sound backend (PulseAudio, PortAudio) offers the :class:`SoundSystem`: the device
list and streams that move frames between a device and a frame source or ring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from phonebar.audio.frame_ring import FrameRing
from phonebar.audio.stream_format import StreamFormat
from phonebar.domain.audio import AudioDeviceList

Gain = Callable[[], float]  # read at every frame, so a new level applies at once
OnFailure = Callable[[str], None]  # the stream died (device unplugged, server gone)


class FrameSource(Protocol):
    """Frames to play: ``next_frame`` returns one frame of ``format``, or None for silence;
    a device thread may let it wait up to ``wait`` seconds."""

    @property
    def format(self) -> StreamFormat: ...

    def next_frame(self, wait: float = 0.0) -> bytes | None: ...

    def start(self, prefill: int) -> None:
        """The stream is about to play; ``prefill`` frames are queued before the first one
        is handed out (for a ring: the jitter it absorbs)."""
        ...

    def stop(self) -> None:
        """The stream is closing: release a consumer waiting in ``next_frame``."""
        ...


class DeviceStream(Protocol):
    """An open stream; ``close`` stops it and returns once its thread or callback is done."""

    def latency(self) -> float:
        """The device-side latency in seconds, as the backend reports it."""
        ...

    def close(self) -> None: ...


class SoundBackend(Protocol):
    name: str

    def list_devices(self) -> AudioDeviceList: ...

    def open_capture(
        self, device_id: str | None, ring: FrameRing, gain: Gain, on_failure: OnFailure
    ) -> DeviceStream:
        """Record ``device_id`` (None = the default input) into ``ring`` in call format."""
        ...

    def open_playback(
        self, device_id: str | None, source: FrameSource, gain: Gain, on_failure: OnFailure, role: str
    ) -> DeviceStream:
        """Play ``source`` on ``device_id`` (None = the default output); ``role`` names the
        stream (``speaker`` or ``ringer``)."""
        ...

    def close(self) -> None: ...


class RingSource:
    """A :class:`FrameRing` read as a :class:`FrameSource` (PJSIP's speaker output)."""

    def __init__(self, ring: FrameRing, fmt: StreamFormat) -> None:
        self._ring = ring
        self._format = fmt

    @property
    def format(self) -> StreamFormat:
        return self._format

    def next_frame(self, wait: float = 0.0) -> bytes | None:
        return self._ring.pop_wait(wait) if wait > 0 else self._ring.pop()

    def start(self, prefill: int) -> None:
        self._ring.open(prefill)

    def stop(self) -> None:
        self._ring.close()
