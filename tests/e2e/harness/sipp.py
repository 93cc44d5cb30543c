"""sipp scenarios, run as managed processes against 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.e2e.harness.ports import free_port, free_rtp_range
from tests.e2e.harness.processes import ManagedProcess, wait_exit

PEERS = Path(__file__).resolve().parent.parent / "peers"


class Sipp:
    def __init__(
        self, folder: Path, scenario: str, target: str | None, *extra: str, lifetime: float = 120.0
    ) -> None:
        """``target`` is where a caller sends to; a far end (UAS) has none."""
        sipp = shutil.which("sipp")
        assert sipp, "sipp is required (the test command installs sip-tester)"
        self.port = free_port()
        self.folder = folder
        scenario_path = PEERS / scenario if (PEERS / scenario).exists() else Path(scenario)
        self.process = ManagedProcess(
            f"sipp:{scenario_path.stem}",
            [
                sipp,
                *([target] if target else []),
                "-sf",
                str(scenario_path),
                "-i",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-mp",
                str(free_rtp_range(8)),
                "-m",
                "1",
                "-nostdin",
                "-trace_err",
                "-trace_msg",
                "-message_file",
                str(folder / f"sipp-{self.port}-messages.log"),
                "-error_file",
                str(folder / f"sipp-{self.port}-errors.log"),
                *extra,
            ],
            log_path=folder / f"sipp-{self.port}.log",
            cwd=folder,
            lifetime=lifetime,
        )

    @property
    def uri(self) -> str:
        return f"sip:sipp@127.0.0.1:{self.port}"

    def wait(self, timeout: float) -> int:
        return wait_exit(self.process, timeout)

    def messages(self) -> str:
        path = self.folder / f"sipp-{self.port}-messages.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        self.process.stop(timeout=3)
