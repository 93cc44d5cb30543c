"""The SoundSystem over a fake backend: choosing devices (and falling back), opening streams
only while needed, the WAV input winning over the microphone, failures."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from phonebar.audio.sound_system import SoundConfig, SoundSystem, has_sound_card, probe_backend
from phonebar.domain.audio import AudioLevels
from phonebar.errors import AudioDeviceNotFound, AudioUnavailable
from tests.unit.audio.fake_backend import FakeBackend


async def settle(sound: SoundSystem) -> None:
    """Wait for the work queued on the audio thread."""
    await sound._on_worker(lambda: None)


async def started(backend: FakeBackend, **config: object) -> SoundSystem:
    sound = SoundSystem(SoundConfig(**config), probe=backend.probe)  # type: ignore[arg-type]
    await sound.start()
    return sound


async def test_configured_devices_are_used_and_the_defaults_otherwise() -> None:
    sound = await started(FakeBackend(), speaker="usb-headset", microphone="usb-headset-mic")
    view = sound.view()
    assert (view.backend, view.reason) == ("pulse", "fake server")
    assert view.speaker.device is not None
    assert view.speaker.device.id == "usb-headset"
    assert view.microphone.device is not None
    assert view.microphone.device.id == "usb-headset-mic"
    assert view.ringer.device is not None
    assert view.ringer.device.id == "builtin-speakers"
    assert (view.speaker.fallback, view.ringer.configured) == (False, None)
    await sound.stop()


async def test_a_missing_device_falls_back_to_the_default_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = FakeBackend()
    sound = await started(backend, speaker="unplugged-headset")
    speaker = sound.view().speaker
    assert speaker.device is not None
    assert speaker.device.id == "builtin-speakers"
    assert (speaker.configured, speaker.fallback) == ("unplugged-headset", True)
    assert "audio speaker: no device 'unplugged-headset'; using the default (builtin-speakers)" in caplog.text
    sound.set_talking(True)
    await settle(sound)
    assert ("open", "speaker", None) in backend.log  # None: the server's default device
    await sound.stop()


async def test_streams_open_while_talking_or_ringing_and_close_after() -> None:
    backend = FakeBackend()
    sound = await started(backend, speaker="usb-headset", microphone="usb-headset-mic")
    sound.set_ringing(True)
    await settle(sound)
    assert sound.view().ringing is True
    sound.set_talking(True)
    sound.set_ringing(False)
    await settle(sound)
    sound.set_talking(False)
    await settle(sound)
    assert backend.log == [
        ("open", "ringer", None),
        ("close", "ringer", None),
        ("open", "microphone", "usb-headset-mic"),
        ("open", "speaker", "usb-headset"),
        ("close", "microphone", "usb-headset-mic"),
        ("close", "speaker", "usb-headset"),
    ]
    assert (sound.view().ringing, sound.view().talking) == (False, False)
    await sound.stop()


async def test_the_wav_input_wins_over_the_microphone(tmp_path: Path) -> None:
    backend = FakeBackend()
    wav = tmp_path / "voice.wav"
    wav.write_bytes(b"")
    sound = await started(backend, input_file=wav)
    sound.set_talking(True)
    await settle(sound)
    assert [entry[1] for entry in backend.log] == ["speaker"]
    assert sound.view().input_file == str(wav)
    await sound.stop()


async def test_selecting_a_device_reopens_the_open_stream_on_it() -> None:
    backend = FakeBackend()
    sound = await started(backend)
    sound.set_talking(True)
    await settle(sound)
    view = await sound.select({"speaker": "usb-headset"})
    assert view.speaker.device is not None
    assert view.speaker.device.id == "usb-headset"
    assert backend.log[-2:] == [("close", "speaker", None), ("open", "speaker", "usb-headset")]
    await sound.select({"speaker": None})
    assert backend.log[-1] == ("open", "speaker", None)
    await sound.stop()


async def test_selecting_an_unknown_device_changes_nothing() -> None:
    backend = FakeBackend()
    sound = await started(backend)
    with pytest.raises(AudioDeviceNotFound, match="no output device 'usb-headset-mic'"):
        await sound.select({"speaker": "usb-headset-mic"})  # an input, not an output
    with pytest.raises(AudioDeviceNotFound):
        await sound.select({"speaker": "usb-headset", "microphone": "nope"})
    assert sound.view().speaker.configured is None
    await sound.stop()


async def test_a_dead_stream_is_reopened_on_what_is_there_now() -> None:
    backend = FakeBackend()
    sound = await started(backend, speaker="usb-headset")
    sound.set_talking(True)
    await settle(sound)
    backend.outputs = [device for device in backend.outputs if device.id != "usb-headset"]  # unplugged
    backend.streams["speaker"].on_failure("device gone")
    await settle(sound)
    await settle(sound)
    assert backend.log[-2:] == [("close", "speaker", "usb-headset"), ("open", "speaker", None)]
    assert sound.view().speaker.fallback is True
    await sound.stop()


async def test_a_device_that_cannot_open_leaves_the_others_working() -> None:
    backend = FakeBackend(fail_open={"microphone"})
    sound = await started(backend)
    sound.set_talking(True)
    await settle(sound)
    assert [entry[:2] for entry in backend.log] == [("open", "speaker")]
    await sound.stop()


async def test_levels_reach_the_streams_at_once() -> None:
    backend = FakeBackend()
    sound = await started(backend)
    sound.set_talking(True)
    await settle(sound)
    sound.set_levels(AudioLevels(microphone=0.5, speaker=1.5, ringer=0.0))
    assert backend.streams["microphone"].gain() == 0.5
    assert backend.streams["speaker"].gain() == 1.5
    await sound.stop()


async def test_with_backend_none_everything_is_null() -> None:
    sound = SoundSystem(SoundConfig(backend="none"))
    await sound.start()
    view = sound.view()
    assert (view.backend, view.reason) == ("null", "audio.backend is none")
    assert (await sound.devices()).inputs == ()
    sound.set_ringing(True)
    sound.set_talking(True)
    await settle(sound)
    assert (sound.view().ringing, sound.view().talking) == (False, False)
    with pytest.raises(AudioUnavailable):
        await sound.select({"speaker": "x"})
    await sound.stop()
    with pytest.raises(AudioUnavailable):
        await sound.devices()


def test_no_pulse_server_is_reported_as_the_reason() -> None:
    backend, reason = probe_backend(SoundConfig(backend="pulse", pulse_server="unix:/nonexistent/native"))
    assert backend is None
    assert "no PulseAudio or PipeWire server" in reason


def test_a_sound_card_is_an_alsa_pcm_device_or_oss(tmp_path: Path) -> None:
    assert has_sound_card(tmp_path) is False
    (tmp_path / "snd").mkdir()
    (tmp_path / "snd" / "timer").touch()  # what a machine without cards may still have
    (tmp_path / "snd" / "seq").touch()
    assert has_sound_card(tmp_path) is False
    (tmp_path / "snd" / "pcmC0D0p").touch()
    assert has_sound_card(tmp_path) is True
    (tmp_path / "snd" / "pcmC0D0p").unlink()
    (tmp_path / "dsp").touch()
    assert has_sound_card(tmp_path) is True


async def test_ring_is_off_when_disabled() -> None:
    backend = FakeBackend()
    sound = await started(backend, ring=False)
    sound.set_ringing(True)
    await settle(sound)
    await asyncio.sleep(0)
    assert backend.log == []
    await sound.stop()
