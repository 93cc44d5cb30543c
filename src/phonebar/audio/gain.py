"""Volume as a gain on 16-bit little-endian PCM, with clipping (stdlib only: no audioop,
which Python 3.13 removed). Applied on the device threads, never on PJSIP's clock."""

from __future__ import annotations

import sys
from array import array

MAX_GAIN = 2.0
_ONE = 1 << 12  # fixed point: 12 fractional bits


def apply_gain(frame: bytes, gain: float) -> bytes:
    """``frame`` scaled by ``gain`` (0 = silence, 1 = unchanged, up to :data:`MAX_GAIN`)."""
    if gain == 1.0 or not frame:
        return frame
    if gain <= 0.0:
        return bytes(len(frame))
    samples = array("h", frame)
    if sys.byteorder == "big":
        samples.byteswap()
    factor = int(min(gain, MAX_GAIN) * _ONE)
    scaled = array("h", [max(-32768, min(32767, (sample * factor) >> 12)) for sample in samples])
    if sys.byteorder == "big":
        scaled.byteswap()
    return scaled.tobytes()
