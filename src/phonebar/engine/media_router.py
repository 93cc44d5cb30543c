"""Applies the audio mix plan to PJSIP's conference bridge, and records each call.

Sources are the microphone (a looped WAV player, the sound device's
:class:`MicrophonePort`, or PJSIP's null capture) and each call; sinks are the
speaker (the sound device's :class:`SpeakerPort`, or PJSIP's null playback),
each call and each call's recorder. A WAV input wins over a microphone device.

The router remembers the links it made: it cannot read them back, because the
wheel's ``getPortInfo().listeners`` is garbage when a port has exactly one
listener (measured: ``[-1975601739]`` for a player connected to one recorder;
two listeners read correctly). On every change it connects every link the plan
wants, again (harmless if it exists; it restores a port PJSIP recreated after a
re-INVITE), and disconnects the links it made that the plan no longer wants.
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
        self._links: dict[tuple[int, int], tuple[pj.AudioMedia, pj.AudioMedia]] = {}
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
        desired: dict[int, set[int]] = {}
        sources: dict[int, pj.AudioMedia] = {self._microphone.getPortId(): self._microphone}
        sinks: dict[int, pj.AudioMedia] = {self._speaker.getPortId(): self._speaker}
        microphone_id = self._microphone.getPortId()
        speaker_id = self._speaker.getPortId()
        for session_id, port in media.items():
            port_id = port.getPortId()
            sources[port_id] = port
            sinks[port_id] = port
            recorder = self._recorders.get(session_id)
            wanted = desired.setdefault(port_id, set())
            if recorder is not None:
                sinks[recorder.getPortId()] = recorder
                wanted.add(recorder.getPortId())
            mix = self._plan.get(session_id, CallMix(False, False, frozenset()))
            if mix.send_microphone:
                desired.setdefault(microphone_id, set()).add(port_id)
            if mix.to_speaker:
                wanted.add(speaker_id)
            for other in mix.bridged_with:
                if other in media:
                    wanted.add(media[other].getPortId())
        links = {(source_id, sink_id) for source_id, sink_ids in desired.items() for sink_id in sink_ids}
        for source_id, sink_id in sorted(links):
            # connecting a connected pair is harmless, and re-asserting every link also
            # reconnects a port PJSIP recreated after a re-INVITE (same slot or not)
            with pj_errors("connect audio"):
                sources[source_id].startTransmit(sinks[sink_id])
        for link, (source, sink) in self._links.items():
            if link not in links:
                try:
                    source.stopTransmit(sink)
                except pj.Error as exc:
                    log.debug("disconnect audio %s: %s (the port is gone)", link, exc.info())
        self._links = {link: (sources[link[0]], sinks[link[1]]) for link in links}

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
        self._links.clear()
        self._recorders.clear()
        self._player = None
        self._device_ports.clear()
