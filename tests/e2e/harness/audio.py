"""Audio is checked, not assumed: tones made with sox, recordings read back and FFT'd."""

from __future__ import annotations

import shutil
import subprocess
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def make_tone(path: Path, frequency: int, seconds: float = 2.0, rate: int = 16000) -> Path:
    sox = shutil.which("sox")
    assert sox, "sox is required (the test command installs it)"
    subprocess.run(
        [
            sox,
            "-n",
            "-r",
            str(rate),
            "-c",
            "1",
            "-b",
            "16",
            str(path),
            "synth",
            str(seconds),
            "sine",
            str(frequency),
            "vol",
            "0.5",
        ],
        check=True,
        timeout=30,
    )
    return path


@dataclass(frozen=True)
class Spectrum:
    seconds: float
    rms: float
    peak_hz: float
    shares: dict[int, float]  # frequency -> fraction of the energy within +-25 Hz of it

    def share(self, frequency: int) -> float:
        return self.shares.get(frequency, 0.0)


def wait_for_wav(path: Path, timeout: float = 10.0) -> None:
    """PJSIP finalises a recorder's WAV after the recorder is dropped: wait for a valid header."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with wave.open(str(path)) as wav:
                frames = wav.getnframes()
                expected = 44 + frames * wav.getsampwidth() * wav.getnchannels()
                if frames > 0 and path.stat().st_size >= expected:
                    return
        except (OSError, EOFError, wave.Error):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{path} is not a complete WAV file after {timeout} s")


def analyse(path: Path, frequencies: list[int], *, start: float = 0.0, end: float | None = None) -> Spectrum:
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    first = int(start * rate)
    last = len(samples) if end is None else min(len(samples), int(end * rate))
    window = samples[first:last]
    return spectrum(window, rate, frequencies)


def spectrum(window: np.ndarray, rate: int, frequencies: list[int]) -> Spectrum:
    if len(window) < rate // 10:
        return Spectrum(len(window) / rate, 0.0, 0.0, {})
    power = np.abs(np.fft.rfft(window * np.hanning(len(window)))) ** 2
    bins = np.fft.rfftfreq(len(window), 1 / rate)
    total = float(power.sum()) or 1.0
    shares = {f: float(power[np.abs(bins - f) <= 25].sum()) / total for f in frequencies}
    rms = float(np.sqrt(np.mean(window**2)))
    return Spectrum(len(window) / rate, rms, float(bins[int(np.argmax(power))]), shares)


def segments(path: Path, seconds: float, frequencies: list[int]) -> list[Spectrum]:
    """The recording cut into ``seconds``-long pieces, each analysed."""
    with wave.open(str(path)) as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    step = int(seconds * rate)
    return [
        spectrum(samples[i : i + step], rate, frequencies) for i in range(0, len(samples) - step + 1, step)
    ]
