"""The event bus: stamps sequence numbers, keeps a bounded replay buffer and feeds subscribers.

Publishing never blocks: each subscriber has a bounded queue, and one that
overflows it is cut off with an ``overflow`` notice instead of slowing anyone
else. Listeners (CTI, history) are plain callables that must only schedule work.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime

from phonebar.domain.events import Event, Gap, Overflow, Shutdown
from phonebar.domain.views import EventStatsView

log = logging.getLogger(__name__)

Listener = Callable[[Event], None]


class Subscription:
    """One client's view of the stream: first the replayed backlog, then live events.

    ``get()`` returns events in sequence order; it returns an :class:`Overflow`
    notice (and the subscription is closed) if the client fell too far behind.
    """

    def __init__(self, bus: EventBus, backlog: list[Event], queue_size: int) -> None:
        self._bus = bus
        self._backlog = deque(backlog)
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=queue_size)
        self.closed = False

    def _offer(self, event: Event) -> bool:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self._end_with(Overflow(queued=self._queue.qsize(), at=event.at))
            return False
        return True

    def _end_with(self, notice: Event) -> None:
        """Replace whatever is queued by a final notice; the stream ends after it."""
        while not self._queue.empty():
            self._queue.get_nowait()
        self._backlog.clear()
        self._queue.put_nowait(notice)
        self.closed = True

    async def get(self) -> Event:
        if self._backlog:
            return self._backlog.popleft()
        return await self._queue.get()

    def close(self) -> None:
        self.closed = True
        self._bus._unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventBus:
    """Publishes events in order with a monotonically increasing ``seq``."""

    def __init__(self, *, buffer_size: int, queue_size: int, clock: Callable[[], datetime]) -> None:
        self._buffer: deque[Event] = deque(maxlen=buffer_size)
        self._queue_size = queue_size
        self._clock = clock
        self._seq = itertools.count(1)
        self._last_seq = 0
        self._subscribers: list[Subscription] = []
        self._listeners: list[Listener] = []
        self.dropped_clients = 0

    @property
    def last_seq(self) -> int:
        return self._last_seq

    @property
    def client_count(self) -> int:
        return len(self._subscribers)

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def publish(self, event: Event) -> Event:
        stamped = dataclasses.replace(event, seq=next(self._seq), at=self._clock())
        self._last_seq = stamped.seq
        self._buffer.append(stamped)
        for subscription in list(self._subscribers):
            if not subscription._offer(stamped):
                self.dropped_clients += 1
                self._subscribers.remove(subscription)
                log.warning("event client fell %d events behind: disconnected", self._queue_size)
        for listener in self._listeners:
            try:
                listener(stamped)
            except Exception:
                log.exception("event listener failed on %s", stamped.type)
        return stamped

    def close(self) -> None:
        """The daemon is stopping: every subscriber gets a ``shutdown`` notice and its stream ends."""
        for subscription in list(self._subscribers):
            subscription._end_with(Shutdown(at=self._clock()))
        self._subscribers.clear()

    def subscribe(self, since: int | None = None, queue_size: int | None = None) -> Subscription:
        """Live events; with ``since``, first every buffered event after it, preceded by a
        ``gap`` notice if some of them are no longer buffered.

        A ``since`` beyond the last sequence number comes from an earlier run of the daemon
        (numbers start again at 1): that client gets a gap notice whose ``missedUntil`` is
        below its ``after``, then everything still buffered.
        """
        backlog: list[Event] = []
        if since is not None and since > self._last_seq:
            oldest = self._buffer[0].seq if self._buffer else self._last_seq + 1
            backlog.append(Gap(after=since, missed_until=oldest - 1, at=self._clock()))
            backlog.extend(self._buffer)
        elif since is not None and since < self._last_seq:
            kept = [event for event in self._buffer if event.seq > since]
            oldest = kept[0].seq if kept else self._last_seq + 1
            if oldest > since + 1:
                backlog.append(Gap(after=since, missed_until=oldest - 1, at=self._clock()))
            backlog.extend(kept)
        subscription = Subscription(self, backlog, queue_size or self._queue_size)
        self._subscribers.append(subscription)
        return subscription

    def drop(self, subscription: Subscription, reason: str) -> None:
        """Cut a client off for a reason found outside the bus (its writes stalled)."""
        if subscription in self._subscribers:
            self.dropped_clients += 1
            log.warning("event client disconnected: %s", reason)
        subscription.close()

    def stats(self) -> EventStatsView:
        return EventStatsView(
            clients=len(self._subscribers), last_seq=self._last_seq, dropped_clients=self.dropped_clients
        )

    def _unsubscribe(self, subscription: Subscription) -> None:
        if subscription in self._subscribers:
            self._subscribers.remove(subscription)
