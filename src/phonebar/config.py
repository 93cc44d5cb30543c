"""Settings: defaults < TOML file < ``PHONEBAR_<SECTION>_<KEY>`` environment < command line.

Every key is validated at start; a wrong value raises :class:`ConfigError` whose
message names the key (``account.expires``) and the problem. Secrets (the SIP
password, the API token) are ``SecretStr``: they never print in a log line or a
``repr``.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from phonebar.cti.templates import Template, TemplateError, json_strings
from phonebar.errors import ConfigError

ENV_PREFIX = "PHONEBAR_"
# the codecs the pjsua2-python wheel is built with (speex aside, which is refused)
_CODECS = {name.lower(): name for name in ("G722", "GSM", "iLBC", "L16", "PCMA", "PCMU")}
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_HOSTPORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?$")
_ORIGIN = re.compile(r"^(https?)://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, populate_by_name=True)

    @classmethod
    def setting_names(cls) -> list[str]:
        """The setting names as they appear in TOML and the environment."""
        return [field.alias or name for name, field in cls.model_fields.items()]


class AccountSettings(_Section):
    """The SIP account. With no ``server`` phonebar runs without a PBX."""

    server: str | None = None
    domain: str | None = None
    user: str | None = None
    auth_user: str | None = None
    password: SecretStr = SecretStr("")
    display_name: str = ""
    transport: Literal["udp", "tcp", "tls"] = "udp"
    register_: bool = Field(default=True, alias="register")  # "register" would shadow ABCMeta.register
    expires: int = Field(default=300, ge=10, le=86400)
    retry_max: int = Field(default=60, ge=1, le=3600, description="longest back-off between retries, s")
    keepalive: int = Field(
        default=30, ge=0, le=3600, description="registrar liveness probe period, s; 0 = off"
    )

    @field_validator("server")
    @classmethod
    def _server_is_hostport(cls, value: str | None) -> str | None:
        if value is not None and not _HOSTPORT.match(value):
            raise ValueError(f"expected host[:port], got {value!r}")
        return value

    @field_validator("user", "auth_user")
    @classmethod
    def _plain_user(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9._~+*#!$&'()=,-]{1,64}", value):
            raise ValueError("letters, digits and -._~+*#!$&'()=, only (1 to 64)")
        return value

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str) -> str:
        if any(ch in value for ch in '"\\\r\n<>'):
            raise ValueError("must not contain quotes, backslashes, < > or line breaks")
        return value

    @model_validator(mode="after")
    def _user_with_server(self) -> AccountSettings:
        if self.server and not self.user:
            raise ValueError("account.user is required when account.server is set")
        return self

    @property
    def register(self) -> bool:
        return self.register_

    @property
    def configured(self) -> bool:
        return bool(self.server)

    @property
    def server_host(self) -> str | None:
        if not self.server:
            return None
        match = _HOSTPORT.match(self.server)
        assert match is not None
        return match.group("host")

    @property
    def sip_domain(self) -> str | None:
        return self.domain or self.server_host

    @property
    def auth_username(self) -> str | None:
        return self.auth_user or self.user


class SipSettings(_Section):
    bind: str = "127.0.0.1"
    port: int = Field(default=5060, ge=0, le=65535, description="0 = any free port")
    rtp_port: int = Field(default=4000, ge=1024, le=65000)
    rtp_port_range: int = Field(default=100, ge=8, le=10000, description="number of RTP ports to use")
    codecs: list[str] = Field(default_factory=lambda: ["G722", "PCMA", "PCMU"], min_length=1)
    media_timeout: int = Field(
        default=30, ge=0, le=3600, description="end a call after this many seconds without RTP; 0 = never"
    )

    @field_validator("bind")
    @classmethod
    def _bind_is_ip(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError as exc:
            raise ValueError(f"expected an IP address, got {value!r}") from exc
        return value

    @field_validator("codecs")
    @classmethod
    def _codec_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z0-9.-]{2,16}(/[0-9]{4,6}(/[12])?)?", name):
                raise ValueError(f"not a codec name: {name!r}")
            if name.lower().startswith("speex"):
                raise ValueError("speex garbles audio after a transfer in PJSIP and is always disabled")
            if name.split("/", 1)[0].lower() not in _CODECS:
                raise ValueError(
                    f"no codec called {name!r} (available: {', '.join(sorted(_CODECS.values()))})"
                )
        return value


class ApiSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=9888, ge=0, le=65535, description="0 = any free port")
    token: SecretStr | None = None
    allowed_origins: list[str] = Field(default_factory=list)
    allowed_hosts: list[str] = Field(default_factory=list)

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "null" and not _ORIGIN.match(origin):
                raise ValueError(f'expected scheme://host[:port] or "null", got {origin!r}')
        return [origin.lower() for origin in value]

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        for host in value:
            if not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]", host):
                raise ValueError(f"expected a host name without port, got {host!r}")
        return [host.lower() for host in value]

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        secret = value.get_secret_value()
        if len(secret) < 16:
            raise ValueError("must be at least 16 characters")
        # it travels in a header and in ?token=: printable ASCII, nothing to quote or trim
        if len(secret) > 256 or not all("!" <= ch <= "~" for ch in secret):
            raise ValueError("must be 16 to 256 printable ASCII characters without spaces")
        return value

    @model_validator(mode="after")
    def _remote_needs_token(self) -> ApiSettings:
        if self.host not in LOOPBACK_HOSTS and self.token is None:
            raise ValueError(
                f"api.host is {self.host!r}, which other machines can reach: set api.token "
                "(PHONEBAR_API_TOKEN) before binding the API beyond loopback"
            )
        if "null" in self.allowed_origins and self.token is None:
            # any web site can send "Origin: null" (a sandboxed iframe), so it proves nothing
            raise ValueError(
                'api.allowed_origins has "null", which any web page can send from a sandboxed '
                "frame: set api.token (PHONEBAR_API_TOKEN) as well"
            )
        return self


class CallSettings(_Section):
    auto_answer: bool = False
    dial_map: dict[str, str] = Field(default_factory=dict, description="number -> sip: URI, checked first")
    dtmf_method: Literal["rfc2833", "info"] = "rfc2833"
    transfer_timeout: float = Field(default=30.0, gt=0, le=600, description="wait for the NOTIFY, s")
    dnd: bool = False
    dnd_status: int = Field(default=486, ge=400, le=699)

    @field_validator("dial_map")
    @classmethod
    def _dial_map(cls, value: dict[str, str]) -> dict[str, str]:
        for number, uri in value.items():
            if not re.fullmatch(r"\+?[0-9*#]{1,32}", number):
                raise ValueError(f"key {number!r} is not a dialable number")
            if not re.fullmatch(r"sips?:[A-Za-z0-9._~+*#!$&'()=,%-]+@[A-Za-z0-9.:\[\]-]+", uri):
                raise ValueError(f"value for {number!r} is not a sip: URI: {uri!r}")
        return value


class AudioSettings(_Section):
    """Sound devices. Device ids are PulseAudio sink/source names or PortAudio device names
    (``GET /api/audio/devices`` lists them); unset = the system's default device."""

    input: Path | None = Field(default=None, description="WAV file looped as the microphone (wins)")
    record_dir: Path | None = None
    backend: Literal["auto", "pulse", "portaudio", "none"] = "auto"
    microphone: str | None = Field(default=None, description="input device id; unset = default")
    speaker: str | None = Field(default=None, description="output device id for calls; unset = default")
    ringer: str | None = Field(default=None, description="output device id for the ring tone")
    ring: bool = Field(default=True, description="play a ring tone for inbound calls")
    ring_tone: Path | None = Field(default=None, description="16-bit WAV; unset = the built-in ring")
    microphone_volume: float = Field(default=1.0, ge=0.0, le=2.0)
    speaker_volume: float = Field(default=1.0, ge=0.0, le=2.0)
    ringer_volume: float = Field(default=1.0, ge=0.0, le=2.0)

    @field_validator("input", "ring_tone", "microphone", "speaker", "ringer", mode="before")
    @classmethod
    def _null_input(cls, value: Any) -> Any:
        return None if value in ("", "null", "none", "default") else value

    @field_validator("input", "ring_tone")
    @classmethod
    def _input_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such WAV file: {str(value)!r}")
        return value


