"""The ring between PJSIP's clock and a device: order, drops, late frames, priming, closing."""

from __future__ import annotations

import threading
import time

from phonebar.audio.frame_ring import FrameRing


def frame(n: int) -> bytes:
    return bytes([n]) * 4


def test_frames_come_out_in_order_once_primed() -> None:
    ring = FrameRing(capacity=4, prefill=2, frame_bytes=4)
    ring.open()
    ring.push(frame(1))
    assert ring.pop() is None  # priming: one frame is not enough jitter reserve
    ring.push(frame(2))
    assert [ring.pop(), ring.pop()] == [frame(1), frame(2)]
    stats = ring.stats()
    assert (stats.pushed, stats.popped, stats.dropped, stats.late, stats.depth) == (2, 2, 0, 0, 0)


def test_an_empty_ring_counts_late_frames_and_primes_again() -> None:
    ring = FrameRing(capacity=4, prefill=2, frame_bytes=4)
    ring.open()
    assert ring.pop() is None  # nothing produced yet: not late
    assert ring.stats().late == 0
    ring.push(frame(1))
    ring.push(frame(2))
    ring.pop()
    ring.pop()
    assert ring.pop() is None
    assert ring.stats().late == 1
    ring.push(frame(3))
    assert ring.pop() is None  # primes again after the underrun
    assert ring.stats().late == 1
    ring.push(frame(4))
    assert ring.pop() == frame(3)


def test_a_full_ring_drops_the_oldest_frame() -> None:
    ring = FrameRing(capacity=3, frame_bytes=4)
    ring.open()
    for n in range(3):
        ring.push(frame(n))
    ring.pop()
    for n in range(3, 6):
        ring.push(frame(n))
    assert ring.stats().dropped == 2  # frames 1 and 2
    assert [ring.pop(), ring.pop(), ring.pop()] == [frame(3), frame(4), frame(5)]
    assert ring.stats().max_depth == 3


def test_drops_while_nobody_consumes_are_not_losses() -> None:
    ring = FrameRing(capacity=3, frame_bytes=4)
    ring.open()
    for n in range(50):  # a muted call: the microphone records, PJSIP takes nothing
        ring.push(frame(n))
    assert ring.stats().dropped == 1
    assert ring.depth == 3


def test_a_closed_ring_ignores_pushes_and_gives_silence() -> None:
    ring = FrameRing(capacity=3, frame_bytes=4)
    ring.push(frame(1))
    assert ring.pop() is None
    ring.open()
    ring.push(frame(2))
    ring.close()
    assert ring.pop() is None
    assert ring.stats().late == 0
    assert ring.stats().pushed == 1


def test_pop_wait_wakes_on_a_push_and_on_close() -> None:
    ring = FrameRing(capacity=3, frame_bytes=4)
    ring.open()
    threading.Timer(0.05, ring.push, args=(frame(7),)).start()
    started = time.monotonic()
    assert ring.pop_wait(2.0) == frame(7)
    assert time.monotonic() - started < 1.0
    threading.Timer(0.05, ring.close).start()
    started = time.monotonic()
    assert ring.pop_wait(2.0) is None
    assert time.monotonic() - started < 1.0


def test_gaps_between_pushes_are_counted_as_stalls() -> None:
    ring = FrameRing(capacity=8, frame_bytes=4, frame_seconds=0.01)
    ring.open()
    ring.push(frame(1))
    ring.push(frame(2))
    time.sleep(0.05)
    ring.push(frame(3))
    stats = ring.stats()
    assert stats.push_stalls == 1
    assert stats.max_push_gap >= 0.04


def test_a_ring_left_deep_by_a_stall_is_trimmed_back() -> None:
    ring = FrameRing(capacity=10, prefill=2, frame_bytes=4)
    ring.open()
    for n in range(9):  # a burst after a stall: 9 frames queued, 180 ms late
        ring.push(frame(n))
    for n in range(9, 9 + 25):  # then both sides at the same pace
        ring.push(frame(n))
        ring.pop()
    assert ring.depth == 2  # trimmed to prefill + 1, then one frame taken
    assert ring.stats().trimmed == 7
    assert ring.stats().dropped == 0
