"""``FrameRing``: the hand-over of fixed-size audio frames between two clocks.

One side is PJSIP's media clock (a 20 ms tick on its own thread), the other a
sound device's thread or callback. Neither may wait for the other, so the ring
never blocks the producer: when it is full the oldest frame is dropped (the
device and PJSIP drift apart, or the consumer stalled), and a consumer that finds
it empty gets ``None`` and plays silence (a late frame). After an underrun the
ring primes again up to ``prefill`` frames: that is the jitter it absorbs, and
the latency it adds.

A stall on either side (a device delivering late, then in a burst) would leave
the ring deeper, and the call later, for good, since both sides then run at the
same pace. So when the ring stays deeper than ``prefill + SLACK`` frames for
``TRIM_AFTER`` pops in a row, it discards the oldest frames down to ``prefill + 1``
(counted as ``trimmed``): one short skip, and the latency is back.

The device side opens the ring when its stream starts and closes it when the
stream stops; a closed ring ignores pushes, so nothing piles up (or counts as
dropped) while no device listens.
"""

from __future__ import annotations

import threading
import time
from collections import deque

from phonebar.domain.audio import RingStats

SLACK = 3  # frames above the jitter reserve tolerated before trimming
TRIM_AFTER = 25  # pops (half a second at 20 ms) the ring must stay that deep


class FrameRing:
    def __init__(
        self, capacity: int, prefill: int = 0, frame_bytes: int = 640, frame_seconds: float = 0.02
    ) -> None:
        if not 0 <= prefill < capacity:
            raise ValueError("prefill must be smaller than capacity")
        self.capacity = capacity
        self.prefill = prefill
        self.frame_bytes = frame_bytes
        self._frames: deque[bytes] = deque()
        self._ready = threading.Condition(threading.Lock())
        self._open = False
        self._priming = prefill > 0
        self._producing = False
        self._pushes_since_pop = 0
        self._pushed = 0
        self._popped = 0
        self._dropped = 0
        self._late = 0
        self._max_depth = 0
        self._trimmed = 0
        self._too_deep = 0
        self._stall = 1.5 * frame_seconds
        self._last_push = self._last_pop = 0.0
        self._push_stalls = self._pop_stalls = 0
        self._max_push_gap = self._max_pop_gap = 0.0

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self, prefill: int | None = None) -> None:
        """A device stream starts; ``prefill`` (frames) overrides the jitter reserve."""
        with self._ready:
            if prefill is not None:
                if not 0 <= prefill < self.capacity:
                    raise ValueError("prefill must be smaller than capacity")
                self.prefill = prefill
            self._open = True
            self._last_push = self._last_pop = 0.0
            self._frames.clear()
            self._priming = self.prefill > 0
            self._producing = False

    def close(self) -> None:
        """The device stream stopped: forget what is queued and ignore pushes until reopened."""
        with self._ready:
            self._open = False
            self._frames.clear()
            self._producing = False
            self._ready.notify_all()

    def push(self, frame: bytes) -> None:
        with self._ready:
            if not self._open:
                return
            now = time.monotonic()
            if self._last_push:
                gap = now - self._last_push
                if gap > self._stall:
                    self._push_stalls += 1
                self._max_push_gap = max(self._max_push_gap, gap)
            self._last_push = now
            if len(self._frames) >= self.capacity:
                self._frames.popleft()
                if self._pushes_since_pop <= self.capacity:  # else nobody is consuming: not a loss
                    self._dropped += 1
            self._frames.append(frame)
            self._pushed += 1
            self._pushes_since_pop += 1
            self._producing = True
            depth = len(self._frames)
            if depth > self._max_depth:
                self._max_depth = depth
            if self._priming and depth >= self.prefill:
                self._priming = False
            self._ready.notify()

    def pop(self) -> bytes | None:
        """The oldest frame, or None (play silence) while empty, priming or closed."""
        with self._ready:
            if self._open:
                now = time.monotonic()
                if self._last_pop:
                    gap = now - self._last_pop
                    if gap > self._stall:
                        self._pop_stalls += 1
                    self._max_pop_gap = max(self._max_pop_gap, gap)
                self._last_pop = now
            return self._take()

    def pop_wait(self, timeout: float) -> bytes | None:
        """Like :meth:`pop`, but waits up to ``timeout`` seconds for a frame (device threads only)."""
        with self._ready:
            if self._open and (not self._frames or self._priming):
                self._ready.wait_for(lambda: not self._open or (self._frames and not self._priming), timeout)
            return self._take()

    def _take(self) -> bytes | None:
        if self._priming and self._frames:
            return None
        if not self._frames:
            if self._producing:
                self._late += 1
                self._priming = self.prefill > 0
            return None
        if len(self._frames) > self.prefill + SLACK:
            self._too_deep += 1
            if self._too_deep >= TRIM_AFTER:
                while len(self._frames) > self.prefill + 1:
                    self._frames.popleft()
                    self._trimmed += 1
                self._too_deep = 0
        else:
            self._too_deep = 0
        self._popped += 1
        self._pushes_since_pop = 0
        return self._frames.popleft()

    @property
    def depth(self) -> int:
        return len(self._frames)

    def stats(self) -> RingStats:
        with self._ready:
            return RingStats(
                self._pushed,
                self._popped,
                self._dropped,
                self._late,
                len(self._frames),
                self._max_depth,
                self._push_stalls,
                self._pop_stalls,
                self._max_push_gap,
                self._max_pop_gap,
                self._trimmed,
            )
