"""baresip (Debian's ``baresip-core``) as the benchmark's reference softphone: its own folder,
config and account written per run from ``bench/peers``, ports handed out by the test bed's
``ports`` module, a hard lifetime, driven over ctrl_tcp and read over its httpd module."""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from pathlib import Path

from tests.e2e.harness.kamailio import USERS, Kamailio
from tests.e2e.harness.ports import free_port, free_rtp_range
from tests.e2e.harness.processes import ManagedProcess

from bench.clients import CtrlTcp

PEERS = Path(__file__).resolve().parent / "peers"
START_TIMEOUT = 15.0


class BaresipProcess:
    """One baresip. With ``kamailio`` and ``user`` it registers there (digest auth, Kamailio as
    outbound proxy); without, it takes and makes direct calls as ``sip:bench@127.0.0.1``."""

    def __init__(
        self,
        name: str,
        folder: Path,
        *,
        kamailio: Kamailio | None = None,
        user: str | None = None,
        lifetime: float = 1800.0,
    ) -> None:
        self.name = name
        self.folder = folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sip_port = free_port()
        self.ctrl_port = free_port(udp=False)
        self.http_port = free_port(udp=False)
        rtp_first = free_rtp_range()
        self.user = user or "bench"
        config = (PEERS / "baresip.config.in").read_text()
        for key, value in {
            "SIP_PORT": self.sip_port,
            "CTRL_PORT": self.ctrl_port,
            "HTTP_PORT": self.http_port,
            "RTP_FIRST": rtp_first,
            "RTP_LAST": rtp_first + 39,
        }.items():
            config = config.replace(f"__{key}__", str(value))
        (self.folder / "config").write_text(config)
        if kamailio is not None and user is not None:
            account = (
                f'<sip:{user}@127.0.0.1>;auth_pass={USERS[user]};outbound="sip:{kamailio.address}";regint=600'
            )
        else:
            account = f"<sip:{self.user}@127.0.0.1>;regint=0"
        (self.folder / "accounts").write_text(account + "\n")
        self.registers = kamailio is not None and user is not None
        self.lifetime = lifetime
        self.process: ManagedProcess | None = None
        self.ctrl: CtrlTcp | None = None

    @property
    def sip_target(self) -> tuple[str, int]:
        return "127.0.0.1", self.sip_port

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> BaresipProcess:
        binary = shutil.which("baresip")
        assert binary, "baresip is required (scripts/setup test installs baresip-core)"
        self.process = ManagedProcess(
            f"baresip:{self.name}",
            [binary, "-f", str(self.folder)],
            log_path=self.folder / "baresip.log",
            cwd=self.folder,
            lifetime=self.lifetime,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not _accepts(self.ctrl_port):
            if not self.process.running:
                raise RuntimeError(f"{self.name} exited:\n{self.process.log_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: ctrl_tcp not listening after {START_TIMEOUT} s")
            await asyncio.sleep(0.05)
        self.ctrl = await CtrlTcp("127.0.0.1", self.ctrl_port).start()
        if self.registers:
            await self._wait_registered(deadline)
        return self

    async def _wait_registered(self, deadline: float) -> None:
        assert self.ctrl is not None
        while True:
            info = str((await self.ctrl.command("reginfo")).get("data", ""))
            if "OK" in info:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not register: {info!r}")
            await asyncio.sleep(0.1)

    async def call_count(self) -> int:
        assert self.ctrl is not None
        data = str((await self.ctrl.command("listcalls")).get("data", ""))
        return data.count("[line ")

    async def hang_up_all(self, timeout: float = 10.0) -> None:
        """``hangup`` ends the current call only: repeat until none is left."""
        assert self.ctrl is not None
        deadline = time.monotonic() + timeout
        while await self.call_count():
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: calls left after {timeout} s")
            await self.ctrl.command("hangup")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        if self.ctrl is not None:
            await self.ctrl.close()
            self.ctrl = None
        if self.process is not None:
            self.process.stop(timeout=5)

    def version(self) -> str:
        log = self.process.log_text() if self.process else ""
        first = log.splitlines()[0] if log else ""
        return first.split(" Copyright")[0].removeprefix("baresip ").lstrip("v") or "unknown"


def _accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0
