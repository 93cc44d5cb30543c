"""The engine thread's work queue: other threads submit callables, the engine thread runs them
between two ``libHandleEvents`` calls and resolves their futures.

``libHandleEvents`` sleeps in the ioqueue, which our queue cannot interrupt, so
:meth:`submit` also sends one byte to the engine's own SIP UDP port. PJSIP drops
datagrams shorter than a SIP message, but the poll returns at once: a queued
command waits ~0.2 ms instead of up to the poll timeout (measured: median 27 ms
at a 50 ms poll without the wake-up, 0.2 ms with it).

A command's ordinary exception (one of ours, a ``pjsua2.Error``, a bug) goes to the
coroutine that waits for it and the engine carries on. A fatal one — ``MemoryError``,
or a ``BaseException`` that is not an ``Exception`` (``SystemExit``, ``KeyboardInterrupt``)
— leaves the engine's state unknown: its caller is told the engine failed, and the
exception is raised on into the engine loop, which ends the engine thread (the daemon
then exits non-zero so a supervisor restarts it).

An exception leaves the engine thread with the locals of its frames cleared: a
traceback keeps every frame it passed through alive, and with them the ``SipCall`` a
command worked on. Were the coroutine's side to drop the last reference to a call,
pjsua2's destructor would run on the asyncio thread, which PJSIP does not know, and
pjlib aborts the process (measured: 100 concurrent commands on a call that was ending).
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import socket
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def is_fatal(exc: BaseException) -> bool:
    """An exception after which the engine thread must not go on."""
    return isinstance(exc, MemoryError) or not isinstance(exc, Exception)


def release_frames(exc: BaseException) -> None:
    """Clear the locals of every finished frame in ``exc``'s tracebacks, causes and contexts
    (the frame still running, the caller's own, cannot be cleared and is left alone)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if current.__traceback__ is not None:
            traceback.clear_frames(current.__traceback__)
        pending.extend((current.__cause__, current.__context__))


class CommandLoop:
    """A queue of callables run on the engine thread; see the module docstring."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Callable[[], Any], concurrent.futures.Future[Any]]] = (
            queue.SimpleQueue()
        )
        self._wake_address: tuple[str, int] | None = None
        self._wake_socket: socket.socket | None = None
        self.closed = False

    def set_wake_address(self, host: str, port: int) -> None:
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._wake_socket = socket.socket(family, socket.SOCK_DGRAM)
        self._wake_address = (host, port)

    def submit(self, work: Callable[[], T]) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        if self.closed:
            future.set_exception(RuntimeError("the engine has stopped"))
            return future
        self._queue.put((work, future))
        self.wake()
        return future

    def wake(self) -> None:
        if self._wake_socket is not None and self._wake_address is not None:
            try:
                self._wake_socket.sendto(b"\0", self._wake_address)
            except OSError:
                pass  # the loop still wakes at its poll timeout

    def run_pending(self) -> int:
        """On the engine thread: run every queued callable. Returns how many ran."""
        count = 0
        while True:
            try:
                work, future = self._queue.get_nowait()
            except queue.Empty:
                return count
            count += 1
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(work())
            except BaseException as exc:
                if is_fatal(exc):
                    future.set_exception(RuntimeError(f"the SIP engine failed: {type(exc).__name__}"))
                    raise
                release_frames(exc)
                future.set_exception(exc)  # handed to the waiting coroutine, never lost

    def close(self, reason: str) -> None:
        """Refuse new work and fail what is still queued."""
        self.closed = True
        while True:
            try:
                _, future = self._queue.get_nowait()
            except queue.Empty:
                break
            if future.set_running_or_notify_cancel():
                future.set_exception(RuntimeError(reason))
        if self._wake_socket is not None:
            self._wake_socket.close()
            self._wake_socket = None
