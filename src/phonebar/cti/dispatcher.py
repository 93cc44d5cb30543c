"""The CTI dispatcher: a listener on the event bus that starts the actions of matching rules.

The listener only matches rules and starts tasks, so the bus (and the call that
published the event) never waits for an action. Every action is an asyncio task
owned here: its outcome is logged and counted, never raised, and at most
``max_pending`` actions are in flight (more are refused and counted as
failures). Network waits are async (webhook); blocking work runs in a thread
(browser) or another process (run).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from phonebar.cti.browser import BrowserLauncher
from phonebar.cti.program import ProgramOptions, run_program
from phonebar.cti.rules import ActionFailed, ActionKind, Firing, Rule, triggers_of
from phonebar.cti.webhook import WebhookSender
from phonebar.domain.events import CallEvent, Event
from phonebar.domain.views import CtiFailureView, CtiStatsView

log = logging.getLogger(__name__)

Action = Callable[[Firing], Awaitable[str]]


class CtiDispatcher:
    """Implements :class:`~phonebar.domain.ports.CtiPort`; call it with each published event."""

    def __init__(
        self,
        rules: Sequence[Rule],
        *,
        webhooks: WebhookSender,
        browser: BrowserLauncher,
        programs: ProgramOptions,
        clock: Callable[[], datetime],
        max_pending: int = 64,
    ) -> None:
        self._rules = tuple(rules)
        self._webhooks = webhooks
        self._browser = browser
        self._programs = programs
        self._clock = clock
        self._max_pending = max_pending
        self._tasks: set[asyncio.Task[None]] = set()
        self._actions = 0
        self._succeeded = 0
        self._failures = 0
        self._last_failure: CtiFailureView | None = None
        self._stopping = False

    # -- the bus listener ------------------------------------------------------------

    def __call__(self, event: Event) -> None:
        if not self._rules or not isinstance(event, CallEvent) or self._stopping:
            return
        for trigger in triggers_of(event):
            for rule in self._rules:
                if rule.matches(trigger, event.call):
                    self._start(Firing(rule, trigger, event))

    def _start(self, firing: Firing) -> None:
        self._actions += 1
        if len(self._tasks) >= self._max_pending:
            self._failed(firing, f"{len(self._tasks)} CTI actions are still running: not starting another")
            return
        log.debug("%s for call %s: starting", firing.rule.label, firing.event.call.session_id)
        task = asyncio.get_running_loop().create_task(self._run(firing), name=firing.rule.label)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, firing: Firing) -> None:
        started = time.monotonic()
        try:
            outcome = await self._action(firing.rule)(firing)
        except ActionFailed as exc:
            self._failed(firing, str(exc))
        except asyncio.CancelledError:
            self._failed(firing, "cancelled: the daemon is stopping")
            raise
        except Exception as exc:
            log.exception("%s: unexpected failure", firing.rule.label)
            self._failed(firing, f"unexpected {type(exc).__name__}: {exc}")
        else:
            self._succeeded += 1
            log.info(
                "%s for call %s: %s (%.0f ms)",
                firing.rule.label,
                firing.event.call.session_id,
                outcome,
                (time.monotonic() - started) * 1000,
            )

    def _action(self, rule: Rule) -> Action:
        if rule.action is ActionKind.WEBHOOK:
            return self._webhooks.send
        if rule.action is ActionKind.OPEN_URL:
            return self._browser.open
        programs = self._programs
        return lambda firing: run_program(firing, programs)

    def _failed(self, firing: Firing, problem: str) -> None:
        self._failures += 1
        session_id = firing.event.call.session_id
        self._last_failure = CtiFailureView(
            rule=firing.rule.index, session_id=session_id, problem=problem, at=self._clock()
        )
        log.warning("%s for call %s failed: %s", firing.rule.label, session_id, problem)

    # -- life cycle and status -------------------------------------------------------

    def start(self) -> None:
        if any(rule.action is ActionKind.WEBHOOK for rule in self._rules):
            self._webhooks.start()

    async def stop(self, timeout: float = 3.0) -> None:
        """Let running actions finish (``ended`` rules fired by the shutdown's hang-ups
        included) for at most ``timeout`` seconds, then cancel the rest."""
        self._stopping = True
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        await self._webhooks.close()

    def stats(self) -> CtiStatsView:
        return CtiStatsView(
            rules=len(self._rules),
            actions=self._actions,
            succeeded=self._succeeded,
            failures=self._failures,
            running=len(self._tasks),
            last_failure=self._last_failure,
        )
