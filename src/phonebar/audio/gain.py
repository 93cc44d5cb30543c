"""Volume as a gain on 16-bit little-endian PCM, with clipping (stdlib only: no audioop,
which Python 3.13 removed). Applied on the device threads, never on PJSIP's clock.

A gain is a lookup table from every 16-bit sample to its scaled value, built once
per level (~60 ms) and applied with ``map``: measured 110 µs a 20 ms frame on a
loaded machine, where a Python loop over the samples took 480 µs, holding the GIL
all along.
"""

from __future__ import annotations

import functools
import sys
from array import array

MAX_GAIN = 2.0


@functools.lru_cache(maxsize=8)
def _table(gain: float) -> tuple[int, ...]:
    """Unsigned view in, unsigned view out: index ``u`` is the sample ``u - 65536 * (u >= 32768)``."""
    scaled = []
    for unsigned in range(65536):
        sample = unsigned - 65536 if unsigned >= 32768 else unsigned
        value = max(-32768, min(32767, int(sample * gain)))
        scaled.append(value & 0xFFFF)
    return tuple(scaled)


def apply_gain(frame: bytes, gain: float) -> bytes:
    """``frame`` scaled by ``gain`` (0 = silence, 1 = unchanged, up to :data:`MAX_GAIN`)."""
    if gain == 1.0 or not frame:
        return frame
    if gain <= 0.0:
        return bytes(len(frame))
    table = _table(round(min(gain, MAX_GAIN), 3))
    samples = array("H", frame)
    if sys.byteorder == "big":
        samples.byteswap()
    scaled = array("H", map(table.__getitem__, samples))
    if sys.byteorder == "big":
        scaled.byteswap()
    return scaled.tobytes()
