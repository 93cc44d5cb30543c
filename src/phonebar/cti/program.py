"""The ``run`` action: a program and its arguments, never through a shell.

Each argument template renders to exactly one argv item, so a caller named
``"; rm -rf ~ #`` reaches the program as that text. The program gets no stdin,
runs in its own session (so a timeout kills its children too), and is killed
(SIGKILL to the whole group) after ``timeout`` seconds. Its output is read and
kept to the first :data:`OUTPUT_KEPT` bytes, for the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from dataclasses import dataclass

from phonebar.cti.rules import ActionFailed, Firing
from phonebar.cti.variables import CallVariables

log = logging.getLogger(__name__)

OUTPUT_KEPT = 2000


@dataclass(frozen=True)
class ProgramOptions:
    timeout: float = 30.0


def render_argv(firing: Firing) -> list[str]:
    variables = CallVariables.of(firing.trigger.value, firing.event)
    return [part.render(variables) for part in firing.rule.command]


async def run_program(firing: Firing, options: ProgramOptions) -> str:
    argv = render_argv(firing)
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        raise ActionFailed(f"cannot start {argv[0]}: {exc.strerror or exc}") from None
    assert process.stdout is not None
    reader = asyncio.create_task(_read_bounded(process.stdout))
    try:
        code = await asyncio.wait_for(process.wait(), options.timeout)
    except TimeoutError:
        _kill_group(process.pid)
        await process.wait()
        raise ActionFailed(f"{argv[0]} killed after {options.timeout:g} s") from None
    except asyncio.CancelledError:
        _kill_group(process.pid)
        raise
    finally:
        output = await _finish(reader)
    if output:
        log.debug("%s (pid %d) said: %s", argv[0], process.pid, output)
    if code != 0:
        tail = f": {output[-300:]}" if output else ""
        raise ActionFailed(f"{argv[0]} exited with {code}{tail}")
    return f"{argv[0]} exited with 0"


async def _read_bounded(stream: asyncio.StreamReader) -> str:
    kept = bytearray()
    while chunk := await stream.read(65536):
        if len(kept) < OUTPUT_KEPT:
            kept += chunk[: OUTPUT_KEPT - len(kept)]
    return kept.decode(errors="replace").strip()


async def _finish(reader: asyncio.Task[str]) -> str:
    """The output read so far; a grandchild still holding the pipe does not keep us waiting."""
    try:
        return await asyncio.wait_for(asyncio.shield(reader), 1.0)
    except (TimeoutError, asyncio.CancelledError):
        reader.cancel()
        return ""


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
