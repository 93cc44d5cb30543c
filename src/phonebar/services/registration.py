"""Keeps the account registered: tracks the state, retries with back-off, and probes the
registrar so an outage (or a registrar that lost our binding) is noticed between refreshes.

States: ``unregistered`` (no account, registration off, or after un-REGISTER),
``registering``, ``registered``, ``failed`` (with the SIP status and reason).
Every change publishes ``registration_changed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from phonebar.domain.events import RegistrationChanged
from phonebar.domain.ports import RegistrationFact
from phonebar.domain.states import RegistrationState
from phonebar.domain.views import RegistrationView
from phonebar.errors import PhonebarError
from phonebar.services.context import PhoneContext

log = logging.getLogger(__name__)

_BINDING_LOST = frozenset({404, 480})


@dataclass(frozen=True)
class RegistrationPolicy:
    configured: bool  # an account with a registrar exists
    enabled: bool  # account.register
    retry_max: float
    keepalive: float  # 0 = no probing
    first_retry: float = 1.0  # the back-off doubles from here up to retry_max
    probe_timeout: float = 3.0  # an OPTIONS unanswered this long means the registrar is down


class RegistrationKeeper:
    def __init__(self, ctx: PhoneContext, policy: RegistrationPolicy) -> None:
        self._ctx = ctx
        self._policy = policy
        reason = "registration is off" if policy.configured else "no account configured"
        self._view = RegistrationView(RegistrationState.UNREGISTERED, None, reason, ctx.clock())
        self._changed = asyncio.Event()
        self._backoff = policy.first_retry
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.failures = 0

    @property
    def view(self) -> RegistrationView:
        return self._view

    @property
    def state(self) -> RegistrationState:
        return self._view.state

    @property
    def active(self) -> bool:
        return self._policy.configured and self._policy.enabled

    def start(self) -> None:
        """The engine registers as it adds the account; from here on we follow and repair it."""
        if not self.active:
            return
        if self.state is RegistrationState.UNREGISTERED:  # the registrar may have answered already
            self._set(RegistrationState.REGISTERING, None, "sending REGISTER")
        self._task = asyncio.get_running_loop().create_task(self._supervise(), name="registration")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def on_fact(self, fact: RegistrationFact) -> None:
        if fact.unregistering or self._stopping:
            self._set(RegistrationState.UNREGISTERED, fact.sip_status, fact.reason or "unregistered")
        elif fact.active and 200 <= fact.sip_status < 300:
            self._backoff = self._policy.first_retry
            self._set(RegistrationState.REGISTERED, fact.sip_status, fact.reason, expires=fact.expires)
        else:
            self.failures += 1
            self._set(RegistrationState.FAILED, fact.sip_status, fact.reason or "registration failed")

    # -- the supervisor ----------------------------------------------------------

    async def _supervise(self) -> None:
        while True:
            try:
                if self.state is RegistrationState.FAILED:
                    await self._retry_after_backoff()
                elif self.state is RegistrationState.REGISTERED and self._policy.keepalive:
                    if not await self._wait_change(self._policy.keepalive):
                        await self._probe()
                else:
                    await self._wait_change(None)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("registration supervisor")
                await asyncio.sleep(1.0)

    async def _retry_after_backoff(self) -> None:
        delay = min(self._backoff, self._policy.retry_max)
        self._backoff = min(self._backoff * 2, self._policy.retry_max)
        self._set(self.state, self._view.sip_status, self._view.reason, next_retry_in=delay)
        if await self._wait_change(delay):
            return
        if self._policy.keepalive and not await self._registrar_answers():
            return  # still down: stay failed, back off further
        await self._register()

    async def _probe(self) -> None:
        try:
            status = await asyncio.wait_for(self._ctx.engine.probe_registrar(), self._policy.probe_timeout)
        except (TimeoutError, PhonebarError):
            self.failures += 1
            log.warning("registrar did not answer OPTIONS within %.1f s", self._policy.probe_timeout)
            self._set(RegistrationState.FAILED, 408, "registrar not responding")
            return
        if status in _BINDING_LOST:
            log.warning("registrar no longer knows our contact (%d): registering again", status)
            await self._register()

    async def _registrar_answers(self) -> bool:
        try:
            await asyncio.wait_for(self._ctx.engine.probe_registrar(), self._policy.probe_timeout)
        except (TimeoutError, PhonebarError):
            return False
        return True

    async def _register(self) -> None:
        self._set(RegistrationState.REGISTERING, self._view.sip_status, "sending REGISTER")
        try:
            await self._ctx.engine.register()
        except PhonebarError as exc:
            self._set(RegistrationState.FAILED, None, exc.message)

    async def _wait_change(self, timeout: float | None) -> bool:
        """True if the state changed before ``timeout``."""
        self._changed.clear()
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def _set(
        self,
        state: RegistrationState,
        sip_status: int | None,
        reason: str,
        *,
        expires: int | None = None,
        next_retry_in: float | None = None,
    ) -> None:
        old = self._view
        since = old.since if state is old.state else self._ctx.clock()
        new = RegistrationView(state, sip_status, reason, since, expires, next_retry_in)
        if new == old:
            return
        if state is not old.state:
            log.info("registration: %s -> %s (%s %s)", old.state.value, state.value, sip_status or "", reason)
            self._changed.set()
        self._view = new
        self._ctx.publish(RegistrationChanged(registration=new))
