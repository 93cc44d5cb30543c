"""Processes started by tests: each has a hard lifetime, dies with the test run, and is
stopped by its PID."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

DEFAULT_LIFETIME = 300.0
_LIVE: set[ManagedProcess] = set()


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class ManagedProcess:
    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        lifetime: float = DEFAULT_LIFETIME,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            preexec_fn=_die_with_parent,
            start_new_session=True,
        )
        self.pid = self.process.pid
        self._killer = threading.Timer(lifetime, self._expire)
        self._killer.daemon = True
        self._killer.start()
        self.expired = False
        _LIVE.add(self)

    def _expire(self) -> None:
        if self.process.poll() is None:
            self.expired = True
            self._kill_group()

    def _kill_group(self) -> None:
        """SIGKILL the process and everything it forked (Kamailio's workers outlive a killed
        main process). It runs in a session of its own, so its group is exactly that."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def send_signal(self, sig: int) -> None:
        if self.running:
            os.kill(self.pid, sig)

    def wait(self, timeout: float) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = 10.0, sig: int = signal.SIGTERM) -> int:
        """Ask it to stop; kill it if it does not within ``timeout``. Returns the exit code."""
        if self.running:
            if sig == signal.SIGKILL:
                self._kill_group()
            else:
                os.kill(self.pid, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill_group()
                self.process.wait(timeout=5)
        self._killer.cancel()
        self._log.close()
        _LIVE.discard(self)
        return self.process.returncode

    def kill(self) -> None:
        self.stop(timeout=0.1, sig=signal.SIGKILL)


def stop_all() -> None:
    for process in list(_LIVE):
        process.stop(timeout=5)


def wait_exit(process: ManagedProcess, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = process.process.poll()
        if code is not None:
            return code
        time.sleep(0.05)
    raise AssertionError(f"{process.name} did not exit within {timeout} s")


def rss_mb(pid: int) -> float:
    """A process's resident memory now (``VmRSS``), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")
