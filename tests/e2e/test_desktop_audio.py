"""Desktop audio on a PulseAudio server of the test's own (null sinks, no hardware): the
agent hears the far end on its speaker device, the far end hears the agent's
microphone device, the ring tone sounds on the ringing device while a call rings,
levels and mute act on the real streams, and with no audio server at all the
daemon keeps PJSIP's null devices."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.e2e.conftest import TONES, PhoneFactory
from tests.e2e.harness.audio import analyse, make_tone, spectrum, wait_for_wav
from tests.e2e.harness.phonebar_process import PhonebarProcess
from tests.e2e.harness.pulse import MICROPHONE, RATE, PulseServer
from tests.e2e.harness.waiting import wait_until

AGENT_VOICE = 660  # what the agent "says" into the microphone device
RING = [440, 480]


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[PulseServer]:
    server = PulseServer(tmp_path).start()
    yield server
    server.stop()


def desktop_agent(phones: PhoneFactory, pulse: PulseServer, **audio: object) -> PhonebarProcess:
    """The agent on the test's PulseAudio: headset, microphone feed, ringer; no WAV input."""
    settings = {"backend": "pulse", "speaker": "headset", "microphone": MICROPHONE, "ringer": "ringer"}
    settings.update(audio)  # type: ignore[arg-type]
    return phones("agent", tone_hz=False, env=pulse.env, settings={"audio": settings})


def ring_share(window: np.ndarray) -> float:
    result = spectrum(window, RATE, RING)
    return result.share(RING[0]) + result.share(RING[1])


def test_the_device_list_shows_the_null_sinks_and_their_monitors(
    pulse: PulseServer, phones: PhoneFactory
) -> None:
    agent = desktop_agent(phones, pulse)
    assert agent.status()["audio"] == "pulse"
    listed = agent.ok("/api/audio/devices")
    assert listed["backend"] == "pulse"
    outputs = {device["id"]: device for device in listed["outputs"]}
    inputs = {device["id"]: device for device in listed["inputs"]}
    assert {"headset", "ringer", "mic_feed"} <= set(outputs)
    assert outputs["headset"]["name"] == "Test_Headset"
    assert outputs["headset"]["monitor"] is False
    assert inputs[MICROPHONE]["monitor"] is True
    assert {"headset.monitor", "ringer.monitor"} <= set(inputs)
    assert sum(device["default"] for device in listed["outputs"]) == 1

    audio = agent.ok("/api/audio")
    assert audio["backend"] == "pulse"
    assert audio["speaker"] == {"device": outputs["headset"], "configured": "headset", "fallback": False}
    assert audio["microphone"]["device"]["id"] == MICROPHONE
    assert audio["ringer"]["device"]["id"] == "ringer"
    assert (audio["talking"], audio["ringing"], audio["inputFile"]) == (False, False, None)


def test_a_missing_device_falls_back_to_the_default_with_a_warning(
    pulse: PulseServer, phones: PhoneFactory
) -> None:
    agent = desktop_agent(phones, pulse, speaker="usb-headset-unplugged")
    speaker = agent.ok("/api/audio")["speaker"]
    assert speaker["configured"] == "usb-headset-unplugged"
    assert speaker["fallback"] is True
    default = next(device for device in agent.ok("/api/audio/devices")["outputs"] if device["default"])
    assert speaker["device"] == default
    assert "audio speaker: no device 'usb-headset-unplugged'; using the default" in agent.log()

    response = agent.get("/api/audio/select", speaker="no-such-sink")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "audio_device_not_found"
    chosen = agent.ok("/api/audio/select", speaker="headset")["audio"]["speaker"]
    assert (chosen["device"]["id"], chosen["fallback"]) == ("headset", False)


