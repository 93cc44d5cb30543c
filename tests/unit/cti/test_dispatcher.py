"""The CTI dispatcher on the bus of a Phone over the FakeEngine: rules fire on real call events,
failures are counted and never touch the call, and in-flight actions are bounded."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from phonebar.cti import webhook
from phonebar.cti.browser import BrowserLauncher, BrowserOptions
from phonebar.cti.dispatcher import CtiDispatcher
from phonebar.cti.program import ProgramOptions
from phonebar.cti.rules import Rule, Trigger
from phonebar.cti.webhook import WebhookOptions, WebhookSender
from tests.conftest import PhoneRig, build_rig
from tests.unit.cti.firings import run_rule, webhook_rule

WRITE_EVENT = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + ' ' + sys.argv[3] + '\\n')"


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


def dispatcher(rules: list[Rule], handler: object = None, max_pending: int = 64) -> CtiDispatcher:
    transport = httpx.MockTransport(handler or (lambda request: httpx.Response(200)))  # type: ignore[arg-type]
    return CtiDispatcher(
        rules,
        webhooks=WebhookSender(WebhookOptions(retries=0), transport=transport),
        browser=BrowserLauncher(BrowserOptions(), lambda url: True),
        programs=ProgramOptions(timeout=10),
        clock=lambda: datetime.now(UTC),
        max_pending=max_pending,
    )


@pytest.fixture
async def rig() -> AsyncIterator[PhoneRig]:
    rig = build_rig()
    await rig.phone.start()
    yield rig
    await rig.phone.stop()


async def wait_idle(cti: CtiDispatcher) -> None:
    for _ in range(500):
        if cti.stats().running == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("CTI actions still running")


async def test_rules_fire_on_the_calls_events_in_order(rig: PhoneRig, tmp_path: Path) -> None:
    log = tmp_path / "cti.log"
    rules = [
        run_rule(sys.executable, "-c", WRITE_EVENT, str(log), "{event}", "{sessionId}", index=index)
        for index in range(3)
    ]
    rules = [
        dataclasses.replace(rule, trigger=trigger)
        for rule, trigger in zip(rules, [Trigger.RINGING, Trigger.ANSWERED, Trigger.ENDED], strict=True)
    ]
    cti = dispatcher(rules)
    rig.bus.add_listener(cti)
    session_id = rig.engine.incoming()
    await settle()
    await wait_idle(cti)
    await rig.phone.answer(session_id)
    await settle()
    await wait_idle(cti)
    await rig.phone.hangup(session_id)
    await settle()
    await wait_idle(cti)
    assert log.read_text().split("\n") == [
        f"ringing {session_id}",
        f"answered {session_id}",
        f"ended {session_id}",
        "",
    ]
    stats = cti.stats()
    assert (stats.rules, stats.actions, stats.succeeded, stats.failures) == (3, 3, 3, 0)
    await cti.stop()


async def test_a_failing_action_is_counted_and_the_call_goes_on(
    rig: PhoneRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhook, "FIRST_BACKOFF", 0.01)

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    cti = dispatcher([webhook_rule("http://crm.test/pop?n={number}")], refuse)
    rig.bus.add_listener(cti)
    session_id = rig.engine.incoming()
    await settle()
    await rig.phone.answer(session_id)
    await settle()
    await wait_idle(cti)
    assert rig.events.states(session_id) == ["ringing", "connected"]
    stats = cti.stats()
    assert (stats.actions, stats.succeeded, stats.failures) == (1, 0, 1)
    assert stats.last_failure is not None
    assert stats.last_failure.session_id == session_id
    assert "ConnectError" in stats.last_failure.problem
    await cti.stop()


async def test_filters_pick_the_rules(rig: PhoneRig) -> None:
    seen: list[str] = []
    rules = [
        dataclasses.replace(webhook_rule("http://crm.test/a"), number=re.compile("^1001$")),
        dataclasses.replace(webhook_rule("http://crm.test/b"), number=re.compile("^9")),
    ]
    cti = dispatcher(rules, lambda request: seen.append(request.url.path) or httpx.Response(200))
    rig.bus.add_listener(cti)
    rig.engine.incoming('"Alice" <sip:1001@pbx.test>')
    await settle()
    await wait_idle(cti)
    assert seen == ["/a"]
    await cti.stop()


async def test_actions_in_flight_are_bounded(rig: PhoneRig) -> None:
    release = asyncio.Event()

    async def slow(request: httpx.Request) -> httpx.Response:
        await release.wait()
        return httpx.Response(200)

    cti = CtiDispatcher(
        [webhook_rule("http://crm.test/")],
        webhooks=WebhookSender(WebhookOptions(retries=0), transport=_Async(slow)),
        browser=BrowserLauncher(BrowserOptions(), lambda url: True),
        programs=ProgramOptions(),
        clock=lambda: datetime.now(UTC),
        max_pending=2,
    )
    rig.bus.add_listener(cti)
    for _ in range(3):
        rig.engine.incoming()
        await settle()
    stats = cti.stats()
    assert (stats.actions, stats.running, stats.failures) == (3, 2, 1)
    assert stats.last_failure is not None
    assert "still running" in stats.last_failure.problem
    release.set()
    await wait_idle(cti)
    assert cti.stats().succeeded == 2
    await cti.stop()


async def test_stop_cancels_what_does_not_finish(rig: PhoneRig) -> None:
    async def never(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(60)
        return httpx.Response(200)

    cti = CtiDispatcher(
        [webhook_rule("http://crm.test/")],
        webhooks=WebhookSender(WebhookOptions(retries=0, timeout=60), transport=_Async(never)),
        browser=BrowserLauncher(BrowserOptions(), lambda url: True),
        programs=ProgramOptions(),
        clock=lambda: datetime.now(UTC),
    )
    rig.bus.add_listener(cti)
    rig.engine.incoming()
    await settle()
    await cti.stop(timeout=0.1)
    stats = cti.stats()
    assert (stats.running, stats.failures) == (0, 1)
    rig.engine.incoming()
    await settle()
    assert cti.stats().actions == 1, "a stopped dispatcher starts nothing"


class _Async(httpx.AsyncBaseTransport):
    def __init__(self, handler: object) -> None:
        self._handler = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._handler(request)  # type: ignore[operator, no-any-return]