class EventSettings(_Section):
    buffer: int = Field(default=1000, ge=10, le=100_000, description="events kept for reconnecting clients")
    client_queue: int = Field(default=256, ge=4, le=100_000, description="events queued per client at most")
    write_timeout: float = Field(
        default=10.0, ge=0.5, le=300, description="cut a client off when one write takes longer, s"
    )


class HistorySettings(_Section):
    enabled: bool = True
    path: Path | None = Field(default=None, description="SQLite file; default under $XDG_STATE_HOME")
    keep: int = Field(default=100_000, ge=100, le=10_000_000, description="calls kept; older ones go")


class CtiRule(_Section):
    """One ``[[cti.rules]]`` table: when (``event`` and filters) and what (``action``)."""

    event: Literal["ringing", "answered", "ended", "outbound", "missed"]
    action: Literal["webhook", "open_url", "run"]
    url: str | None = None
    method: Literal["GET", "POST"] = "POST"
    body: dict[str, Any] | None = Field(default=None, description="webhook POST: a JSON template")
    http_headers: dict[str, SecretStr] = Field(
        default_factory=dict, description="webhook: request headers (secret: tokens go here)"
    )
    command: list[str] | None = None
    direction: Literal["inbound", "outbound"] | None = None
    number: str | None = Field(default=None, description="regular expression the number must match")
    header: dict[str, str] = Field(default_factory=dict, description="header name -> regular expression")

    @model_validator(mode="after")
    def _action_fields(self) -> CtiRule:
        fields = self.model_fields_set
        if self.action in ("webhook", "open_url"):
            if not self.url:
                raise ValueError(f"action {self.action!r} needs url")
            if "command" in fields:
                raise ValueError(f"action {self.action!r} takes url, not command")
            url = _template(self.url, "url")
            if not re.match(r"https?://[^{}/?#]", url.literal_prefix):
                raise ValueError(f"url must start with http:// or https:// and a host, got {self.url!r}")
        if self.action == "run":
            if not self.command:
                raise ValueError("action 'run' needs command (a list: program and arguments)")
            if fields & {"url", "method", "body", "http_headers"}:
                raise ValueError("action 'run' takes command, not url, method, body or http_headers")
            if _template(self.command[0], "command[0]").names:
                raise ValueError("command[0], the program, must be written out (no {placeholders})")
            _check_program(self.command[0])
            for index, argument in enumerate(self.command[1:], start=1):
                _template(argument, f"command[{index}]")
        if self.action != "webhook" and fields & {"method", "body", "http_headers"}:
            raise ValueError("method, body and http_headers are for action 'webhook' only")
        if self.body is not None:
            if self.method != "POST":
                raise ValueError("body is sent with method 'POST' only")
            for text in json_strings(self.body):
                _template(text, "body")
        for name, value in self.http_headers.items():
            if not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}", name):
                raise ValueError(f"http_headers: {name!r} is not a header name")
            _template(value.get_secret_value(), f"http_headers.{name}")
        for pattern in [self.number, *self.header.values()]:
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        return self