def test_the_far_end_reaches_the_speaker_and_the_microphone_reaches_the_far_end(
    pulse: PulseServer, phones: PhoneFactory, tone
) -> None:
    bob = phones("bob", auto_answer=True)  # loops 440 Hz
    agent = desktop_agent(phones, pulse)
    pulse.play("mic_feed", make_tone(pulse.folder / "voice.wav", AGENT_VOICE, seconds=1.0), repeat=30)
    heard = pulse.record("headset.monitor").wait_started()

    call = agent.ok(f"/api/originate/{bob.sip_uri}")["call"]
    agent.wait_call(sessionId=call["sessionId"], state="connected")
    far = bob.wait_call(state="connected")
    wait_until(lambda: agent.ok("/api/audio")["talking"], timeout=5, what="the agent's streams to open")
    connected_at = heard.seconds()
    time.sleep(2.5)
    full_volume_until = heard.seconds()

    agent.ok("/api/audio/volume", speaker=0.5)
    time.sleep(1.5)
    half_volume_until = heard.seconds()
    agent.ok("/api/mute")
    muted_after = time.monotonic()
    time.sleep(2.0)
    agent.ok(f"/api/hangup/{call['sessionId']}")
    samples = heard.stop()
    bob.wait_no_calls()

    # the agent's headset carries bob's tone, at the level asked for
    full = samples[int((connected_at + 0.5) * RATE) : int(full_volume_until * RATE)]
    half = samples[int((full_volume_until + 0.3) * RATE) : int(half_volume_until * RATE)]
    full_spectrum = spectrum(full, RATE, [TONES["bob"], AGENT_VOICE])
    half_spectrum = spectrum(half, RATE, [TONES["bob"], AGENT_VOICE])
    assert full_spectrum.share(TONES["bob"]) > 0.9, full_spectrum
    assert half_spectrum.share(TONES["bob"]) > 0.9, half_spectrum
    assert 0.4 < half_spectrum.rms / full_spectrum.rms < 0.6, (full_spectrum.rms, half_spectrum.rms)

    # bob hears the tone played into the agent's microphone device, until the agent mutes
    recording = bob.recording(far["sessionId"])
    wait_for_wav(recording)
    muted_at = 2.5 + 1.5 + 0.2  # seconds after bob's media started, give or take the set-up
    talking = analyse(recording, [AGENT_VOICE, TONES["bob"]], start=0.5, end=muted_at - 0.5)
    assert talking.share(AGENT_VOICE) > 0.9, talking
    silent = analyse(recording, [AGENT_VOICE], start=muted_at + 0.7)
    assert silent.seconds > 1.0, silent
    assert silent.rms < talking.rms / 100, (silent, talking)
    assert time.monotonic() - muted_after >= 2.0


def test_the_ring_tone_sounds_while_a_call_rings_and_stops_at_answer(
    pulse: PulseServer, phones: PhoneFactory
) -> None:
    carol = phones("carol")
    agent = desktop_agent(phones, pulse)
    ringer = pulse.record("ringer.monitor").wait_started()
    quiet_until = ringer.seconds()

    carol.ok(f"/api/originate/{agent.sip_uri}")
    ringing = agent.wait_call(state="ringing")
    wait_until(lambda: agent.ok("/api/audio")["ringing"], timeout=5, what="the ring tone to start")
    rang_from = ringer.seconds()
    time.sleep(1.5)  # the tone is on for the first second of each 3 s cadence
    assert agent.ok("/api/audio")["ringing"] is True
    answered_at = ringer.seconds()
    agent.ok(f"/api/answer/{ringing['sessionId']}")
    agent.wait_call(sessionId=ringing["sessionId"], state="connected")
    wait_until(lambda: not agent.ok("/api/audio")["ringing"], timeout=5, what="the ring tone to stop")
    time.sleep(3.5)  # longer than a whole cadence: a ring that went on would sound again
    rung = ringer.stop()

    before = rung[int(rang_from * RATE) : int(answered_at * RATE)]
    after = rung[int((answered_at + 0.3) * RATE) :]
    assert ring_share(before) > 0.9, spectrum(before, RATE, RING)
    assert len(after) > 3 * RATE
    assert float(np.abs(after).max()) == 0.0  # a null sink's monitor is exact zeros once nothing plays
    assert float(np.abs(rung[: int(quiet_until * RATE)]).max()) == 0.0
    audio = agent.ok("/api/audio")
    assert (audio["ringing"], audio["talking"]) == (False, True)


