"""Applies the audio mix plan to PJSIP's conference bridge, and records each call.

Sources are the microphone (a looped WAV player, the sound device's
:class:`MicrophonePort`, or PJSIP's null capture) and each call; sinks are the
speaker (the sound device's :class:`SpeakerPort`, or PJSIP's null playback),
each call and each call's recorder. A WAV input wins over a microphone device.

The router remembers nothing: on every change it sets every link it manages
explicitly, ``startTransmit`` where the plan wants audio and ``stopTransmit``
everywhere else. Both are no-ops when the link already is (or is not) there, so
a port PJSIP recreated after a re-INVITE, even in a reused slot, ends up right.

Measured on this pjsua2 build: ``getPortInfo().listeners`` returns garbage when
a port has exactly one listener (a single random number such as
``[-1975601739]``), and the bridge applies connect and disconnect requests
asynchronously on its clock thread; reading links back therefore cannot work.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import pjsua2 as pj

from phonebar.audio.sound_system import SoundBridge
from phonebar.domain.mix import CallMix, MixPlan
from phonebar.engine.pj_errors import pj_errors
from phonebar.engine.sound_ports import MicrophonePort, SpeakerPort

log = logging.getLogger(__name__)

_SILENT = CallMix(send_microphone=False, to_speaker=False, bridged_with=frozenset())


class CallMedia(Protocol):
    session_id: str

    def audio_media(self) -> pj.AudioMedia | None: ...


class MediaRouter:
    """Owns the player and the recorders; lives and dies on the engine thread."""

    def __init__(
        self,
        endpoint: pj.Endpoint,
        audio_input: Path | None,
        record_dir: Path | None,
        sound: SoundBridge | None = None,
    ) -> None:
        self._endpoint = endpoint
        self._record_dir = record_dir
        self._player: pj.AudioMediaPlayer | None = None
        self._device_ports: list[pj.AudioMediaPort] = []
        self._recorders: dict[str, pj.AudioMediaRecorder] = {}
        self._plan: MixPlan = {}
        manager = endpoint.audDevManager()
        self._speaker: pj.AudioMedia = manager.getPlaybackDevMedia()
        if sound is not None:
            with pj_errors("create the speaker port"):
                self._speaker = SpeakerPort(sound.playback)
            self._device_ports.append(self._speaker)
        if audio_input is not None:
            self._player = pj.AudioMediaPlayer()
            with pj_errors(f"open audio input {audio_input}"):
                self._player.createPlayer(str(audio_input), 0)  # 0: loop forever
            self._microphone: pj.AudioMedia = self._player
        elif sound is not None:
            with pj_errors("create the microphone port"):
                self._microphone = MicrophonePort(sound.capture)
            self._device_ports.append(self._microphone)
        else:
            self._microphone = manager.getCaptureDevMedia()
        if record_dir is not None:
            record_dir.mkdir(parents=True, exist_ok=True)

    def set_plan(self, plan: MixPlan) -> None:
        self._plan = dict(plan)

    def apply(self, calls: list[CallMedia]) -> None:
        """Reconcile the bridge with the plan for every call whose media is up."""
        media = {call.session_id: port for call in calls if (port := call.audio_media()) is not None}
        for session_id, port in media.items():
            self._ensure_recorder(session_id, port)
            recorder = self._recorders.get(session_id)
            if recorder is not None:
                self._link(port, recorder, True)
        for session_id, port in media.items():
            mix = self._plan.get(session_id, _SILENT)
            self._link(self._microphone, port, mix.send_microphone)
            self._link(port, self._speaker, mix.to_speaker)
            for other_id, other in media.items():
                if other_id != session_id:
                    self._link(other, port, other_id in mix.bridged_with)

    @staticmethod
    def _link(source: pj.AudioMedia, sink: pj.AudioMedia, wanted: bool) -> None:
        if wanted:
            with pj_errors("connect audio"):
                source.startTransmit(sink)
        else:
            with pj_errors("disconnect audio"):
                source.stopTransmit(sink)

    def _ensure_recorder(self, session_id: str, port: pj.AudioMedia) -> None:
        if self._record_dir is None or session_id in self._recorders:
            return
        recorder = pj.AudioMediaRecorder()
        path = self._record_dir / f"{session_id}.wav"
        with pj_errors(f"record to {path}"):
            recorder.createRecorder(str(path))
        self._recorders[session_id] = recorder
        log.info("call %s: recording what the agent hears to %s", session_id, path)

    def release(self, session_id: str) -> None:
        """The call is gone: drop its recorder, which finalises the WAV file."""
        self._recorders.pop(session_id, None)
        self._plan.pop(session_id, None)

    def close(self) -> None:
        self._recorders.clear()
        self._player = None
        self._device_ports.clear()
