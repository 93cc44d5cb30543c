"""What the engine needs to know, built by the composition root from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class AccountConfig:
    server: str | None = None  # host[:port]; None = no PBX
    domain: str | None = None
    user: str | None = None
    auth_user: str | None = None
    password: str = field(default="", repr=False)
    display_name: str = ""
    transport: str = "udp"
    register: bool = True
    expires: int = 300


@dataclass(frozen=True)
class EngineConfig:
    account: AccountConfig = field(default_factory=AccountConfig)
    bind: str = "127.0.0.1"
    port: int = 5060
    rtp_port: int = 4000
    rtp_port_range: int = 100
    codecs: tuple[str, ...] = ("G722", "PCMA", "PCMU")
    audio_input: Path | None = None
    record_dir: Path | None = None
    media_timeout: float = 30.0
    sip_log_level: int = 2
    user_agent: str = "phonebar"
    max_calls: int = 4
