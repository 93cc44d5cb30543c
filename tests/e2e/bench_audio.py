"""Measures the sound-device bridge on a call: frames dropped or late per minute, thread
stalls, added latency and CPU, for each backend, against a baseline agent without
sound devices. Prints figures; asserts nothing about them.

    .venv/bin/python -m tests.e2e.bench_audio --seconds 60 [--backend pulse portaudio none]

The agent calls a phonebar peer that loops 440 Hz, while a 660 Hz tone plays into
the agent's microphone device; both sides are checked by FFT, so a figure from a
call whose audio was broken cannot pass unnoticed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.harness.audio import analyse, make_tone, spectrum, wait_for_wav
from tests.e2e.harness.phonebar_process import PhonebarProcess
from tests.e2e.harness.pulse import MICROPHONE, RATE, PulseServer

PEER_TONE = 440
AGENT_VOICE = 660
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    backend: str
    seconds: float
    cpu_percent: float
    load: tuple[float, float]  # the machine's 1-minute load average before and after
    figures: dict[str, Any] = field(default_factory=dict)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def agent_settings(backend: str) -> dict[str, Any]:
    if backend == "pulse":
        return {"backend": "pulse", "speaker": "headset", "microphone": MICROPHONE, "ringer": "ringer"}
    if backend == "portaudio":  # ALSA's "pulse" device, which plays to the server's default sink
        return {"backend": "portaudio", "speaker": "pulse", "microphone": "pulse", "ringer": "pulse"}
    return {"backend": "none"}


def run_one(folder: Path, backend: str, seconds: float) -> Result:
    folder.mkdir(parents=True, exist_ok=True)
    pulse = PulseServer(folder).start()
    started: list[PhonebarProcess] = []
    try:
        pulse.pactl("set-default-sink", "headset")
        pulse.pactl("set-default-source", MICROPHONE)
        peer_tone = make_tone(folder / "peer.wav", PEER_TONE)
        voice = make_tone(folder / "voice.wav", AGENT_VOICE, seconds=1.0)
        bob = PhonebarProcess("bob", folder, auto_answer=True, tone=peer_tone, lifetime=seconds + 120)
        started.append(bob.start())
        settings = agent_settings(backend)
        agent = PhonebarProcess(
            "agent",
            folder,
            tone=voice if backend == "none" else None,  # the baseline "speaks" from a WAV
            settings={"audio": settings},
            env=pulse.env,
            lifetime=seconds + 120,
        )
        started.append(agent.start())
        pulse.play("mic_feed", voice, repeat=int(seconds) + 30)
        heard = pulse.record("headset.monitor").wait_started()

        call = agent.ok(f"/api/originate/{bob.sip_uri}")["call"]
        agent.wait_call(sessionId=call["sessionId"], state="connected")
        far = bob.wait_call(state="connected")
        time.sleep(1.0)  # streams open, rings primed
        assert agent.process is not None
        first = agent.ok("/api/audio/stats")
        heard_from = heard.seconds()
        cpu_start, wall_start = cpu_seconds(agent.process.pid), time.monotonic()
        load_before = os.getloadavg()[0]
        depths: dict[str, list[int]] = {"microphone": [], "speaker": []}
        latency: dict[str, list[float]] = {}
        while time.monotonic() - wall_start < seconds:
            time.sleep(0.5)
            sample = agent.ok("/api/audio/stats")
            for ring in depths:
                depths[ring].append(sample[ring]["depth"])
            for role, value in sample["deviceLatency"].items():
                latency.setdefault(role, []).append(value)
        wall = time.monotonic() - wall_start
        cpu = cpu_seconds(agent.process.pid) - cpu_start
        last = agent.ok("/api/audio/stats")
        heard_until = heard.seconds()
        agent.ok("/api/hangup")
        samples = heard.stop()
        bob.wait_no_calls()

        result = Result(backend, wall, 100 * cpu / wall, (load_before, os.getloadavg()[0]))
        minutes = wall / 60
        for ring in ("microphone", "speaker"):
            counters = ("pushed", "dropped", "late", "trimmed", "pushStalls", "popStalls")
            delta = {key: last[ring][key] - first[ring][key] for key in counters}
            result.figures[ring] = {
                "frames/min": round(delta["pushed"] / minutes),
                "dropped/min": round(delta["dropped"] / minutes, 2),
                "late/min": round(delta["late"] / minutes, 2),
                "trimmed/min": round(delta["trimmed"] / minutes, 2),
                "push stalls/min": round(delta["pushStalls"] / minutes, 2),
                "pop stalls/min": round(delta["popStalls"] / minutes, 2),
                "max push gap ms": round(1000 * last[ring]["maxPushGap"], 1),
                "max pop gap ms": round(1000 * last[ring]["maxPopGap"], 1),
                "ring ms (mean)": round(20 * sum(depths[ring]) / max(1, len(depths[ring])), 1),
            }
        for role, values in latency.items():
            result.figures.setdefault(role, {})["device ms (mean)"] = round(
                1000 * sum(values) / len(values), 1
            )
        window = samples[int(heard_from * RATE) : int(heard_until * RATE)]
        if backend != "none":
            share = spectrum(window, RATE, [PEER_TONE]).share(PEER_TONE)
            assert share > 0.8, f"{backend}: the agent's speaker did not carry the far end ({share:.3f})"
            result.figures["speaker"]["440 Hz share"] = round(share, 4)
        recording = bob.recording(far["sessionId"])
        wait_for_wav(recording)
        far_share = analyse(recording, [AGENT_VOICE], start=1.5).share(AGENT_VOICE)
        assert far_share > 0.8, f"{backend}: the far end did not hear the microphone ({far_share:.3f})"
        result.figures.setdefault("microphone", {})["660 Hz share at the far end"] = round(far_share, 4)
        return result
    finally:
        for phone in reversed(started):
            phone.stop()
        pulse.stop()


def report(results: list[Result]) -> str:
    lines = []
    baseline = next((r for r in results if r.backend == "none"), None)
    for result in results:
        extra = ""
        if baseline is not None and result is not baseline:
            extra = f" (bridge: +{result.cpu_percent - baseline.cpu_percent:.1f} points over no devices)"
        lines.append(
            f"== {result.backend}: {result.seconds:.0f} s call, agent CPU {result.cpu_percent:.1f} %{extra}"
            f"; load average {result.load[0]:.1f} -> {result.load[1]:.1f} on {os.cpu_count()} cores"
        )
        for part, figures in result.figures.items():
            lines.append(f"   {part}: " + ", ".join(f"{key} {value}" for key, value in figures.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--backend", nargs="+", default=["none", "pulse", "portaudio"])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--folder", type=Path, help="where the processes keep their files")
    args = parser.parse_args(argv)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="phonebar-bench-audio-"))
    results = [run_one(folder / backend, backend, args.seconds) for backend in args.backend]
    print(report(results))
    if args.json:
        print(json.dumps([result.__dict__ for result in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
