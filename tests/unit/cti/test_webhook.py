"""The webhook action over httpx's MockTransport: payloads, retries, back-off, concurrency."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from phonebar.cti import webhook
from phonebar.cti.rules import ActionFailed
from phonebar.cti.templates import Template
from phonebar.cti.webhook import WebhookOptions, WebhookSender
from tests.unit.cti.firings import ringing, webhook_rule


@pytest.fixture(autouse=True)
def _quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook, "FIRST_BACKOFF", 0.01)


def sender(handler: object, **options: object) -> WebhookSender:
    return WebhookSender(WebhookOptions(**options), transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


async def test_post_sends_the_event_as_json_with_the_trigger() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    hooks = sender(handler, user_agent="phonebar/9")
    rule = webhook_rule("http://crm.test/pop?number={number}&name={name}&queue={X-Queue}")
    outcome = await hooks.send(ringing(rule, name="Zoë & Co"))
    await hooks.close()
    [request] = seen
    assert request.method == "POST"
    assert str(request.url) == "http://crm.test/pop?number=1003&name=Zo%C3%AB%20%26%20Co&queue=sales"
    assert request.headers["user-agent"] == "phonebar/9"
    body = json.loads(request.content)
    assert body["trigger"] == "ringing"
    assert body["type"] == "call_created"
    assert body["seq"] == 7
    assert body["call"]["sessionId"] == "k3f9q2-1"
    assert body["call"]["headers"] == {"X-Queue": "sales", "User-Agent": "Asterisk PBX"}
    assert outcome == "POST http://crm.test/pop -> 204"  # the query (a token, a number) stays out of logs


async def test_get_calls_the_url_without_a_body() -> None:
    seen: list[httpx.Request] = []
    hooks = sender(lambda request: seen.append(request) or httpx.Response(200))
    await hooks.send(ringing(webhook_rule("http://crm.test/pop/{number}", method="GET")))
    assert [(r.method, str(r.url), r.content) for r in seen] == [("GET", "http://crm.test/pop/1003", b"")]


async def test_a_body_template_and_request_headers() -> None:
    seen: list[httpx.Request] = []
    rule = webhook_rule(
        "https://helpdesk.test/api/tickets",
        body={"subject": "Call from {name} ({number})", "queue": "{X-Queue}", "priority": 2},
        http_headers=(
            ("Authorization", Template.parse("Bearer s3cret")),
            ("X-Caller", Template.parse("{name}")),
        ),
    )
    hooks = sender(lambda request: seen.append(request) or httpx.Response(201))
    await hooks.send(ringing(rule))
    [request] = seen
    assert json.loads(request.content) == {
        "subject": "Call from Carol (1003)",
        "queue": "sales",
        "priority": 2,
    }
    assert request.headers["authorization"] == "Bearer s3cret"
    assert request.headers["x-caller"] == "Carol"


async def test_5xx_and_connection_errors_are_retried_then_fail() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(503)

    with pytest.raises(ActionFailed, match=r"HTTP 503 \(after 3 attempt"):
        await sender(handler, retries=2).send(ringing(webhook_rule("http://crm.test/")))
    assert len(attempts) == 3


async def test_a_retry_that_succeeds_is_a_success() -> None:
    statuses = iter([500, 200])
    outcome = await sender(lambda request: httpx.Response(next(statuses)), retries=1).send(
        ringing(webhook_rule("http://crm.test/"))
    )
    assert outcome.endswith("-> 200")


async def test_a_4xx_is_not_retried() -> None:
    attempts: list[int] = []
    with pytest.raises(ActionFailed, match="HTTP 404"):
        await sender(lambda request: attempts.append(1) or httpx.Response(404), retries=3).send(
            ringing(webhook_rule("http://crm.test/"))
        )
    assert len(attempts) == 1


async def test_each_attempt_is_bounded_by_the_timeout() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    hooks = WebhookSender(WebhookOptions(timeout=0.1, retries=1), transport=_AsyncMock(handler))
    started = asyncio.get_running_loop().time()
    with pytest.raises(ActionFailed, match="Timeout"):
        await hooks.send(ringing(webhook_rule("http://crm.test/")))
    assert asyncio.get_running_loop().time() - started < 2


async def test_no_more_than_concurrency_requests_at_once() -> None:
    in_flight = 0
    most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        await asyncio.sleep(0.02)
        in_flight -= 1
        return httpx.Response(200)

    hooks = WebhookSender(WebhookOptions(concurrency=3), transport=_AsyncMock(handler))
    rule = webhook_rule("http://crm.test/")
    await asyncio.gather(*(hooks.send(ringing(rule)) for _ in range(10)))
    assert most == 3


class _AsyncMock(httpx.AsyncBaseTransport):
    """MockTransport with an async handler whose timeouts behave like a network's."""

    def __init__(self, handler: object) -> None:
        self._handler = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            return await asyncio.wait_for(self._handler(request), timeout)  # type: ignore[operator]
        except TimeoutError:
            raise httpx.ReadTimeout("timed out", request=request) from None
