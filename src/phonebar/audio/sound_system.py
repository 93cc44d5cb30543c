"""``SoundSystem``: the agent's sound devices (the :class:`~phonebar.domain.audio.SoundPort`).

It picks a backend at start (``auto``: a PulseAudio/PipeWire server, else a
PortAudio device, else none: null audio), resolves the configured devices
(a missing one falls back to the default, with a warning), and opens streams
only while they are needed: microphone and speaker while a call is established,
the ringer while a call rings. Every device operation runs on one worker thread
("audio"); the asyncio loop only queues work or awaits it.

The engine sees only :attr:`bridge`: the two rings between PJSIP's clock and the
device streams.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from phonebar.audio.backend import DeviceStream, RingSource, SoundBackend
from phonebar.audio.frame_ring import FrameRing
from phonebar.audio.ring_tone import RingTone
from phonebar.audio.stream_format import CALL_FORMAT
from phonebar.domain.audio import (
    ROUTES,
    AudioDevice,
    AudioDeviceList,
    AudioLevels,
    AudioRoute,
    AudioStats,
    AudioView,
)
from phonebar.errors import AudioDeviceNotFound, AudioUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

RING_CAPACITY = 8  # frames (160 ms): the most either ring holds before it drops the oldest
NULL = "null"


@dataclass(frozen=True)
class SoundConfig:
    backend: str = "auto"  # auto | pulse | portaudio | none
    microphone: str | None = None  # device ids; None = the default device
    speaker: str | None = None
    ringer: str | None = None
    levels: AudioLevels = field(default_factory=AudioLevels)
    ring: bool = True
    ring_tone: Path | None = None  # None = the generated two-tone ring
    input_file: Path | None = None  # the WAV looped as the microphone: wins over a device
    pulse_server: str | None = None


@dataclass(frozen=True)
class SoundBridge:
    """PJSIP's side: ``capture`` holds microphone frames for the clock to take,
    ``playback`` takes what the clock gives the speaker."""

    capture: FrameRing
    playback: FrameRing


def has_sound_card(dev: Path = Path("/dev")) -> bool:
    """Whether the kernel shows a sound device PortAudio could open (ALSA's or OSS's)."""
    snd = dev / "snd"
    return (dev / "dsp").exists() or (snd.is_dir() and any(snd.glob("pcmC*")))


def probe_backend(config: SoundConfig) -> tuple[SoundBackend | None, str]:
    """The backend to use, and why (the reason is what ``/api/status`` users see for null)."""
    if config.backend == "none":
        return None, "audio.backend is none"
    reasons = []
    if config.backend in ("auto", "pulse"):
        try:
            from phonebar.audio.pulse_backend import PulseBackend, PulseUnavailable
        except (ImportError, OSError) as exc:
            reasons.append(f"no PulseAudio client library ({exc})")
        else:
            try:
                pulse = PulseBackend(config.pulse_server)
                return pulse, f"PulseAudio server: {pulse.server_name}"
            except PulseUnavailable as exc:
                reasons.append(str(exc))
    if config.backend == "auto" and not has_sound_card():
        # starting PortAudio loads ALSA's and JACK's libraries (+22 MB of RSS, kept for good)
        # only to find nothing; audio.backend = "portaudio" still tries it
        reasons.append("PortAudio not tried: no sound card (nothing in /dev/snd, no /dev/dsp)")
    elif config.backend in ("auto", "portaudio"):
        from phonebar.audio.portaudio_backend import PortAudioBackend, PortAudioUnavailable

        try:
            return PortAudioBackend(), "PortAudio"
        except PortAudioUnavailable as exc:
            reasons.append(str(exc))
    return None, "; ".join(reasons)


class SoundSystem:
    def __init__(
        self,
        config: SoundConfig,
        probe: Callable[[SoundConfig], tuple[SoundBackend | None, str]] = probe_backend,
    ) -> None:
        self._config = config
        self._probe = probe
        self.bridge = SoundBridge(
            capture=FrameRing(RING_CAPACITY, 2, CALL_FORMAT.frame_bytes()),
            playback=FrameRing(RING_CAPACITY, 0, CALL_FORMAT.frame_bytes()),
        )
        self._worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="audio")
        self._lock = threading.Lock()
        self._backend: SoundBackend | None = None
        self._reason = "not started"
        self._chosen: dict[str, str | None] = {
            "microphone": config.microphone,
            "speaker": config.speaker,
            "ringer": config.ringer,
        }
        self._routes: dict[str, AudioRoute] = {
            route: AudioRoute(None, chosen) for route, chosen in self._chosen.items()
        }
        self._levels = config.levels
        self._tone: RingTone | None = None
        self._want_ringing = False
        self._want_talking = False
        self._streams: dict[str, DeviceStream] = {}
        self._stopped = False

    # -- SoundPort -----------------------------------------------------------------

    @property
    def backend_name(self) -> str:
        return self._backend.name if self._backend is not None else NULL

    async def start(self) -> None:
        await self._on_worker(self._start)

    async def stop(self) -> None:
        if self._stopped:
            return
        await self._on_worker(self._close_all)
        self._stopped = True
        self._worker.shutdown(wait=False)

    def view(self) -> AudioView:
        with self._lock:
            return AudioView(
                backend=self.backend_name,
                reason=self._reason,
                input_file=str(self._config.input_file) if self._config.input_file else None,
                microphone=self._routes["microphone"],
                speaker=self._routes["speaker"],
                ringer=self._routes["ringer"],
                volume=self._levels,
                ring=self._config.ring,
                ringing="ringer" in self._streams,
                talking="speaker" in self._streams,
            )

    async def devices(self) -> AudioDeviceList:
        return await self._on_worker(self._list)

    async def select(self, choices: dict[str, str | None]) -> AudioView:
        await self._on_worker(lambda: self._select(choices))
        return self.view()

    def set_levels(self, levels: AudioLevels) -> AudioView:
        with self._lock:
            self._levels = levels
        log.info(
            "audio levels: microphone %.2f, speaker %.2f, ringer %.2f",
            levels.microphone,
            levels.speaker,
            levels.ringer,
        )
        return self.view()

    def set_ringing(self, on: bool) -> None:
        on = on and self._config.ring
        if on != self._want_ringing:
            self._want_ringing = on
            self._queue(self._reconcile)

    def set_talking(self, on: bool) -> None:
        if on != self._want_talking:
            self._want_talking = on
            self._queue(self._reconcile)

    def stats(self) -> AudioStats:
        with self._lock:
            streams = dict(self._streams)
        return AudioStats(
            microphone=self.bridge.capture.stats(),
            speaker=self.bridge.playback.stats(),
            device_latency={role: stream.latency() for role, stream in streams.items()},
        )

    # -- the worker thread ---------------------------------------------------------------

    async def _on_worker(self, work: Callable[[], T]) -> T:
        if self._stopped:
            raise AudioUnavailable("the sound devices are closed")
        return await asyncio.wrap_future(self._worker.submit(work))

    def _queue(self, work: Callable[[], Any]) -> None:
        if self._stopped:
            return
        future = self._worker.submit(work)
        future.add_done_callback(_log_failure)

    def _start(self) -> None:
        backend, reason = self._probe(self._config)
        if self._config.ring and backend is not None:
            try:
                self._tone = RingTone.load(self._config.ring_tone)
            except (OSError, EOFError, ValueError) as exc:
                log.warning("audio.ring_tone: %s; using the built-in ring", exc)
                self._tone = RingTone.load(None)
        with self._lock:
            self._backend, self._reason = backend, reason
        if backend is None:
            log.info("audio: null devices (%s)", reason)
            return
        self._resolve_all()
        log.info(
            "audio: %s (%s); microphone %s, speaker %s, ringer %s",
            backend.name,
            reason,
            *(self._describe(route) for route in ROUTES),
        )

    def _describe(self, route: str) -> str:
        if route == "microphone" and self._config.input_file is not None:
            return f"WAV {self._config.input_file}"
        device = self._routes[route].device
        return repr(device.id) if device else "none"

    def _list(self) -> AudioDeviceList:
        if self._backend is None:
            return AudioDeviceList(NULL, (), ())
        return self._backend.list_devices()

    def _resolve_all(self) -> dict[str, AudioRoute]:
        listed = self._list()
        changed = {}
        for route in ROUTES:
            resolved = _resolve(route, self._chosen[route], listed)
            if resolved != self._routes[route]:
                changed[route] = resolved
                if resolved.fallback:
                    log.warning(
                        "audio %s: no device %r; using the default (%s)",
                        route,
                        resolved.configured,
                        resolved.device.id if resolved.device else "none",
                    )
        with self._lock:
            self._routes.update(changed)
        return changed

    def _select(self, choices: dict[str, str | None]) -> None:
        if self._backend is None:
            raise AudioUnavailable(f"no sound devices: {self._reason}")
        listed = self._list()
        for route, device_id in choices.items():
            if device_id is not None and _find(route, device_id, listed) is None:
                kind = "input" if route == "microphone" else "output"
                raise AudioDeviceNotFound(f"no {kind} device {device_id!r}", route=route, device=device_id)
        self._chosen.update(choices)
        changed = self._resolve_all()
        for route in choices:
            log.info("audio %s: %s", route, self._describe(route))
        reopen = {"microphone", "speaker"} & set(changed) if self._want_talking else set()
        if "ringer" in changed and "ringer" in self._streams:
            reopen.add("ringer")
        for role in reopen:
            self._close_stream(role)
        self._reconcile()

    def _reconcile(self) -> None:
        """Open or close streams to match what is wanted."""
        backend = self._backend
        if backend is None or self._stopped:
            return
        wanted = set()
        if self._want_talking:
            wanted.add("speaker")
            if self._config.input_file is None:  # the WAV input wins over the microphone
                wanted.add("microphone")
        if self._want_ringing and self._tone is not None:
            wanted.add("ringer")
        for role in sorted(set(self._streams) - wanted):  # first, so a ring stops before a call opens
            self._close_stream(role)
        missing = wanted - set(self._streams)
        if missing:
            self._resolve_all()  # a device unplugged since is replaced by the default now
        for role in sorted(missing):
            self._open_stream(backend, role)

    def _open_stream(self, backend: SoundBackend, role: str) -> None:
        route = self._routes[role]
        device_id = None if route.fallback or route.configured is None else route.configured

        def failed(message: str) -> None:
            self._queue(lambda: self._stream_failed(role, stream_ref))

        stream_ref: list[DeviceStream] = []
        try:
            if role == "microphone":
                stream = backend.open_capture(device_id, self.bridge.capture, self._gain(role), failed)
            elif role == "speaker":
                source = RingSource(self.bridge.playback, CALL_FORMAT)
                stream = backend.open_playback(device_id, source, self._gain(role), failed, role)
            else:
                assert self._tone is not None
                stream = backend.open_playback(device_id, self._tone.source(), self._gain(role), failed, role)
        except Exception as exc:
            log.warning("audio %s: cannot open %s: %s", role, device_id or "the default device", exc)
            return
        stream_ref.append(stream)
        with self._lock:
            self._streams[role] = stream
        log.info("audio %s: open on %s", role, self._describe(role))

    def _stream_failed(self, role: str, stream_ref: list[DeviceStream]) -> None:
        """A stream died (device unplugged, server restarted): reopen it once on what is there now."""
        if not stream_ref or self._streams.get(role) is not stream_ref[0]:
            return
        self._close_stream(role)
        self._reconcile()

    def _close_stream(self, role: str) -> None:
        with self._lock:
            stream = self._streams.pop(role, None)
        if stream is not None:
            stream.close()
            log.info("audio %s: closed", role)

    def _close_all(self) -> None:
        self._want_ringing = self._want_talking = False
        for role in list(self._streams):
            self._close_stream(role)
        if self._backend is not None:
            self._backend.close()

    def _gain(self, role: str) -> Callable[[], float]:
        return lambda: float(getattr(self._levels, role))


def _find(route: str, device_id: str, listed: AudioDeviceList) -> AudioDevice | None:
    devices = listed.inputs if route == "microphone" else listed.outputs
    return next((device for device in devices if device.id == device_id), None)


def _default(route: str, listed: AudioDeviceList) -> AudioDevice | None:
    devices = listed.inputs if route == "microphone" else listed.outputs
    return next((device for device in devices if device.default), devices[0] if devices else None)


def _resolve(route: str, chosen: str | None, listed: AudioDeviceList) -> AudioRoute:
    if chosen is not None:
        device = _find(route, chosen, listed)
        if device is not None:
            return AudioRoute(device, chosen)
        return AudioRoute(_default(route, listed), chosen, fallback=True)
    return AudioRoute(_default(route, listed), None)


def _log_failure(future: concurrent.futures.Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("audio worker: %s", exc, exc_info=exc)
