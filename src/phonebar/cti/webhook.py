"""The ``webhook`` action: POST the call as JSON, or GET a URL, on the asyncio loop.

Each attempt is bounded by ``timeout``; a connection error, a timeout, a 429 or
a 5xx is retried ``retries`` times with a doubling back-off; any other status
of 400 or more fails at once. At most ``concurrency`` requests are in flight;
the others wait their turn (the back-off sleeps do not hold a slot).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import httpx

from phonebar.cti.rules import ActionFailed, Firing
from phonebar.cti.templates import render_json
from phonebar.cti.variables import CallVariables
from phonebar.domain.serialize import event_to_dict

log = logging.getLogger(__name__)

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 8.0
_RETRY_STATUSES = frozenset({408, 425, 429})


@dataclass(frozen=True)
class WebhookOptions:
    timeout: float = 5.0
    retries: int = 2
    concurrency: int = 8
    user_agent: str = "phonebar"


class WebhookSender:
    """Owns the HTTP client; :meth:`send` runs one webhook to the end (or raises ActionFailed)."""

    def __init__(self, options: WebhookOptions, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._options = options
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._slots: asyncio.Semaphore | None = None

    def start(self) -> None:
        """Build the client now: it loads the TLS trust store, which takes long enough
        (tens of ms) that it must not happen while a call rings."""
        self._ready()

    def _ready(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        if self._client is None or self._slots is None:
            self._client = httpx.AsyncClient(
                timeout=self._options.timeout,
                follow_redirects=False,
                headers={"User-Agent": self._options.user_agent},
                transport=self._transport,
            )
            self._slots = asyncio.Semaphore(self._options.concurrency)
        return self._client, self._slots

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send(self, firing: Firing) -> str:
        """Returns a short description of the success (``POST ... -> 200``)."""
        rule = firing.rule
        assert rule.url is not None
        variables = CallVariables.of(firing.trigger.value, firing.event)
        url = rule.url.render_url(variables)
        headers = {name: _header_safe(value.render(variables)) for name, value in rule.http_headers}
        body: Any = None
        if rule.method == "POST":
            if rule.body is not None:
                body = render_json(rule.body, variables)
            else:
                body = {"trigger": firing.trigger.value, **event_to_dict(firing.event)}
        client, slots = self._ready()
        attempts = self._options.retries + 1
        backoff = FIRST_BACKOFF
        problem = ""
        for attempt in range(1, attempts + 1):
            async with slots:
                try:
                    response = await client.request(rule.method, url, json=body, headers=headers)
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                else:
                    if response.status_code < 400:
                        return f"{rule.method} {_short(url)} -> {response.status_code}"
                    problem = f"HTTP {response.status_code}"
                    if response.status_code < 500 and response.status_code not in _RETRY_STATUSES:
                        break
            if attempt < attempts:
                log.info("%s: %s %s failed (%s), retrying", rule.label, rule.method, _short(url), problem)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
        raise ActionFailed(f"{rule.method} {_short(url)}: {problem} (after {attempt} attempt(s))")


def _header_safe(value: str) -> str:
    return "".join(ch for ch in value if ch.isprintable())


def _short(url: str) -> str:
    """The URL without its query string: a query may carry a CRM token or the caller's number."""
    return url.split("?", 1)[0]
