"""A PulseAudio server of the test's own: no sound card, three null sinks.

- ``headset``: the agent's speaker; its monitor is what the agent hears.
- ``ringer``: where the ring tone goes; its monitor proves it sounds (and stops).
- ``mic_feed``: a tone played here comes out of its monitor, ``mic_feed.monitor``,
  which the agent uses as its microphone.

The server runs in the foreground as a ManagedProcess with its own runtime
directory, as root too: without ``--system`` PulseAudio only warns about root,
and ``-n`` keeps it from loading the machine's default.pa (which wants real
cards, D-Bus, a session).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np

from tests.e2e.harness.processes import ManagedProcess
from tests.e2e.harness.waiting import wait_until

RATE = 16000
SINKS = {"headset": "Test Headset", "ringer": "Test Ringer", "mic_feed": "Test Microphone Feed"}
MICROPHONE = "mic_feed.monitor"


class PulseServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder / "pulse"
        self.runtime = self.folder / "runtime"
        self.runtime.mkdir(parents=True, exist_ok=True)
        os.chmod(self.runtime, 0o700)
        self.socket = self.runtime / "native"
        self.process: ManagedProcess | None = None
        self._helpers: list[ManagedProcess] = []

    @property
    def env(self) -> dict[str, str]:
        """What a client needs to find this server (and nothing else)."""
        return {
            **os.environ,
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_RUNTIME_PATH": str(self.runtime),
            "XDG_RUNTIME_DIR": str(self.runtime),
            "HOME": str(self.folder),
        }

    def start(self) -> PulseServer:
        binary = shutil.which("pulseaudio")
        assert binary, "pulseaudio is required (scripts/setup test installs it)"
        argv = [
            binary,
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "--disallow-module-loading=no",
            "-n",
            f"--load=module-native-protocol-unix auth-anonymous=1 socket={self.socket}",
        ]
        for name, description in SINKS.items():
            description = description.replace(" ", "_")
            argv.append(
                f"--load=module-null-sink sink_name={name} rate={RATE} channels=1 "
                f"sink_properties=device.description={description}"
            )
        argv.append("--load=module-always-sink")
        self.process = ManagedProcess(
            "pulseaudio", argv, log_path=self.folder / "pulseaudio.log", env=self.env, cwd=self.folder
        )
        wait_until(self._ready, timeout=15, what="PulseAudio to accept clients")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if not self.process.running:
            raise AssertionError(f"pulseaudio exited:\n{self.process.log_text()[-3000:]}")
        result = subprocess.run(
            ["pactl", "list", "short", "sinks"], env=self.env, capture_output=True, text=True, timeout=10
        )
        return result.returncode == 0 and all(name in result.stdout for name in SINKS)

    def pactl(self, *args: str) -> str:
        result = subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10, check=True
        )
        return result.stdout

    # -- sound in and out ---------------------------------------------------------------

    def play(self, sink: str, wav: Path, *, repeat: int = 20) -> ManagedProcess:
        """Loop ``wav`` into ``sink`` (about ``repeat`` times its length)."""
        raw = self.folder / f"{wav.stem}-x{repeat}.raw"
        if not raw.exists():
            with wave.open(str(wav)) as source:
                assert (source.getframerate(), source.getnchannels()) == (RATE, 1)
                raw.write_bytes(source.readframes(source.getnframes()) * repeat)
        player = ManagedProcess(
            f"paplay:{sink}",
            [
                "pacat",
                "--playback",
                "--raw",
                f"--device={sink}",
                f"--rate={RATE}",
                "--channels=1",
                "--format=s16le",
                "--latency-msec=40",
                str(raw),
            ],
            log_path=self.folder / f"paplay-{sink}.log",
            env=self.env,
            lifetime=120,
        )
        self._helpers.append(player)
        return player

    def record(self, source: str) -> Recording:
        """Start recording ``source`` (16 kHz mono); :meth:`Recording.stop` returns the samples.
        Wait for :meth:`Recording.wait_started` before anything that needs a timeline."""
        path = self.folder / f"rec-{source}-{len(self._helpers)}.raw"
        recorder = ManagedProcess(
            f"parec:{source}",
            [
                "parec",
                "--raw",
                f"--device={source}",
                f"--rate={RATE}",
                "--channels=1",
                "--format=s16le",
                "--latency-msec=20",
                str(path),
            ],
            log_path=self.folder / f"parec-{source}.log",
            env=self.env,
            lifetime=120,
        )
        self._helpers.append(recorder)
        return Recording(recorder, path)

    def stop(self) -> None:
        for helper in self._helpers:
            helper.stop(timeout=5)
        if self.process is not None:
            self.process.stop(timeout=10)


class Recording:
    def __init__(self, process: ManagedProcess, path: Path) -> None:
        self.process = process
        self.path = path

    def samples(self) -> np.ndarray:
        """What was recorded so far (the recorder keeps going)."""
        data = self.path.read_bytes() if self.path.exists() else b""
        data = data[: len(data) - len(data) % 2]
        return np.frombuffer(data, dtype="<i2").astype(np.float64)

    def seconds(self) -> float:
        return len(self.samples()) / RATE

    def wait_started(self, timeout: float = 10.0) -> Recording:
        """parec delivers nothing for up to a second after it starts; once it does, it
        delivers every 20 ms, so :meth:`seconds` tells where "now" is in the recording."""
        wait_until(lambda: self.seconds() > 0.1, timeout=timeout, what=f"{self.process.name} to deliver")
        return self

    def stop(self) -> np.ndarray:
        self.process.stop(timeout=5)
        return self.samples()
