"""Do not disturb over the FakeEngine: inbound calls rejected with the configured status,
ended with reason ``dnd``, and ``dnd_changed`` only on a real change."""

from __future__ import annotations

import asyncio

from phonebar.cti.rules import Trigger, triggers_of
from phonebar.domain.events import CallCreated, CallEnded, DndChanged
from phonebar.services.context import PhoneOptions
from tests.conftest import build_rig


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_dnd_rejects_inbound_calls_with_486_and_ends_them_as_dnd() -> None:
    rig = build_rig()
    await rig.phone.start()
    assert rig.phone.set_dnd(True) is True
    session_id = rig.engine.incoming()
    await settle()

    assert rig.engine.commands[-1] == ("reject", (session_id, 486))
    assert rig.phone.calls() == []
    assert rig.events.states(session_id) == ["ringing", "ended"]
    [ended] = [event for event in rig.events.events if isinstance(event, CallEnded)]
    assert ended.reason.value == "dnd"
    assert rig.phone.call(session_id).end_reason.value == "dnd"  # type: ignore[union-attr]
    assert rig.phone.status().dnd is True
    await rig.phone.stop()


async def test_a_call_dnd_turns_away_pops_no_ringing_action_only_a_missed_one() -> None:
    rig = build_rig()
    await rig.phone.start()
    rig.phone.set_dnd(True)
    turned_away = rig.engine.incoming()
    await settle()
    rig.phone.set_dnd(False)
    rings = rig.engine.incoming()
    await settle()
    created = {e.call.session_id: e for e in rig.events.events if isinstance(e, CallCreated)}
    assert (created[turned_away].turned_away, created[rings].turned_away) == (True, False)
    fired = [trigger for event in rig.events.events for trigger in triggers_of(event)]
    assert fired == [Trigger.ENDED, Trigger.MISSED, Trigger.RINGING]  # the first never rang
    await rig.phone.stop()


async def test_dnd_status_is_configurable_and_dnd_can_start_on() -> None:
    rig = build_rig(PhoneOptions(domain="pbx.test", dnd=True, dnd_status=603))
    await rig.phone.start()
    assert rig.phone.dnd is True
    session_id = rig.engine.incoming()
    await settle()
    assert rig.engine.commands[-1] == ("reject", (session_id, 603))
    await rig.phone.stop()


async def test_dnd_off_lets_calls_ring_again_and_events_only_mark_changes() -> None:
    rig = build_rig()
    await rig.phone.start()
    rig.phone.set_dnd(True)
    rig.phone.set_dnd(True)
    rig.phone.set_dnd(False)
    rig.phone.set_dnd(False)
    assert [event.dnd for event in rig.events.events if isinstance(event, DndChanged)] == [True, False]

    session_id = rig.engine.incoming()
    await settle()
    [call] = rig.phone.calls()
    assert (call.session_id, call.state.value) == (session_id, "ringing")
    assert "reject" not in rig.engine.names()
    await rig.phone.stop()
