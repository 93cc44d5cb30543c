"""Volume as a gain on 16-bit PCM."""

from __future__ import annotations

import struct

from phonebar.audio.gain import apply_gain


def pcm(*samples: int) -> bytes:
    return struct.pack(f"<{len(samples)}h", *samples)


def test_unity_gain_returns_the_frame_itself() -> None:
    frame = pcm(1, -2, 3)
    assert apply_gain(frame, 1.0) is frame


def test_zero_is_silence_and_half_halves() -> None:
    assert apply_gain(pcm(1000, -1000), 0.0) == pcm(0, 0)
    assert apply_gain(pcm(1000, -1000, 32767), 0.5) == pcm(500, -500, 16383)


def test_gains_above_one_clip_instead_of_wrapping() -> None:
    assert apply_gain(pcm(20000, -20000, 100), 2.0) == pcm(32767, -32768, 200)
