"""A phonebar daemon in its own process: configured by a TOML file, driven over its API."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import tomli_w

from tests.e2e.harness.kamailio import USERS, Kamailio
from tests.e2e.harness.ports import free_port, free_rtp_range
from tests.e2e.harness.processes import ManagedProcess, rss_mb, wait_exit
from tests.e2e.harness.waiting import wait_until

START_TIMEOUT = 20.0


class PhonebarProcess:
    """One phonebar. ``user`` registers it with ``kamailio``; ``tone`` loops as its microphone;
    ``settings`` are merged over the test bed's defaults (a value of None removes one)."""

    def __init__(
        self,
        name: str,
        folder: Path,
        *,
        kamailio: Kamailio | None = None,
        user: str | None = None,
        auto_answer: bool = False,
        tone: Path | None = None,
        settings: dict[str, dict[str, Any]] | None = None,
        env: dict[str, str] | None = None,
        lifetime: float = 300.0,
        program: tuple[str, ...] = ("-m", "phonebar", "run"),
    ) -> None:
        self.name = name
        self.folder = folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.record_dir = self.folder / "recordings"
        self.sip_port = free_port()
        self.api_port = free_port(udp=False)
        self.user = user
        config: dict[str, dict[str, Any]] = {
            "sip": {"port": self.sip_port, "rtp_port": free_rtp_range(), "rtp_port_range": 40},
            "api": {"port": self.api_port},
            "calls": {"auto_answer": auto_answer},
            # no sound devices unless a test gives it some (a PulseAudio server of its own)
            "audio": {"record_dir": str(self.record_dir), "backend": "none"},
            "history": {"path": str(self.folder / "history.sqlite3")},
            "log": {"level": "debug", "sip_level": 3},
        }
        if tone is not None:
            config["audio"]["input"] = str(tone)
        if user is not None:
            assert kamailio is not None
            config["account"] = {
                "server": kamailio.address,
                "user": user,
                "password": USERS[user],
                "display_name": name.title(),
            }
        for section, values in (settings or {}).items():
            target = config.setdefault(section, {})
            for key, value in values.items():
                if value is None:
                    target.pop(key, None)  # drops a test-bed default, e.g. recording
                else:
                    target[key] = value
        self.config = config
        self.config_path = self.folder / "phonebar.toml"
        self.config_path.write_text(tomli_w.dumps(config))
        self.lifetime = lifetime
        self.env = env
        self.program = program  # what runs under the interpreter, given --config FILE
        self.process: ManagedProcess | None = None
        self.api = self._client()

    def _client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.base_url, timeout=10.0)
        if self.config["api"].get("token"):
            # with api.token set, the harness is a client that knows it (tests of the token bypass it)
            client.headers["Authorization"] = f"Bearer {self.config['api']['token']}"
        return client

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def sip_uri(self) -> str:
        """Where to reach this phone directly, without the proxy."""
        return f"sip:{self.user or 'phonebar'}@127.0.0.1:{self.sip_port}"

    def start(self, *, wait_registered: bool = True) -> PhonebarProcess:
        self.start_process()
        wait_until(self._healthy, timeout=START_TIMEOUT, what=f"{self.name} to serve its API")
        if self.user is not None and wait_registered:
            self.wait_registration("registered")
        return self

    def start_process(self) -> None:
        if self.api.is_closed:  # started again after a stop
            self.api = self._client()
        self.process = ManagedProcess(
            f"phonebar:{self.name}",
            [sys.executable, *self.program, "--config", str(self.config_path)],
            log_path=self.folder / "phonebar.log",
            env={**os.environ, **self.env} if self.env else None,
            cwd=self.folder,  # whatever a CTI program writes lands here
            lifetime=self.lifetime,
        )

    def run_to_exit(self, timeout: float = START_TIMEOUT) -> int:
        """Start it when it is expected to refuse to start; returns the exit code."""
        self.start_process()
        assert self.process is not None
        return wait_exit(self.process, timeout)

    def _healthy(self) -> bool:
        assert self.process is not None
        if not self.process.running:
            raise AssertionError(f"{self.name} exited early:\n{self.process.log_text()[-3000:]}")
        try:
            return self.api.get("/api/health").status_code == 200
        except httpx.HTTPError:
            return False

    # -- the API --------------------------------------------------------------------

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.api.get(path, params=params or None)

    def ok(self, path: str, **params: Any) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, f"{self.name} GET {path}: {response.status_code} {response.text}"
        return response.json()

    def calls(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.ok("/api/calls")
        return result

    def status(self) -> dict[str, Any]:
        result: dict[str, Any] = self.ok("/api/status")
        return result

    def wait_registration(self, state: str, timeout: float = 15.0) -> dict[str, Any]:
        return wait_until(
            lambda: (reg := self.status()["registration"])["state"] == state and reg,
            timeout=timeout,
            what=f"{self.name} registration {state}",
        )

    def wait_call(self, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
        """The first call whose fields match, once one does."""

        def match() -> dict[str, Any] | None:
            for call in self.calls():
                if all(call.get(key) == value for key, value in fields.items()):
                    return call
            return None

        return wait_until(match, timeout=timeout, what=f"{self.name}: a call with {fields}")

    def wait_no_calls(self, timeout: float = 10.0) -> None:
        wait_until(
            lambda: self.calls() == [], timeout=timeout, what=f"{self.name} to have no call", interval=0.05
        )

    def replayed_events(self, quiet: float = 0.3) -> list[dict[str, Any]]:
        """Every event still in the daemon's replay buffer, read from /api/events?since=0
        until the stream has been quiet for ``quiet`` seconds."""
        events: list[dict[str, Any]] = []
        timeout = httpx.Timeout(5.0, read=quiet)
        try:
            with self.api.stream("GET", "/api/events", params={"since": 0}, timeout=timeout) as stream:
                for line in stream.iter_lines():
                    if line.startswith("data: "):
                        events.append(json.loads(line[6:]))
        except httpx.ReadTimeout:
            pass
        return events

    def recording(self, session_id: str) -> Path:
        return self.record_dir / f"{session_id}.wav"

    # -- life -----------------------------------------------------------------------

    def stop(self, timeout: float = 15.0) -> int:
        self.api.close()
        return self.process.stop(timeout=timeout) if self.process else 0

    def kill(self) -> None:
        """SIGKILL: no shutdown at all, as in a crash or a power cut of the process."""
        self.api.close()
        if self.process is not None:
            self.process.kill()

    def log(self) -> str:
        return self.process.log_text() if self.process else ""

    def rss_mb(self) -> float:
        """The daemon's resident memory now (VmRSS), in MB."""
        assert self.process is not None
        return rss_mb(self.process.pid)
