"""``phonebar demo``: the daemon and two auto-answering peers, no PBX, audio flowing."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.harness.audio import analyse, wait_for_wav
from tests.e2e.harness.ports import free_port
from tests.e2e.harness.processes import ManagedProcess
from tests.e2e.harness.waiting import wait_until


def _peer_processes(demo_pid: int) -> list[int]:
    children = Path(f"/proc/{demo_pid}/task/{demo_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def test_demo_dials_1001_and_hears_its_tone(tmp_path: Path) -> None:
    api_port = free_port(udp=False)
    sip_port = free_port()
    # the demo puts its peers on the next two SIP and API ports
    demo = ManagedProcess(
        "demo",
        [
            sys.executable,
            "-m",
            "phonebar",
            "demo",
            "--api-port",
            str(api_port),
            "--sip-port",
            str(sip_port),
            "--folder",
            str(tmp_path / "demo"),
        ],
        log_path=tmp_path / "demo.log",
        lifetime=120,
    )
    api = httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=5)

    def healthy() -> bool:
        assert demo.running, demo.log_text()[-3000:]
        try:
            return api.get("/api/health").status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, timeout=30, what="the demo's API")
    peers = _peer_processes(demo.pid)
    assert len(peers) == 2

    call = api.get("/api/originate/1001").json()["call"]
    assert call["number"] == "1001"
    session_id = call["sessionId"]
    wait_until(
        lambda: any(
            c["sessionId"] == session_id and c["state"] == "connected" for c in api.get("/api/calls").json()
        ),
        timeout=10,
        what="the demo call to be connected",
    )
    time.sleep(2.5)
    assert api.get(f"/api/hangup/{session_id}").status_code == 200
    wait_until(lambda: api.get("/api/calls").json() == [], timeout=10, what="the call to end")

    recording = tmp_path / "demo" / "recordings" / f"{session_id}.wav"
    wait_for_wav(recording)
    heard = analyse(recording, [440, 660], start=0.5)
    assert heard.share(440) > 0.8, heard

    # the other way: peer 1002 (API on the next port but one) calls the agent, who sees its number
    peer = httpx.Client(base_url=f"http://127.0.0.1:{api_port + 2}", timeout=5)
    peer.get(f"/api/originate/sip:agent@127.0.0.1:{sip_port}").raise_for_status()
    ringing = wait_until(
        lambda: [c for c in api.get("/api/calls").json() if c["state"] == "ringing"],
        timeout=10,
        what="the peer's call to ring at the agent",
    )
    assert [(c["number"], c["name"]) for c in ringing] == [("1002", "Demo 1002")]
    api.get("/api/hangup").raise_for_status()
    wait_until(lambda: api.get("/api/calls").json() == [], timeout=10, what="the declined call to end")
    peer.close()

    demo.send_signal(signal.SIGINT)
    assert demo.wait(timeout=20) == 0
    for pid in peers:
        wait_until(
            lambda pid=pid: not Path(f"/proc/{pid}").exists(), timeout=10, what=f"demo peer {pid} to exit"
        )
    api.close()
