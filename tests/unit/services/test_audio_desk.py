"""The ringing and device policy over the FakeEngine: the ringer sounds while an inbound call
waits for the agent, and stops at answer, reject and cancel; never under DND or
auto-answer; the microphone and speaker open while a call is established. Also the
levels and device choices the API passes on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from phonebar.domain.audio import AudioDeviceList, AudioLevels, AudioStats, AudioView
from phonebar.domain.ports import CallDisconnectedFact, CallReplacedFact
from phonebar.domain.session_id import SessionIdFactory
from phonebar.domain.views import AccountView
from phonebar.engine.fake_engine import FakeEngine
from phonebar.errors import AudioUnavailable, BadInput
from phonebar.services.audio_desk import NullSound
from phonebar.services.context import PhoneOptions
from phonebar.services.event_bus import EventBus
from phonebar.services.phone import Phone
from phonebar.services.registration import RegistrationPolicy


class RecordingSound(NullSound):
    """Null audio that writes down every change of ringing and talking."""

    def __init__(self) -> None:
        super().__init__("test")
        self.changes: list[str] = []
        self.ringing = False
        self.talking = False
        self.selected: list[dict[str, str | None]] = []

    def set_ringing(self, on: bool) -> None:
        if on != self.ringing:
            self.ringing = on
            self.changes.append("ring" if on else "ring off")

    def set_talking(self, on: bool) -> None:
        if on != self.talking:
            self.talking = on
            self.changes.append("talk" if on else "talk off")

    async def select(self, choices: dict[str, str | None]) -> AudioView:
        self.selected.append(choices)
        return self.view()


class Rig:
    def __init__(self, options: PhoneOptions) -> None:
        ids = SessionIdFactory("aud000")
        self.engine = FakeEngine(ids)
        self.sound = RecordingSound()
        self.phone = Phone(
            self.engine,
            EventBus(buffer_size=100, queue_size=50, clock=lambda: datetime.now(UTC)),
            options,
            RegistrationPolicy(configured=False, enabled=False, retry_max=2, keepalive=0),
            AccountView("sip:agent@pbx.test", "agent", "agent", "pbx.test", None, "", "udp", False),
            new_session_id=ids,
            sound=self.sound,
        )


async def settle() -> None:
    for _ in range(8):
        await asyncio.sleep(0)


@pytest.fixture
async def rig(request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    options = getattr(request, "param", PhoneOptions(domain="pbx.test"))
    rig = Rig(options)
    await rig.phone.start()
    yield rig
    await rig.phone.stop()


async def test_rings_until_answered_then_talks_until_the_end(rig: Rig) -> None:
    session_id = rig.engine.incoming()
    await settle()
    assert rig.sound.changes == ["ring"]
    await rig.phone.answer(session_id)
    await settle()
    assert rig.sound.changes == ["ring", "ring off", "talk"]
    rig.engine.far_end_hangs_up(session_id)
    await settle()
    assert rig.sound.changes == ["ring", "ring off", "talk", "talk off"]


async def test_ringing_stops_when_the_agent_rejects(rig: Rig) -> None:
    session_id = rig.engine.incoming()
    await settle()
    await rig.phone.hangup(session_id)
    await settle()
    assert rig.sound.changes == ["ring", "ring off"]


async def test_ringing_stops_when_the_caller_gives_up(rig: Rig) -> None:
    session_id = rig.engine.incoming()
    await settle()
    rig.engine.emit(CallDisconnectedFact(session_id, 487, "Request Terminated", local=False))
    await settle()
    assert rig.sound.changes == ["ring", "ring off"]


async def test_a_second_call_keeps_ringing_while_the_agent_talks(rig: Rig) -> None:
    first = rig.engine.incoming()
    await settle()
    await rig.phone.answer(first)
    await settle()
    second = rig.engine.incoming('"Dave" <sip:1004@pbx.test>')
    await settle()
    assert rig.sound.changes == ["ring", "ring off", "talk", "ring"]
    await rig.phone.answer(second)  # holds the first: the devices stay open
    await settle()
    assert rig.sound.changes == ["ring", "ring off", "talk", "ring", "ring off"]


async def test_dnd_never_rings(rig: Rig) -> None:
    rig.phone.set_dnd(True)
    rig.engine.incoming()
    await settle()
    assert rig.sound.changes == []
    assert rig.engine.names()[-1] == "reject"


async def test_turning_dnd_on_silences_a_ringing_call(rig: Rig) -> None:
    rig.engine.incoming()
    await settle()
    rig.phone.set_dnd(True)
    assert rig.sound.changes == ["ring", "ring off"]


@pytest.mark.parametrize("rig", [PhoneOptions(domain="pbx.test", auto_answer=True)], indirect=True)
async def test_auto_answer_never_rings(rig: Rig) -> None:
    rig.engine.incoming()
    await settle()
    assert rig.sound.changes == ["talk"]


async def test_a_call_that_replaces_another_does_not_ring(rig: Rig) -> None:
    first = rig.engine.incoming()
    await settle()
    await rig.phone.answer(first)
    await settle()
    rig.engine.emit(CallReplacedFact(first, "aud000-9", "<sip:1005@pbx.test>", "replaced@fake"))
    await settle()
    assert rig.sound.changes == ["ring", "ring off", "talk"]


async def test_levels_are_checked_and_merged(rig: Rig) -> None:
    view = rig.phone.audio.set_levels(speaker=0.5)
    assert view.volume == AudioLevels(microphone=1.0, speaker=0.5, ringer=1.0)
    view = rig.phone.audio.set_levels(microphone=0.0, ringer=2.0)
    assert view.volume == AudioLevels(microphone=0.0, speaker=0.5, ringer=2.0)
    with pytest.raises(BadInput) as error:
        rig.phone.audio.set_levels(microphone=2.5)
    assert error.value.code == "invalid_volume"
    with pytest.raises(BadInput):
        rig.phone.audio.set_levels(speaker=float("nan"))


async def test_device_choices_take_default_for_the_system_default(rig: Rig) -> None:
    await rig.phone.audio.select({"speaker": "usb-headset", "ringer": "default"})
    assert rig.sound.selected == [{"speaker": "usb-headset", "ringer": None}]
    with pytest.raises(BadInput):
        await rig.phone.audio.select({})
    with pytest.raises(BadInput):
        await rig.phone.audio.select({"headphones": "x"})


async def test_without_a_sound_system_the_phone_has_null_audio() -> None:
    sound = NullSound()
    assert sound.view().backend == "null"
    assert await sound.devices() == AudioDeviceList("null", (), ())
    assert isinstance(sound.stats(), AudioStats)
    with pytest.raises(AudioUnavailable):
        await sound.select({"speaker": "x"})
