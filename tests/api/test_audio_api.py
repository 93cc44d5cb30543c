"""The audio routes over the FakeEngine and a SoundSystem on a fake backend: shapes (checked
against the OpenAPI schemas), device choice, levels, the error JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from phonebar.api.schemas import Audio, AudioDevices, AudioResult, AudioStats, Status, VolumeResult
from phonebar.app import Daemon, create_app
from phonebar.audio.sound_system import SoundConfig, SoundSystem
from phonebar.config import Settings, load_settings
from tests.api.conftest import ApiRig, error_code, fake_engine_factory
from tests.unit.audio.fake_backend import FakeBackend


@pytest.fixture
async def audio_api() -> AsyncIterator[ApiRig]:
    backend = FakeBackend()

    def sound_factory(settings: Settings) -> SoundSystem:
        return SoundSystem(SoundConfig(speaker=settings.audio.speaker), probe=backend.probe)

    settings = load_settings(None, environ={}, overrides={"audio.speaker": "usb-headset"})
    daemon = Daemon(settings, engine_factory=fake_engine_factory, sound_factory=sound_factory)
    await daemon.start()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, daemon)), base_url="http://127.0.0.1:9888"
    )
    yield ApiRig(client, daemon.engine, daemon)  # type: ignore[arg-type]
    await client.aclose()
    await daemon.stop()


async def test_devices_lists_inputs_and_outputs(audio_api: ApiRig) -> None:
    response = await audio_api.client.get("/api/audio/devices")
    assert response.status_code == 200
    body = AudioDevices.model_validate(response.json())
    assert body.backend == "pulse"
    assert [device.id for device in body.inputs] == [
        "builtin-mic",
        "usb-headset-mic",
        "builtin-speakers.monitor",
    ]
    assert [(device.id, device.default) for device in body.outputs] == [
        ("builtin-speakers", True),
        ("usb-headset", False),
    ]
    assert response.json()["inputs"][2] == {
        "id": "builtin-speakers.monitor",
        "name": "Monitor of Built-in Speakers",
        "default": False,
        "monitor": True,
    }


async def test_audio_shows_the_routes_and_status_names_the_backend(audio_api: ApiRig) -> None:
    body = Audio.model_validate((await audio_api.client.get("/api/audio")).json())
    assert body.speaker.device is not None
    assert body.speaker.device.id == "usb-headset"
    assert body.microphone.device is not None
    assert body.microphone.device.id == "builtin-mic"
    assert (body.ringing, body.talking, body.ring) == (False, False, True)
    status = Status.model_validate((await audio_api.client.get("/api/status")).json())
    assert status.audio == "pulse"


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_select_chooses_devices(audio_api: ApiRig, method: str) -> None:
    response = await audio_api.client.request(
        method, "/api/audio/select", params={"microphone": "usb-headset-mic", "speaker": "default"}
    )
    assert response.status_code == 200, response.text
    body = AudioResult.model_validate(response.json())
    assert body.action == "select"
    assert body.audio.microphone.configured == "usb-headset-mic"
    assert body.audio.speaker.configured is None
    assert body.audio.speaker.device is not None
    assert body.audio.speaker.device.id == "builtin-speakers"


async def test_select_refuses_an_unknown_device_and_no_device(audio_api: ApiRig) -> None:
    unknown = await audio_api.client.get("/api/audio/select", params={"ringer": "usb-headset-mic"})
    assert unknown.status_code == 404
    assert unknown.json()["error"] == {
        "code": "audio_device_not_found",
        "message": "no output device 'usb-headset-mic'",
        "route": "ringer",
        "device": "usb-headset-mic",
    }
    nothing = await audio_api.client.get("/api/audio/select")
    assert nothing.status_code == 400
    assert error_code(nothing) == "missing_device"


async def test_volume_sets_the_levels_given(audio_api: ApiRig) -> None:
    response = await audio_api.client.get("/api/audio/volume", params={"microphone": 0.8, "speaker": 1.0})
    assert response.status_code == 200
    body = VolumeResult.model_validate(response.json())
    assert (body.volume.microphone, body.volume.speaker, body.volume.ringer) == (0.8, 1.0, 1.0)
    too_loud = await audio_api.client.get("/api/audio/volume", params={"microphone": 0.5, "speaker": 3})
    assert too_loud.status_code == 400
    assert error_code(too_loud) == "invalid_request"
    assert "speaker" in too_loud.json()["error"]["message"]
    # nothing changed, not even the valid level given with the wrong one
    assert (await audio_api.client.get("/api/audio")).json()["volume"] == {
        "microphone": 0.8,
        "speaker": 1.0,
        "ringer": 1.0,
    }


async def test_stats_counts_both_rings(audio_api: ApiRig) -> None:
    body = AudioStats.model_validate((await audio_api.client.get("/api/audio/stats")).json())
    assert (body.microphone.pushed, body.speaker.late, body.device_latency) == (0, 0, {})


async def test_without_sound_devices_the_routes_say_so(api: ApiRig) -> None:
    audio = (await api.client.get("/api/audio")).json()
    assert audio["backend"] == "null"
    assert (await api.client.get("/api/audio/devices")).json() == {
        "backend": "null",
        "inputs": [],
        "outputs": [],
    }
    refused = await api.client.get("/api/audio/select", params={"speaker": "x"})
    assert refused.status_code == 503
    assert error_code(refused) == "audio_unavailable"
    assert (await api.client.get("/api/status")).json()["audio"] == "null"