def _template(text: str, key: str) -> Template:
    try:
        return Template.parse(text)
    except TemplateError as exc:
        raise ValueError(f"{key}: {exc}") from None


def _check_program(program: str) -> None:
    if "/" in program:
        path = Path(program).expanduser()
        if not path.is_file() or not os.access(path, os.X_OK):
            raise ValueError(f"command[0]: {program!r} is not an executable file")
    elif shutil.which(program) is None:
        raise ValueError(f"command[0]: {program!r} is not found on PATH")


class CtiSettings(_Section):
    rules: list[CtiRule] = Field(default_factory=list)
    webhook_timeout: float = Field(default=5.0, gt=0, le=120, description="per attempt, s")
    webhook_retries: int = Field(default=2, ge=0, le=10)
    webhook_concurrency: int = Field(default=8, ge=1, le=256)
    run_timeout: float = Field(default=30.0, gt=0, le=3600)
    open_timeout: float = Field(default=10.0, gt=0, le=120, description="wait for the browser, s")
    max_pending: int = Field(default=64, ge=1, le=10_000, description="CTI actions in flight at most")


class LogSettings(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    sip_level: int = Field(default=2, ge=0, le=6, description="PJSIP log level (5 shows SIP messages)")


class Settings(_Section):
    """All of phonebar's settings, one section per TOML table."""

    account: AccountSettings = Field(default_factory=AccountSettings)
    sip: SipSettings = Field(default_factory=SipSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    calls: CallSettings = Field(default_factory=CallSettings)
    audio: AudioSettings = Field(default_factory=AudioSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    history: HistorySettings = Field(default_factory=HistorySettings)
    cti: CtiSettings = Field(default_factory=CtiSettings)
    log: LogSettings = Field(default_factory=LogSettings)

    def history_path(self) -> Path | None:
        """The history database, or None when ``history.enabled`` is false."""
        if not self.history.enabled:
            return None
        if self.history.path is not None:
            return self.history.path
        state_home = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
        return state_home / "phonebar" / "history.sqlite3"


_SECTIONS: dict[str, type[_Section]] = {
    name: field.annotation  # type: ignore[misc]
    for name, field in Settings.model_fields.items()
}


def load_settings(
    path: Path | None = None,
    environ: dict[str, str] | None = None,
    overrides: dict[str, str] | None = None,
) -> Settings:
    """Build validated settings from a TOML file, the environment and ``section.key=value`` overrides."""
    data: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}  # section.key -> where a value that is not from the file came from
    if path is not None:
        data = _read_toml(path)
    env = os.environ if environ is None else environ
    for section, model in _SECTIONS.items():
        for key in model.setting_names():
            name = f"{ENV_PREFIX}{section.upper()}_{key.upper()}"
            raw = env.get(name)
            if raw is not None:
                data.setdefault(section, {})[key] = _parse_scalar(raw, f"{section}.{key}")
                sources[f"{section}.{key}"] = name
    for dotted, raw in (overrides or {}).items():
        section, _, key = dotted.partition(".")
        if section not in _SECTIONS or key not in _SECTIONS[section].setting_names():
            raise ConfigError(f"{dotted}: no such setting")
        data.setdefault(section, {})[key] = _parse_scalar(raw, dotted)
        sources[dotted] = "--set"
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path, sources)) from None


def _read_toml(path: Path) -> dict[str, dict[str, Any]]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    for section, value in data.items():
        if section not in _SECTIONS:
            raise ConfigError(f"{path}: unknown section [{section}] (known: {', '.join(_SECTIONS)})")
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: {section} must be a table")
    return data


def _parse_scalar(raw: str, key: str) -> Any:
    """Read an environment or command-line value: JSON for lists, tables, numbers and booleans."""
    text = raw.strip()
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{key}: not valid JSON: {exc.msg}") from None
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    return raw


def _describe(exc: ValidationError, path: Path | None, sources: dict[str, str]) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "settings"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key"
        source = sources.get(".".join(str(part) for part in error["loc"][:2]))
        where = f"{path}: " if path and source is None else ""
        lines.append(f"{where}{key}: {message}" + (f" (from {source})" if source else ""))
    return "; ".join(lines)
