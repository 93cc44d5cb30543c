"""The ring tone: a WAV file, or a generated two-tone ring (440 + 480 Hz, 1 s on, 2 s off),
served in 20 ms chunks forever."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

from phonebar.audio.stream_format import FRAME_MS, StreamFormat

RING_FREQUENCIES = (440, 480)
RING_ON = 1.0
RING_OFF = 2.0


def generated_ring(rate: int = 16000, amplitude: float = 0.3) -> bytes:
    """One cadence: ``RING_ON`` seconds of the two tones, ``RING_OFF`` of silence."""
    on = int(rate * RING_ON)
    peak = 32767 * amplitude / len(RING_FREQUENCIES)
    fade = rate // 100  # 10 ms ramps, so the tone starts and stops without a click
    samples = []
    for i in range(on):
        envelope = min(1.0, i / fade, (on - i) / fade)
        value = sum(math.sin(2 * math.pi * f * i / rate) for f in RING_FREQUENCIES)
        samples.append(int(peak * envelope * value))
    return struct.pack(f"<{on}h", *samples) + bytes(2 * int(rate * RING_OFF))


class RingTone:
    """The PCM of one loop of the tone and its format (16-bit; the file's rate and channels)."""

    def __init__(self, pcm: bytes, fmt: StreamFormat) -> None:
        chunk = fmt.frame_bytes(FRAME_MS)
        if len(pcm) < chunk:
            raise ValueError("the ring tone is shorter than 20 ms")
        self.pcm = pcm[: len(pcm) - len(pcm) % chunk]
        self.format = fmt
        self.chunk_bytes = chunk

    @classmethod
    def load(cls, path: Path | None) -> RingTone:
        if path is None:
            return cls(generated_ring(), StreamFormat(16000, 1))
        with wave.open(str(path)) as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() not in (1, 2):
                raise ValueError(f"{path}: the ring tone must be 16-bit PCM, mono or stereo")
            return cls(wav.readframes(wav.getnframes()), StreamFormat(wav.getframerate(), wav.getnchannels()))

    def source(self) -> RingToneSource:
        return RingToneSource(self)


class RingToneSource:
    """A cursor over the tone: every call gives the next chunk, looping from the start."""

    def __init__(self, tone: RingTone) -> None:
        self._tone = tone
        self._offset = 0

    @property
    def format(self) -> StreamFormat:
        return self._tone.format

    def start(self, prefill: int) -> None:
        self._offset = 0

    def stop(self) -> None:
        pass

    def next_frame(self, wait: float = 0.0) -> bytes:
        tone = self._tone
        chunk = tone.pcm[self._offset : self._offset + tone.chunk_bytes]
        self._offset = (self._offset + tone.chunk_bytes) % len(tone.pcm)
        return chunk
