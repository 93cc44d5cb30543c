"""Thousands of generated requests from the OpenAPI document against the app over the
FakeEngine: not one 5xx, every answer as documented, and the phone still works after."""

from __future__ import annotations

import schemathesis
from schemathesis import GenerationMode

from phonebar.app import Daemon, create_app
from phonebar.audio.sound_system import SoundConfig, SoundSystem
from phonebar.config import Settings, load_settings
from phonebar.engine.fake_engine import FakeEngine
from tests.openapi_fuzz import fuzz
from tests.unit.audio.fake_backend import FakeBackend


def answering_engine(settings: Settings, new_session_id):  # type: ignore[no-untyped-def]
    engine = FakeEngine(new_session_id)
    engine.auto_confirm_dial = True  # calls connect, so hold, transfer, DTMF and mute get exercised
    return engine


def fake_sound(settings: Settings) -> SoundSystem:
    """Sound devices that exist (a fake backend), so the audio routes are reached too."""
    return SoundSystem(SoundConfig(), probe=FakeBackend().probe)


def test_fuzzing_the_openapi_finds_no_server_error() -> None:
    settings = load_settings(
        None,
        environ={},
        # schemathesis' in-process client calls itself "testserver"
        overrides={"account.domain": "pbx.test", "api.allowed_hosts": '["testserver"]'},
    )
    daemon = Daemon(settings, engine_factory=answering_engine, sound_factory=fake_sound)
    app = create_app(settings, daemon)  # schemathesis runs its lifespan: the daemon starts there
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)

    report = fuzz(schema, examples={GenerationMode.POSITIVE: 60, GenerationMode.NEGATIVE: 25}, number="1001")

    print(f"fuzz: {report.requests} requests in {report.seconds:.0f} s: {sorted(report.statuses.items())}")
    assert report.requests >= 2000
    assert report.count(5) == 0
    assert report.count(2) >= 300  # not only refusals: the calls and commands were really reached
    assert len(report.operations) == report.operations_in_schema >= 45  # every one of them
    assert report.on_live_calls >= 300
    engine = daemon.engine
    assert isinstance(engine, FakeEngine)
    assert {"dial", "hold", "unhold", "transfer", "send_dtmf", "hangup"} <= set(engine.names())

    after = schema["/api/originate/{number}"]["GET"].Case(path_parameters={"number": "1001"}).call()
    assert after.status_code == 200, after.text
    assert after.json()["call"]["state"] in ("dialing", "connected")
