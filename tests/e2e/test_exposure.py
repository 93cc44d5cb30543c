"""Exposure, end to end: loopback by default, no start beyond loopback without a token,
the token on every route but the health check, and never in the daemon's log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import PhoneFactory
from tests.e2e.harness.ports import free_port

TOKEN = "Qm4-vX9t_Lz2.Rk8-Wp3"


def run_phonebar(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("PHONEBAR_")}
    clean["HOME"] = str(tmp_path)  # no ~/.config/phonebar/phonebar.toml of the machine's user
    return subprocess.run(
        [sys.executable, "-m", "phonebar", *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--set", "api.host=0.0.0.0"], {}),
        (["--set", "api.host=192.168.1.20"], {}),
        ([], {"PHONEBAR_API_HOST": "::"}),
    ],
    ids=["all-interfaces", "lan-address", "from-the-environment"],
)
def test_beyond_loopback_without_a_token_the_daemon_refuses_to_start(
    tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    port = free_port(udp=False)
    result = run_phonebar(tmp_path, "run", "--set", f"api.port={port}", *args, env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("phonebar: configuration error: api: api.host is ")
    assert "which other machines can reach: set api.token (PHONEBAR_API_TOKEN)" in line
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("api.token=short", "api.token: must be at least 16 characters"),
        ('api.allowed_origins=["null"]', 'api: api.allowed_origins has "null"'),
        (
            'api.allowed_origins=["https://crm.example.com/app"]',
            "api.allowed_origins: expected scheme://host",
        ),
    ],
)
def test_unsafe_api_settings_refuse_to_start(tmp_path: Path, setting: str, message: str) -> None:
    result = run_phonebar(tmp_path, "run", "--set", setting)
    assert result.returncode == 2
    assert message in result.stderr, result.stderr


def test_check_config_hides_the_token(tmp_path: Path) -> None:
    result = run_phonebar(
        tmp_path, "check-config", "--set", f"api.token={TOKEN}", "--set", "api.host=0.0.0.0"
    )
    assert result.returncode == 0, result.stderr
    assert TOKEN not in result.stdout + result.stderr
    assert '"token": "**********"' in result.stdout


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.rsplit(":", 1)
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                found.add(address)
    return found


def test_the_default_binds_loopback_only(phones: PhoneFactory) -> None:
    alice = phones("alice")
    assert listening_addresses(alice.api_port) == {"0100007F"}  # 127.0.0.1, nothing else
    assert f"API on http://127.0.0.1:{alice.api_port}" in alice.log()
    assert alice.ok("/api/calls") == []  # no token needed


def test_with_a_token_every_route_but_health_needs_it_and_it_never_reaches_the_log(
    phones: PhoneFactory,
) -> None:
    # 127.0.0.2 is "beyond 127.0.0.1" for phonebar (so a token is needed), yet reachable only here
    alice = phones(
        "alice",
        settings={"api": {"host": "127.0.0.2", "token": TOKEN, "allowed_hosts": ["agent-pc.test"]}},
        start=False,
    )
    alice.api = httpx.Client(
        base_url=f"http://127.0.0.2:{alice.api_port}",
        timeout=10,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    alice.start()
    assert listening_addresses(alice.api_port) == {"0200007F"}
    base = f"http://127.0.0.2:{alice.api_port}"
    with httpx.Client(base_url=base, timeout=10) as bare:
        assert bare.get("/api/health").json() == {"status": "ok"}
        for path in [
            "/api/calls",
            "/api/status",
            "/api/originate/1001",
            "/api/dnd/on",
            "/openapi.json",
            "/docs",
        ]:
            refused = bare.get(path)
            assert refused.status_code == 401, path
            assert refused.json()["error"]["code"] == "unauthorized"
        assert bare.post("/api/hangup").status_code == 401
        assert bare.get("/api/calls", headers={"Authorization": f"Bearer {TOKEN}"}).json() == []
        assert bare.get("/api/calls", params={"token": TOKEN}).json() == []
        assert bare.get("/api/status", params={"token": TOKEN}).json()["dnd"] is False
        # clients on another machine name the host: only the configured names pass
        assert (
            bare.get("/api/calls", params={"token": TOKEN}, headers={"Host": "agent-pc.test:1"}).json() == []
        )
        other = bare.get("/api/calls", params={"token": TOKEN}, headers={"Host": "evil.test"})
        assert other.json()["error"]["code"] == "forbidden_host"
        # every way a token can show up in a request, right and wrong, and with failures
        for params in (
            {"token": TOKEN},
            {"token": TOKEN + "x"},
            {"token": TOKEN, "since": "-5"},
            {"token": TOKEN[:-1]},
        ):
            bare.get("/api/events" if "since" in params else "/api/calls", params=params)
            bare.get("/api/originate/not-a-number", params=params)
            bare.get("/api/answer/zzzz-1", params=params)
            bare.get("/api/no-such-route", params=params)
            bare.get("/api/calls", params=params, headers={"Origin": "https://attacker.test"})
    assert alice.stop() == 0
    log = alice.log()
    assert "refused GET /api/calls (unauthorized)" in log  # the requests did reach the daemon
    assert TOKEN not in log
    assert TOKEN[:10] not in log
