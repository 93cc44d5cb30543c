"""Where a moment of the test falls in a recording, and what the recording holds there.

A phonebar records each call from the moment its media starts. The test cannot see
that moment exactly, only that it lies between two of its own clock readings
(before the call was placed, after it showed up connected); a wall-clock interval
therefore maps to a window of the recording that is certain to lie inside it, with
a margin for the jitter buffer and the 20 ms frames.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness.audio import Spectrum, analyse

MARGIN = 0.3
SILENCE_RMS = 300.0  # a looped tone at vol 0.5 has an RMS of ~11600; codec noise stays below 100


@dataclass(frozen=True)
class Recording:
    """A recording whose first sample was taken between ``earliest`` and ``latest``
    (``time.monotonic()`` readings of the test)."""

    path: Path
    earliest: float
    latest: float

    def window(self, start: float, end: float, margin: float = MARGIN) -> tuple[float, float]:
        """The offsets, in seconds into the file, certainly between wall-clock ``start`` and ``end``."""
        first = start - self.earliest + margin
        last = end - self.latest - margin
        assert last - first >= 0.4, (
            f"window {start:.2f}-{end:.2f} too short to analyse: {first:.2f}-{last:.2f}"
        )
        return first, last

    def heard(self, start: float, end: float, frequencies: list[int]) -> Spectrum:
        first, last = self.window(start, end)
        return analyse(self.path, frequencies, start=first, end=last)


class Marks:
    """Named moments of a test, on the monotonic clock."""

    def __init__(self) -> None:
        self._at: dict[str, float] = {}

    def __call__(self, name: str) -> float:
        self._at[name] = time.monotonic()
        return self._at[name]

    def __getitem__(self, name: str) -> float:
        return self._at[name]


def assert_tone(spectrum: Spectrum, frequency: int, share: float = 0.8) -> None:
    assert spectrum.rms > SILENCE_RMS, f"silence where {frequency} Hz was expected: {spectrum}"
    assert spectrum.share(frequency) > share, f"{frequency} Hz is not {share:.0%} of the energy: {spectrum}"


def assert_silent(spectrum: Spectrum) -> None:
    assert spectrum.rms < SILENCE_RMS, f"sound where silence was expected: {spectrum}"
