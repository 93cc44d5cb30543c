"""The event bus: sequence numbers, replay after ``since``, gaps, overflow, drops, shutdown."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from phonebar.domain.events import DndChanged, Event, Gap, Overflow, Shutdown
from phonebar.services.event_bus import EventBus


def bus(buffer_size: int = 5, queue_size: int = 4) -> EventBus:
    return EventBus(buffer_size=buffer_size, queue_size=queue_size, clock=lambda: datetime.now(UTC))


def publish(events: EventBus, count: int) -> list[Event]:
    return [events.publish(DndChanged(dnd=bool(n % 2))) for n in range(count)]


async def drain(subscription: object, count: int) -> list[Event]:
    return [await asyncio.wait_for(subscription.get(), 1) for _ in range(count)]  # type: ignore[attr-defined]


async def test_sequence_numbers_increase_by_one_and_listeners_see_every_event() -> None:
    events = bus()
    heard: list[int] = []
    events.add_listener(lambda event: heard.append(event.seq))
    published = publish(events, 3)
    assert [event.seq for event in published] == [1, 2, 3] == heard
    assert events.last_seq == 3


async def test_a_failing_listener_does_not_stop_the_others() -> None:
    events = bus()
    heard: list[int] = []

    def broken(event: Event) -> None:
        raise RuntimeError("boom")

    events.add_listener(broken)
    events.add_listener(lambda event: heard.append(event.seq))
    publish(events, 2)
    assert heard == [1, 2]


async def test_since_replays_what_was_missed_then_goes_live() -> None:
    events = bus(buffer_size=5)
    publish(events, 4)
    with events.subscribe(since=2) as subscription:
        live = publish(events, 1)
        got = await drain(subscription, 3)
    assert [event.seq for event in got] == [3, 4, live[0].seq]


async def test_since_the_last_event_replays_nothing() -> None:
    events = bus()
    publish(events, 3)
    with events.subscribe(since=3) as subscription:
        publish(events, 1)
        assert [event.seq for event in await drain(subscription, 1)] == [4]


async def test_too_old_a_since_gets_a_gap_then_what_is_left() -> None:
    events = bus(buffer_size=3)
    publish(events, 10)  # 8, 9, 10 are kept
    with events.subscribe(since=2) as subscription:
        gap, *rest = await drain(subscription, 4)
    assert isinstance(gap, Gap)
    assert (gap.after, gap.missed_until, gap.seq) == (2, 7, 0)
    assert [event.seq for event in rest] == [8, 9, 10]


async def test_a_since_from_an_earlier_run_gets_a_gap_and_the_whole_buffer() -> None:
    events = bus(buffer_size=5)
    publish(events, 2)
    with events.subscribe(since=500) as subscription:
        gap, *rest = await drain(subscription, 3)
    assert isinstance(gap, Gap)
    assert (gap.after, gap.missed_until) == (500, 0)
    assert [event.seq for event in rest] == [1, 2]


async def test_a_client_that_falls_behind_gets_an_overflow_notice_and_is_dropped() -> None:
    events = bus(queue_size=4)
    slow = events.subscribe()
    fast = events.subscribe()
    for _ in range(6):
        [event] = publish(events, 1)
        assert (await fast.get()).seq == event.seq
    notice = await slow.get()
    assert isinstance(notice, Overflow)
    assert notice.queued == 4
    assert slow.closed
    assert events.client_count == 1
    assert events.stats().dropped_clients == 1
    publish(events, 1)
    assert (await fast.get()).seq == 7


async def test_drop_counts_a_client_once() -> None:
    events = bus()
    subscription = events.subscribe()
    events.drop(subscription, "stalled")
    events.drop(subscription, "stalled")
    assert events.stats().dropped_clients == 1
    assert events.client_count == 0


async def test_close_ends_every_stream_with_a_shutdown_notice() -> None:
    events = bus()
    subscription = events.subscribe()
    publish(events, 2)
    events.close()
    assert isinstance(await subscription.get(), Shutdown)
    assert events.client_count == 0