def test_the_ring_tone_stops_when_the_caller_gives_up_and_never_sounds_under_dnd(
    pulse: PulseServer, phones: PhoneFactory
) -> None:
    carol = phones("carol")
    agent = desktop_agent(phones, pulse)
    ringer = pulse.record("ringer.monitor").wait_started()

    outgoing = carol.ok(f"/api/originate/{agent.sip_uri}")["call"]
    agent.wait_call(state="ringing")
    wait_until(lambda: agent.ok("/api/audio")["ringing"], timeout=5, what="the ring tone to start")
    time.sleep(0.6)
    carol.ok(f"/api/hangup/{outgoing['sessionId']}")
    agent.wait_no_calls()
    wait_until(lambda: not agent.ok("/api/audio")["ringing"], timeout=5, what="the ring tone to stop")
    cancelled_at = ringer.seconds()
    assert ring_share(ringer.samples()[: int(cancelled_at * RATE)]) > 0.9

    agent.ok("/api/dnd/on")
    second = carol.ok(f"/api/originate/{agent.sip_uri}")["call"]
    wait_until(
        lambda: carol.ok(f"/api/calls/{second['sessionId']}")["state"] == "ended",
        timeout=10,
        what="the DND rejection",
    )
    time.sleep(1.5)
    rung = ringer.stop()
    assert len(rung) > (cancelled_at + 1.0) * RATE
    assert float(np.abs(rung[int((cancelled_at + 0.3) * RATE) :]).max()) == 0.0
    assert "audio ringer: open" in agent.log()
    assert agent.log().count("audio ringer: open") == 1


def test_with_no_audio_server_at_all_the_daemon_keeps_null_devices(
    tmp_path: Path, phones: PhoneFactory
) -> None:
    # (ALSA_CONFIG_PATH cannot hide the cards: libasound aborts on a config of our own)
    assert not Path("/dev/snd").exists(), "this test needs a machine without sound cards, as CI is"
    nothing = {"PULSE_SERVER": f"unix:{tmp_path / 'no-pulse-here'}", "XDG_RUNTIME_DIR": str(tmp_path)}
    agent = phones(
        "agent", tone_hz=False, env={**os.environ, **nothing}, settings={"audio": {"backend": "auto"}}
    )
    bob = phones("bob", auto_answer=True)
    status = agent.status()
    assert status["audio"] == "null"
    audio = agent.ok("/api/audio")
    assert audio["backend"] == "null"
    assert "no PulseAudio or PipeWire server" in audio["reason"]
    assert "PortAudio not tried: no sound card" in audio["reason"]
    # so no sound library was loaded for nothing: the agent weighs what bob (backend none) does
    assert agent.rss_mb() - bob.rss_mb() < 8.0, (agent.rss_mb(), bob.rss_mb())
    assert agent.ok("/api/audio/devices") == {"backend": "null", "inputs": [], "outputs": []}
    refused = agent.get("/api/audio/select", speaker="headset")
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "audio_unavailable"

    call = agent.ok(f"/api/originate/{bob.sip_uri}")["call"]
    agent.wait_call(sessionId=call["sessionId"], state="connected")
    time.sleep(1.0)
    assert agent.ok("/api/audio")["talking"] is False
    agent.ok("/api/hangup")
    agent.wait_no_calls()
    assert "audio: null devices" in agent.log()


def test_the_portaudio_backend_carries_a_call_through_alsa(pulse: PulseServer, phones: PhoneFactory) -> None:
    """PortAudio reaches the same server through ALSA's ``pulse`` device, which plays to the
    server's default sink and records its default source."""
    pulse.pactl("set-default-sink", "headset")
    pulse.pactl("set-default-source", MICROPHONE)
    bob = phones("bob", auto_answer=True)
    agent = phones(
        "agent",
        tone_hz=False,
        env=pulse.env,
        settings={
            "audio": {"backend": "portaudio", "speaker": "pulse", "microphone": "pulse", "ringer": "pulse"}
        },
    )
    assert agent.status()["audio"] == "portaudio"
    names = {device["id"] for device in agent.ok("/api/audio/devices")["outputs"]}
    assert {"pulse", "default"} <= names
    pulse.play("mic_feed", make_tone(pulse.folder / "voice.wav", AGENT_VOICE, seconds=1.0), repeat=30)
    heard = pulse.record("headset.monitor").wait_started()

    call = agent.ok(f"/api/originate/{bob.sip_uri}")["call"]
    agent.wait_call(sessionId=call["sessionId"], state="connected")
    far = bob.wait_call(state="connected")
    wait_until(lambda: agent.ok("/api/audio")["talking"], timeout=5, what="the agent's streams to open")
    start = heard.seconds()
    time.sleep(3.0)
    end = heard.seconds()
    agent.ok("/api/hangup")
    samples = heard.stop()
    bob.wait_no_calls()

    speaker = spectrum(samples[int((start + 0.5) * RATE) : int(end * RATE)], RATE, [TONES["bob"]])
    assert speaker.share(TONES["bob"]) > 0.9, speaker
    recording = bob.recording(far["sessionId"])
    wait_for_wav(recording)
    microphone = analyse(recording, [AGENT_VOICE], start=1.0)
    assert microphone.share(AGENT_VOICE) > 0.9, microphone
