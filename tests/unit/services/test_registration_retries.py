"""The registration supervisor: back-off after failures, outages seen by the probe, lost bindings."""

from __future__ import annotations

import asyncio

from phonebar.domain.ports import RegistrationFact
from phonebar.services.context import PhoneOptions
from phonebar.services.registration import RegistrationPolicy
from tests.conftest import PhoneRig, build_rig


async def wait_state(rig: PhoneRig, state: str, timeout: float = 3.0) -> None:
    async def reached() -> None:
        while rig.phone.registration.state.value != state:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(reached(), timeout)


def policy(keepalive: float = 0.0) -> RegistrationPolicy:
    return RegistrationPolicy(
        configured=True, enabled=True, retry_max=0.2, keepalive=keepalive, probe_timeout=0.1
    )


def states(rig: PhoneRig) -> list[str]:
    return [
        event.registration.state.value for event in rig.events.events if event.type == "registration_changed"
    ]  # type: ignore[attr-defined]


async def test_registers_then_a_failure_is_retried_with_back_off() -> None:
    rig = build_rig(PhoneOptions(domain="pbx.test"), policy())
    await rig.phone.start()
    await wait_state(rig, "registered")
    rig.engine.register_status = 403
    rig.engine.emit(RegistrationFact(False, 403, "Forbidden"))
    await wait_state(rig, "failed")
    assert rig.phone.registration.view.sip_status == 403
    await asyncio.sleep(0.5)
    attempts = rig.engine.names().count("register")
    assert attempts >= 2, "no retry after the failure"
    rig.engine.register_status = 200
    await wait_state(rig, "registered", timeout=2)
    await rig.phone.stop()
    seen = states(rig)
    assert seen[:3] == ["registering", "registered", "failed"]
    assert "registering" in seen[3:]  # each retry shows itself
    assert seen[-2:] == ["registered", "unregistered"]


async def test_an_unanswered_probe_shows_the_outage_until_the_registrar_answers() -> None:
    rig = build_rig(PhoneOptions(domain="pbx.test"), policy(keepalive=0.05))
    await rig.phone.start()
    await wait_state(rig, "registered")
    rig.engine.probe_delay = 1.0
    await wait_state(rig, "failed")
    view = rig.phone.registration.view
    assert (view.sip_status, view.reason) == (408, "registrar not responding")
    registers = rig.engine.names().count("register")
    await asyncio.sleep(0.4)
    assert rig.engine.names().count("register") == registers, (
        "REGISTER sent to a registrar that does not answer"
    )
    rig.engine.probe_delay = 0.0
    await wait_state(rig, "registered", timeout=2)
    await rig.phone.stop()


async def test_a_registrar_that_forgot_us_is_registered_with_again() -> None:
    rig = build_rig(PhoneOptions(domain="pbx.test"), policy(keepalive=0.05))
    await rig.phone.start()
    await wait_state(rig, "registered")
    before = rig.engine.names().count("register")
    rig.engine.probe_status = 404
    await asyncio.sleep(0.3)
    assert rig.engine.names().count("register") > before
    assert rig.phone.registration.state.value == "registered"
    await rig.phone.stop()
