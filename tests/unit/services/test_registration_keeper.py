"""The registration supervisor over the FakeEngine: outage seen by the probe, back-off
without hammering a dead registrar, recovery, and a registrar that lost our binding."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from phonebar.domain.events import RegistrationChanged
from phonebar.domain.ports import RegistrationFact
from phonebar.services.context import PhoneOptions
from phonebar.services.registration import RegistrationPolicy
from tests.conftest import PhoneRig, build_rig

POLICY = RegistrationPolicy(
    configured=True, enabled=True, retry_max=0.4, keepalive=0.05, first_retry=0.05, probe_timeout=0.05
)


@pytest.fixture
async def registered() -> AsyncIterator[PhoneRig]:
    rig = build_rig(PhoneOptions(domain="pbx.test", registration_required=True), POLICY)
    await rig.phone.start()
    await wait_for(lambda: state(rig) == "registered")
    yield rig
    await rig.phone.stop()


def state(rig: PhoneRig) -> str:
    return rig.phone.status().registration.state.value


def history(rig: PhoneRig) -> list[tuple[str, int | None, str]]:
    """Every registration state change, in order (repeats of a state collapsed)."""
    seen: list[tuple[str, int | None, str]] = []
    for event in rig.events.events:
        if isinstance(event, RegistrationChanged):
            view = event.registration
            entry = (view.state.value, view.sip_status, view.reason)
            if not seen or seen[-1][0] != entry[0]:
                seen.append(entry)
    return seen


async def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_the_probe_keeps_going_while_the_registrar_answers(registered: PhoneRig) -> None:
    await wait_for(lambda: registered.engine.names().count("probe_registrar") >= 3)
    assert state(registered) == "registered"
    assert registered.engine.names().count("register") == 0  # PJSIP's own REGISTER at start only


async def test_an_outage_shows_as_failed_and_recovery_registers_again(registered: PhoneRig) -> None:
    engine = registered.engine
    engine.registrar_down = True
    await wait_for(lambda: state(registered) == "failed")
    view = registered.phone.status().registration
    assert (view.sip_status, view.reason) == (408, "registrar not responding")
    # while it is down, the registrar is probed with back-off and no REGISTER is sent blindly
    await asyncio.sleep(0.6)
    assert engine.names().count("register") == 0
    assert state(registered) == "failed"
    assert registered.phone.status().registration.next_retry_in == pytest.approx(0.4)

    engine.registrar_down = False
    engine.probe_status = 404  # a restarted registrar has lost our binding
    await wait_for(lambda: state(registered) == "registered", timeout=1.0)  # within retry_max
    assert engine.names().count("register") == 1
    assert history(registered) == [
        ("registering", None, "sending REGISTER"),
        ("registered", 200, "OK"),
        ("failed", 408, "registrar not responding"),
        ("registering", 408, "sending REGISTER"),
        ("registered", 200, "OK"),
    ]


async def test_a_lost_binding_is_registered_again_at_once(registered: PhoneRig) -> None:
    registered.engine.probe_status = 404
    await wait_for(lambda: registered.engine.names().count("register") >= 1)
    await wait_for(lambda: state(registered) == "registered")


async def test_a_refused_register_backs_off_doubling_up_to_retry_max(registered: PhoneRig) -> None:
    engine = registered.engine
    retries: list[float] = []

    def record(event: object) -> None:
        if isinstance(event, RegistrationChanged) and event.registration.next_retry_in is not None:
            retries.append(event.registration.next_retry_in)

    registered.bus.add_listener(record)
    engine.register = _refusing(registered)  # type: ignore[method-assign]
    engine.emit(RegistrationFact(False, 403, "Forbidden"))
    await wait_for(lambda: len(retries) >= 5, timeout=3.0)
    assert retries[:5] == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.4])
    assert engine.names().count("register") >= 4
    assert state(registered) in ("failed", "registering")


def _refusing(rig: PhoneRig) -> Callable[[], object]:
    async def refuse() -> None:
        rig.engine.commands.append(("register", ()))
        rig.engine.emit(RegistrationFact(False, 403, "Forbidden"))

    return refuse


async def test_originate_is_refused_while_not_registered(registered: PhoneRig) -> None:
    from phonebar.errors import NotRegistered

    registered.engine.registrar_down = True
    await wait_for(lambda: state(registered) == "failed")
    with pytest.raises(NotRegistered):
        await registered.phone.originate("1001")
    assert "dial" not in registered.engine.names()
