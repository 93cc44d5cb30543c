"""Everything one benchmark run starts on 127.0.0.1, with fresh ports, in a fresh folder:

- Kamailio (registrar and proxy with digest auth, the end-to-end test bed's config);
- per program two daemons: a *direct* one (no account: API, click-to-dial and screen-pop, so
  only the daemon is timed) and a *registered* one (through Kamailio: call setup, footprint).
  phonebar: ``phonebar`` and ``phonebar-alice``; baresip: ``baresip`` and ``baresip-bob``;
- the peers: an :class:`InviteSink`, a :class:`Caller`, an :class:`Answerer` registered as
  ``erin``, a webhook server, and an SSE client on the direct phonebar.

Every process has a hard lifetime and is stopped by its PID.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from tests.e2e.harness.audio import make_tone
from tests.e2e.harness.kamailio import USERS, Kamailio
from tests.e2e.harness.phonebar_process import PhonebarProcess

from bench.baresip_process import BaresipProcess
from bench.clients import HttpClient, SseClient, WebhookServer
from bench.sip_peers import Answerer, Caller, InviteSink

LIFETIME = 3600.0
CALLER_NUMBER = "5551234"
CALLEE = "erin"

# what a user runs: default log levels, no recording, a tone as microphone (baresip: a sine)
PHONEBAR_SETTINGS: dict[str, dict[str, Any]] = {
    "log": {"level": "info", "sip_level": 2},
    "audio": {"record_dir": None},
}


class BenchBed:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.kamailio = Kamailio(folder)
        self.webhook = WebhookServer()
        self.sink = InviteSink()
        self.caller = Caller(CALLER_NUMBER)
        self.answerer = Answerer(CALLEE, USERS[CALLEE], ("127.0.0.1", self.kamailio.port))
        self.phonebar: PhonebarProcess | None = None
        self.phonebar_registered: PhonebarProcess | None = None
        self.baresip = BaresipProcess("baresip", folder)
        self.baresip_registered = BaresipProcess("baresip-bob", folder, kamailio=self.kamailio, user="bob")
        self.sse: SseClient | None = None
        self.api: HttpClient | None = None
        self.api_registered: HttpClient | None = None
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> BenchBed:
        try:
            await self._start()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    async def _start(self) -> None:
        stack = self._stack
        self.kamailio.start()
        stack.callback(self.kamailio.stop)
        await self.webhook.start()
        stack.push_async_callback(self.webhook.close)
        for peer in (self.sink, self.caller, self.answerer):
            peer.start()
            stack.callback(peer.close)
        await self.answerer.register()

        tone = make_tone(self.folder / "tone-1000.wav", 1000, seconds=5.0)
        settings = {**PHONEBAR_SETTINGS, "audio": {**PHONEBAR_SETTINGS["audio"], "input": str(tone)}}
        cti = {
            "cti": {
                "rules": [
                    {
                        "event": "ringing",
                        "action": "webhook",
                        "url": f"http://127.0.0.1:{self.webhook.port}/pop?number={{number}}",
                        "method": "GET",
                    }
                ]
            }
        }
        self.phonebar = PhonebarProcess(
            "phonebar", self.folder, settings={**settings, **cti}, lifetime=LIFETIME
        )
        self.phonebar_registered = PhonebarProcess(
            "phonebar-alice",
            self.folder,
            kamailio=self.kamailio,
            user="alice",
            settings=settings,
            lifetime=LIFETIME,
        )
        for phone in (self.phonebar, self.phonebar_registered):
            stack.callback(phone.stop)
        # both phonebars start at once: each waits seconds for its SIP stack and registration
        await asyncio.gather(
            asyncio.to_thread(self.phonebar.start), asyncio.to_thread(self.phonebar_registered.start)
        )
        for baresip in (self.baresip, self.baresip_registered):
            stack.push_async_callback(baresip.stop)
            await baresip.start()

        self.api = await HttpClient("127.0.0.1", self.phonebar.api_port).connect()
        stack.push_async_callback(self.api.close)
        self.api_registered = await HttpClient("127.0.0.1", self.phonebar_registered.api_port).connect()
        stack.push_async_callback(self.api_registered.close)
        self.sse = await SseClient("127.0.0.1", self.phonebar.api_port).start()
        stack.push_async_callback(self.sse.close)
        await asyncio.wait_for(self.sse.connected.wait(), 10)

    # -- helpers the measurements share ---------------------------------------------------

    @property
    def phonebar_registered_pid(self) -> int:
        assert self.phonebar_registered is not None
        assert self.phonebar_registered.process is not None
        return self.phonebar_registered.process.pid

    async def phonebar_calls(self, registered: bool = False) -> list[dict[str, Any]]:
        client = self.api_registered if registered else self.api
        assert client is not None
        answer = await client.get("/api/calls")
        result: list[dict[str, Any]] = answer.json()
        return result

    async def phonebar_idle(self, registered: bool = False, timeout: float = 10.0) -> None:
        """Wait until the phonebar has no call in progress."""
        async with asyncio.timeout(timeout):
            while await self.phonebar_calls(registered):
                await asyncio.sleep(0.02)

    async def phonebar_hang_up(self, registered: bool = False) -> None:
        client = self.api_registered if registered else self.api
        assert client is not None
        await client.get("/api/hangup")
        await self.phonebar_idle(registered)
