"""Kamailio as registrar and proxy with digest auth, from the config in tests/e2e/peers."""

from __future__ import annotations

import re
import shutil
import socket
import time
from pathlib import Path

from tests.e2e.harness.ports import free_port
from tests.e2e.harness.processes import ManagedProcess
from tests.e2e.harness.waiting import wait_until

PEERS = Path(__file__).resolve().parent.parent / "peers"
USERS = {
    "alice": "alicepw",
    "bob": "bobpw",
    "carol": "carolpw",
    "dave": "davepw",
    "erin": "erinpw",
    "frank": "frankpw",
}


class Kamailio:
    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.config = folder / f"kamailio-{self.port}.cfg"
        self.config.write_text((PEERS / "kamailio.cfg.in").read_text().replace("__PORT__", str(self.port)))
        self.log_path = folder / f"kamailio-{self.port}.log"
        self.process: ManagedProcess | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 10.0) -> Kamailio:
        binary = shutil.which("kamailio") or "/usr/sbin/kamailio"
        self.process = ManagedProcess(
            f"kamailio:{self.port}",
            [binary, "-DD", "-E", "-f", str(self.config), "-m", "64", "-M", "8", "-Y", str(self.folder)],
            log_path=self.log_path,
        )
        wait_until(self.answers_options, timeout=timeout, what=f"Kamailio on {self.address}")
        return self

    def answers_options(self) -> bool:
        if self.process is None or not self.process.running:
            raise AssertionError(f"Kamailio exited: {self.log_path.read_text(errors='replace')[-2000:]}")
        request = (
            f"OPTIONS sip:127.0.0.1:{self.port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK{time.monotonic_ns()}\r\n"
            "From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
            f"Call-ID: probe-{time.monotonic_ns()}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.settimeout(0.3)
            # answers go to the Via host:port, so point Via at our own socket
            request = request.replace("127.0.0.1:9;", f"127.0.0.1:{sock.getsockname()[1]};")
            sock.sendto(request.encode(), ("127.0.0.1", self.port))
            try:
                return sock.recv(4096).startswith(b"SIP/2.0")
            except TimeoutError:
                return False

    def stop(self) -> int:
        assert self.process is not None
        return self.process.stop()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def requests(self, method: str, *, to_user: str | None = None) -> list[str]:
        """Log lines of requests Kamailio received, e.g. every INVITE to bob."""
        pattern = re.compile(rf"REQ {method} sip:{re.escape(to_user) + '@' if to_user else ''}")
        return [line for line in self.log().splitlines() if pattern.search(line)]

    def registrations(self, user: str) -> list[str]:
        """The expires values of each REGISTER from ``user`` (a '0' is an un-REGISTER)."""
        found = re.findall(rf"REGISTER {re.escape(user)} expires=(\S*) contact=(.*)", self.log())
        return [f"{header}|{contact}" for header, contact in found]
