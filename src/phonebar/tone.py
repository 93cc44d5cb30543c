"""Writing a looping sine tone as a WAV file (the demo peers' "microphones")."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 16000


def write_tone(path: Path, frequency: float, *, seconds: float = 1.0, amplitude: float = 0.4) -> Path:
    """A whole number of cycles, so the loop has no click."""
    frames = int(RATE * seconds)
    cycles = max(1, round(frequency * seconds))
    step = 2 * math.pi * cycles / frames
    peak = int(32767 * amplitude)
    samples = struct.pack(f"<{frames}h", *(int(peak * math.sin(step * i)) for i in range(frames)))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples)
    return path
