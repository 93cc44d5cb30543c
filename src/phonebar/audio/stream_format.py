"""Sample formats: every stream is signed 16-bit little-endian PCM."""

from __future__ import annotations

from dataclasses import dataclass

FRAME_MS = 20  # PJSIP's frame: one tick of its media clock


@dataclass(frozen=True)
class StreamFormat:
    rate: int = 16000
    channels: int = 1

    def frame_bytes(self, milliseconds: int = FRAME_MS) -> int:
        return self.rate * milliseconds // 1000 * self.channels * 2


CALL_FORMAT = StreamFormat(16000, 1)  # the conference bridge's clock rate, mono
