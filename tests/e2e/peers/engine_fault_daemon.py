"""The real daemon (as ``phonebar run --config FILE`` serves it) on the real engine, made to
die for the engine-death test: on SIGUSR1 a command runs out of memory on the engine
thread, as any command could if the process ran out of memory there.

The engine is a subclass of :class:`PjsipEngine` that adds only that one command; it
goes through the engine's own queue, so what follows is the production path: the
command loop sees a fatal error, the engine thread ends (hanging up, un-REGISTERing,
destroying PJSIP), the daemon is told and ``serve`` exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from phonebar.app import Daemon, engine_config
from phonebar.cli import setup_logging
from phonebar.config import Settings, load_settings
from phonebar.engine.pjsip_engine import PjsipEngine
from phonebar.server import serve

log = logging.getLogger("engine_fault_daemon")


def out_of_memory() -> None:
    raise MemoryError("the engine thread could not allocate")


class DoomedEngine(PjsipEngine):
    """The production engine, plus a command that raises ``MemoryError`` on its thread."""

    async def run_out_of_memory(self) -> None:
        await self._run(out_of_memory)


def doomed_engine(settings: Settings, new_session_id: Callable[[], str]) -> DoomedEngine:
    return DoomedEngine(engine_config(settings), new_session_id)


async def main(config: Path) -> int:
    settings = load_settings(config)
    setup_logging(settings.log.level)
    daemon = Daemon(settings, engine_factory=doomed_engine)  # no sound devices, as in every test
    engine = daemon.engine
    assert isinstance(engine, DoomedEngine)
    faults: set[asyncio.Task[None]] = set()

    def fault() -> None:
        log.warning("SIGUSR1: a command on the engine thread runs out of memory")
        task = asyncio.ensure_future(engine.run_out_of_memory())
        faults.add(task)
        task.add_done_callback(lambda done: log.warning("the command failed: %r", done.exception()))

    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, fault)
    return await serve(settings, daemon)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, required=True)
    sys.exit(asyncio.run(main(parser.parse_args().config)))
