"""``phonebar demo``: the daemon plus two local peers, with no PBX anywhere.

Peers ``1001`` and ``1002`` are phonebar processes that auto-answer and loop a
tone of their own (440 Hz and 660 Hz); the daemon reaches them through its
``calls.dial_map``, records what the agent hears under the demo folder, and
stopping the demo (Ctrl-C, SIGTERM) stops the peers too.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from phonebar.config import Settings, load_settings
from phonebar.server import EXIT_CANNOT_START, serve
from phonebar.tone import write_tone

log = logging.getLogger(__name__)

PEER_START_TIMEOUT = 20.0
PEER_STOP_TIMEOUT = 8.0


@dataclass(frozen=True)
class DemoPeer:
    number: str
    frequency: int
    sip_port: int
    rtp_port: int
    api_port: int

    @property
    def uri(self) -> str:
        return f"sip:{self.number}@127.0.0.1:{self.sip_port}"


def demo_peers(sip_port: int, api_port: int) -> list[DemoPeer]:
    return [
        DemoPeer("1001", 440, sip_port + 1, 4200, api_port + 1),
        DemoPeer("1002", 660, sip_port + 2, 4400, api_port + 2),
    ]


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel kills it if the demo dies, even by kill -9."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_peer(peer: DemoPeer, folder: Path) -> subprocess.Popen[bytes]:
    tone = write_tone(folder / f"tone-{peer.frequency}.wav", peer.frequency)
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("PHONEBAR_")}
    env = {
        **inherited,
        "PHONEBAR_SIP_PORT": str(peer.sip_port),
        "PHONEBAR_SIP_RTP_PORT": str(peer.rtp_port),
        "PHONEBAR_API_PORT": str(peer.api_port),
        "PHONEBAR_CALLS_AUTO_ANSWER": "true",
        "PHONEBAR_AUDIO_INPUT": str(tone),
        "PHONEBAR_AUDIO_BACKEND": "none",  # the peers never touch the desktop's sound devices
        "PHONEBAR_ACCOUNT_DISPLAY_NAME": f"Demo {peer.number}",
        "PHONEBAR_ACCOUNT_USER": peer.number,  # what the agent sees as the caller's number
        "PHONEBAR_HISTORY_PATH": str(folder / f"history-{peer.number}.sqlite3"),
        "PHONEBAR_LOG_LEVEL": "warning",
    }
    log_file = (folder / f"peer-{peer.number}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "phonebar", "run"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
        start_new_session=True,  # Ctrl-C reaches the demo, which stops the peers in order
    )


def wait_healthy(peer: DemoPeer, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{peer.api_port}/api/health"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"demo peer {peer.number} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"demo peer {peer.number} did not start within {timeout:.0f} s")


def stop_peers(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + PEER_STOP_TIMEOUT
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def demo_settings(
    api_port: int,
    sip_port: int,
    folder: Path,
    *,
    config: Path | None = None,
    overrides: dict[str, str] | None = None,
) -> Settings:
    """The demo agent's settings: ``config`` and the PHONEBAR_* environment as for ``run``
    (to try, say, ``api.allowed_origins``), then the demo's own ports, dial map and folder,
    then ``--set`` overrides."""
    dial_map = (
        "{" + ",".join(f'"{peer.number}":"{peer.uri}"' for peer in demo_peers(sip_port, api_port)) + "}"
    )
    demo = {
        "api.port": str(api_port),
        "sip.port": str(sip_port),
        "calls.dial_map": dial_map,
        "audio.record_dir": str(folder / "recordings"),
        "history.path": str(folder / "history.sqlite3"),
        "account.display_name": "Demo agent",
    }
    return load_settings(config, overrides={**demo, **(overrides or {})})


def run_demo(
    api_port: int,
    sip_port: int,
    folder: Path | None,
    *,
    config: Path | None = None,
    overrides: dict[str, str] | None = None,
) -> int:
    folder = folder or Path(tempfile.mkdtemp(prefix="phonebar-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    peers = demo_peers(sip_port, api_port)
    settings = demo_settings(api_port, sip_port, folder, config=config, overrides=overrides)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for peer in peers:
            processes.append(start_peer(peer, folder))
        for peer, process in zip(peers, processes, strict=True):
            wait_healthy(peer, process, PEER_START_TIMEOUT)
        for peer in peers:
            log.info(
                "demo peer %s: auto-answers with a %d Hz tone (%s)", peer.number, peer.frequency, peer.uri
            )
        log.info(
            "try: curl http://127.0.0.1:%d/api/originate/1001 ; what the agent hears is recorded in %s",
            api_port,
            folder / "recordings",
        )
        return asyncio.run(serve(settings))
    except RuntimeError as exc:
        log.error("demo: %s (peer logs in %s)", exc, folder)
        return EXIT_CANNOT_START
    finally:
        stop_peers(processes)
