"""The agent's sound devices as use cases: list them, choose them, set the levels; and the
policy that follows every call event (ring while an inbound call waits, keep the
microphone and speaker open while a call is established).

The policy itself is :func:`phonebar.domain.audio.should_ring` and
:func:`~phonebar.domain.audio.needs_devices`; this module applies it on each
``call_created``, ``call_state_changed``, ``call_ended`` and ``dnd_changed``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from phonebar.domain.audio import (
    ROUTES,
    AudioDeviceList,
    AudioLevels,
    AudioRoute,
    AudioStats,
    AudioView,
    RingStats,
    SoundPort,
    needs_devices,
    should_ring,
)
from phonebar.domain.events import Event
from phonebar.errors import AudioUnavailable, BadInput
from phonebar.services.context import PhoneContext

log = logging.getLogger(__name__)

DEFAULT_DEVICE = "default"  # what the API takes for "the system's default device"
MAX_LEVEL = 2.0
_POLICY_EVENTS = frozenset({"call_created", "call_state_changed", "call_ended", "dnd_changed"})


class AudioDesk:
    def __init__(self, ctx: PhoneContext, sound: SoundPort, dnd: Callable[[], bool]) -> None:
        self._ctx = ctx
        self.sound = sound
        self._dnd = dnd
        ctx.bus.add_listener(self._on_event)

    def _on_event(self, event: Event) -> None:
        if event.type in _POLICY_EVENTS:
            self.refresh()

    def refresh(self) -> None:
        calls = self._ctx.registry.active()
        self.sound.set_ringing(should_ring(calls, dnd=self._dnd(), auto_answer=self._ctx.options.auto_answer))
        self.sound.set_talking(needs_devices(calls))

    def view(self) -> AudioView:
        return self.sound.view()

    def status_text(self, engine_audio: str) -> str:
        """``/api/status``'s ``audio``: the backend in use, else what the engine has
        (``null``, or ``wav:<file>`` for a WAV microphone)."""
        backend = self.sound.view().backend
        return backend if backend != "null" else engine_audio

    async def devices(self) -> AudioDeviceList:
        return await self.sound.devices()

    def stats(self) -> AudioStats:
        return self.sound.stats()

    async def select(self, choices: dict[str, str | None]) -> AudioView:
        """``choices``: route -> device id, or ``default``; routes not given are kept."""
        unknown = set(choices) - set(ROUTES)
        if unknown:
            raise BadInput(f"no audio route {sorted(unknown)[0]!r} (routes: {', '.join(ROUTES)})")
        if not choices:
            raise BadInput("name a device for microphone, speaker or ringer", code="missing_device")
        cleaned = {
            route: None if value in ("", DEFAULT_DEVICE) else value for route, value in choices.items()
        }
        return await self.sound.select(cleaned)

    def set_levels(
        self, microphone: float | None = None, speaker: float | None = None, ringer: float | None = None
    ) -> AudioView:
        """Change the given levels (0.0 to 2.0); the others are kept."""
        changes = {
            name: value
            for name, value in (("microphone", microphone), ("speaker", speaker), ("ringer", ringer))
            if value is not None
        }
        for name, value in changes.items():
            if not 0.0 <= value <= MAX_LEVEL or value != value:  # value != value: NaN
                raise BadInput(f"{name} volume must be between 0.0 and {MAX_LEVEL}", code="invalid_volume")
        current = self.sound.view().volume
        return self.sound.set_levels(replace(current, **changes))


class NullSound:
    """No sound devices: what the services use when none are given (unit tests, servers)."""

    def __init__(self, reason: str = "no sound system") -> None:
        self._reason = reason
        self._levels = AudioLevels()

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def view(self) -> AudioView:
        empty = AudioRoute(None, None)
        return AudioView("null", self._reason, None, empty, empty, empty, self._levels, False, False, False)

    async def devices(self) -> AudioDeviceList:
        return AudioDeviceList("null", (), ())

    async def select(self, choices: dict[str, str | None]) -> AudioView:
        raise AudioUnavailable(f"no sound devices: {self._reason}")

    def set_levels(self, levels: AudioLevels) -> AudioView:
        self._levels = levels
        return self.view()

    def set_ringing(self, on: bool) -> None:
        pass

    def set_talking(self, on: bool) -> None:
        pass

    def stats(self) -> AudioStats:
        idle = RingStats(0, 0, 0, 0, 0, 0)
        return AudioStats(idle, idle, {})
