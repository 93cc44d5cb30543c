"""The ring tone: the built-in cadence and WAV files, served in 20 ms chunks."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from phonebar.audio.ring_tone import RING_FREQUENCIES, RING_OFF, RING_ON, RingTone
from tests.e2e.harness.audio import spectrum


def test_the_built_in_ring_is_one_second_of_two_tones_then_two_of_silence() -> None:
    tone = RingTone.load(None)
    assert (tone.format.rate, tone.format.channels, tone.chunk_bytes) == (16000, 1, 640)
    samples = np.frombuffer(tone.pcm, dtype="<i2").astype(np.float64)
    assert len(samples) == 16000 * (RING_ON + RING_OFF)
    on = spectrum(samples[:16000], 16000, list(RING_FREQUENCIES))
    assert sum(on.shares.values()) > 0.95
    assert not samples[16000:].any()


def test_the_source_loops_chunk_by_chunk() -> None:
    tone = RingTone(bytes(range(256)) * 5, RingTone.load(None).format)  # 1280 bytes: two chunks
    source = tone.source()
    source.start(0)
    chunks = [source.next_frame() for _ in range(3)]
    assert chunks[0] == tone.pcm[:640]
    assert chunks[1] == tone.pcm[640:1280]
    assert chunks[2] == chunks[0]


def test_a_wav_file_keeps_its_own_rate_and_channels(tmp_path: Path) -> None:
    path = tmp_path / "ring.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(48000)
        out.writeframes(bytes(48000 * 4))
    tone = RingTone.load(path)
    assert (tone.format.rate, tone.format.channels, tone.chunk_bytes) == (48000, 2, 3840)


def test_an_eight_bit_wav_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ring8.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(8000)
        out.writeframes(bytes(8000))
    with pytest.raises(ValueError, match="16-bit"):
        RingTone.load(path)
