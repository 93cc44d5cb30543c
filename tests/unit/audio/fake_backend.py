"""A sound backend without sound: a device list the test sets, and streams that only
record that they were opened and closed (and on which device)."""

from __future__ import annotations

from dataclasses import dataclass, field

from phonebar.audio.backend import FrameSource, Gain, OnFailure
from phonebar.audio.frame_ring import FrameRing
from phonebar.audio.sound_system import SoundConfig
from phonebar.domain.audio import AudioDevice, AudioDeviceList


@dataclass
class FakeStream:
    backend: FakeBackend
    role: str
    device: str | None
    gain: Gain
    on_failure: OnFailure
    source: FrameSource | None = None
    ring: FrameRing | None = None
    closed: bool = False

    def latency(self) -> float:
        return 0.03

    def close(self) -> None:
        self.closed = True
        if self.ring is not None:
            self.ring.close()
        if self.source is not None:
            self.source.stop()
        self.backend.log.append(("close", self.role, self.device))


@dataclass
class FakeBackend:
    name: str = "pulse"
    inputs: list[AudioDevice] = field(
        default_factory=lambda: [
            AudioDevice("builtin-mic", "Built-in Microphone", default=True),
            AudioDevice("usb-headset-mic", "USB Headset Microphone"),
            AudioDevice("builtin-speakers.monitor", "Monitor of Built-in Speakers", monitor=True),
        ]
    )
    outputs: list[AudioDevice] = field(
        default_factory=lambda: [
            AudioDevice("builtin-speakers", "Built-in Speakers", default=True),
            AudioDevice("usb-headset", "USB Headset"),
        ]
    )
    log: list[tuple[str, str, str | None]] = field(default_factory=list)
    streams: dict[str, FakeStream] = field(default_factory=dict)
    fail_open: set[str] = field(default_factory=set)

    def list_devices(self) -> AudioDeviceList:
        return AudioDeviceList(self.name, tuple(self.inputs), tuple(self.outputs))

    def open_capture(
        self, device_id: str | None, ring: FrameRing, gain: Gain, on_failure: OnFailure
    ) -> FakeStream:
        self._check("microphone", device_id, self.inputs)
        ring.open()
        return self._opened(FakeStream(self, "microphone", device_id, gain, on_failure, ring=ring))

    def open_playback(
        self, device_id: str | None, source: FrameSource, gain: Gain, on_failure: OnFailure, role: str
    ) -> FakeStream:
        self._check(role, device_id, self.outputs)
        source.start(0)
        return self._opened(FakeStream(self, role, device_id, gain, on_failure, source=source))

    def _check(self, role: str, device_id: str | None, devices: list[AudioDevice]) -> None:
        if role in self.fail_open:
            raise OSError(f"{role} device busy")
        if device_id is not None and device_id not in {device.id for device in devices}:
            raise OSError(f"no device {device_id}")

    def _opened(self, stream: FakeStream) -> FakeStream:
        self.log.append(("open", stream.role, stream.device))
        self.streams[stream.role] = stream
        return stream

    def close(self) -> None:
        self.log.append(("backend closed", "", None))

    def probe(self, config: SoundConfig) -> tuple[FakeBackend, str]:
        return self, "fake server"
