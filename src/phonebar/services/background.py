"""The owner of follow-up work started by the services (resume after a failed transfer,
auto-answer, hanging up a transferred leg): each task is tracked, its failure logged,
and :meth:`drain` waits for all of them at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from phonebar.errors import PhonebarError

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, object], what: str) -> None:
        async def guarded() -> None:
            try:
                await work
            except PhonebarError as exc:
                log.info("%s: %s", what, exc.message)
            except Exception:
                log.exception("%s failed", what)

        task = asyncio.get_running_loop().create_task(guarded(), name=what)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait (bounded) for the tasks in flight; cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(list(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
