"""The agent's sound devices as the services see them: what exists, what is chosen, the
levels, and the ringing policy (when the ringer sounds). Stdlib only.

The mechanism (device streams, ring buffers, the ring tone) lives in
:mod:`phonebar.audio`; it implements :class:`SoundPort`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from phonebar.domain.call import Call
from phonebar.domain.states import CallState, Direction

# the routes a device can be chosen for; the microphone is an input, the others outputs
ROUTES = ("microphone", "speaker", "ringer")


@dataclass(frozen=True)
class AudioDevice:
    """One input or output. ``id`` is what configuration and the API name it by (a
    PulseAudio sink or source name, or a PortAudio device name); ``monitor`` marks a
    PulseAudio monitor source (what a sink plays, not a microphone)."""

    id: str
    name: str
    default: bool = False
    monitor: bool = False


@dataclass(frozen=True)
class AudioDeviceList:
    backend: str  # pulse | portaudio | null
    inputs: tuple[AudioDevice, ...]
    outputs: tuple[AudioDevice, ...]


@dataclass(frozen=True)
class AudioRoute:
    """What one route plays to or records from. ``device`` is None when the route has no
    device (null audio, or the WAV input); ``configured`` is what was asked for (None =
    the default device); ``fallback`` is True when that device was missing."""

    device: AudioDevice | None
    configured: str | None
    fallback: bool = False


@dataclass(frozen=True)
class AudioLevels:
    """Software gains, 0.0 (silent) to 2.0; 1.0 leaves the signal as it is."""

    microphone: float = 1.0
    speaker: float = 1.0
    ringer: float = 1.0


@dataclass(frozen=True)
class AudioView:
    """The sound devices as ``GET /api/audio`` shows them."""

    backend: str  # pulse | portaudio | null
    reason: str  # why this backend (why null, above all)
    input_file: str | None  # the WAV looped as the microphone instead of a device
    microphone: AudioRoute
    speaker: AudioRoute
    ringer: AudioRoute
    volume: AudioLevels
    ring: bool  # ring tone enabled
    ringing: bool  # sounding now
    talking: bool  # microphone and speaker streams open


@dataclass(frozen=True)
class RingStats:
    """One ring buffer between PJSIP's clock and a device, counted since start.
    ``dropped``: frames lost to a full ring while the consumer was consuming; ``late``:
    pops that found it empty while the producer was producing (silence was played);
    ``depth``/``max_depth`` in 20 ms frames. ``push_stalls``/``pop_stalls`` count gaps of
    more than 1.5 frames between two pushes (pops) of an open ring, a thread that did
    not get the GIL or the CPU in time; ``max_push_gap``/``max_pop_gap`` in seconds.
    ``trimmed``: frames discarded after a stall to bring the latency back down."""

    pushed: int
    popped: int
    dropped: int
    late: int
    depth: int
    max_depth: int
    push_stalls: int = 0
    pop_stalls: int = 0
    max_push_gap: float = 0.0
    max_pop_gap: float = 0.0
    trimmed: int = 0


@dataclass(frozen=True)
class AudioStats:
    """``microphone``: device -> PJSIP ring; ``speaker``: PJSIP -> device ring;
    ``device_latency``: what each open stream's backend reports, seconds."""

    microphone: RingStats
    speaker: RingStats
    device_latency: dict[str, float]


class SoundPort(Protocol):
    """The sound devices. Nothing here blocks the asyncio loop: device work runs on the
    implementation's own thread; ``set_ringing`` and ``set_talking`` only queue it."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def view(self) -> AudioView: ...

    async def devices(self) -> AudioDeviceList: ...

    async def select(self, choices: dict[str, str | None]) -> AudioView:
        """Choose devices by route (``microphone``, ``speaker``, ``ringer``); None = the
        default. An unknown device raises ``AudioDeviceNotFound`` and changes nothing."""
        ...

    def set_levels(self, levels: AudioLevels) -> AudioView: ...

    def set_ringing(self, on: bool) -> None: ...

    def set_talking(self, on: bool) -> None: ...

    def stats(self) -> AudioStats: ...


_TALKING = frozenset({CallState.CONNECTED, CallState.REMOTE_HELD, CallState.HELD, CallState.TRANSFERRING})


def should_ring(calls: Iterable[Call], *, dnd: bool, auto_answer: bool) -> bool:
    """The ringer sounds while an inbound call waits for the agent: not under DND (the call
    is rejected), not with auto-answer (it is answered at once), and not for a call that
    replaces another (PJSIP answers an INVITE with Replaces itself)."""
    if dnd or auto_answer:
        return False
    return any(
        call.direction is Direction.INBOUND
        and call.state is CallState.RINGING
        and call.transferred_from is None
        for call in calls
    )


def needs_devices(calls: Iterable[Call]) -> bool:
    """Microphone and speaker streams stay open while any call is established (held calls
    included, so switching lines does not reopen the devices)."""
    return any(call.state in _TALKING for call in calls)
