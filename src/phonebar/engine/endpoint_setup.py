"""Creating the PJSIP endpoint, transports, codecs and account configuration.

These run on the engine thread, in the order DESIGN.md measured to work:
``libCreate`` -> ``libInit`` (no worker threads) -> transports -> null audio
device -> ``libStart`` -> codecs -> account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pjsua2 as pj

from phonebar.engine.engine_config import AccountConfig, EngineConfig
from phonebar.engine.log_writer import PjLogWriter
from phonebar.engine.pj_errors import pj_errors
from phonebar.errors import ConfigError

log = logging.getLogger(__name__)

_TRANSPORTS = {"udp": pj.PJSIP_TRANSPORT_UDP, "tcp": pj.PJSIP_TRANSPORT_TCP, "tls": pj.PJSIP_TRANSPORT_TLS}


@dataclass
class Endpoint:
    endpoint: pj.Endpoint
    log_writer: PjLogWriter
    udp_address: tuple[str, int]
    transports: list[str]
    codecs: list[str]


def create_endpoint(config: EngineConfig) -> Endpoint:
    endpoint = pj.Endpoint()
    endpoint.libCreate()
    try:
        return _start(endpoint, config)
    except BaseException:
        # destroyed here, on the thread that created it: left to the main thread at exit,
        # the library aborts the process (pjlib called from an unregistered thread)
        endpoint.libDestroy()
        raise


def _start(endpoint: pj.Endpoint, config: EngineConfig) -> Endpoint:
    ep_config = pj.EpConfig()
    ep_config.uaConfig.threadCnt = 0
    ep_config.uaConfig.mainThreadOnly = True
    ep_config.uaConfig.maxCalls = config.max_calls
    ep_config.uaConfig.userAgent = config.user_agent
    writer = PjLogWriter()
    ep_config.logConfig.writer = writer
    ep_config.logConfig.level = config.sip_log_level
    # pjsua hands a line to the writer only up to consoleLevel (the writer replaces the console)
    ep_config.logConfig.consoleLevel = config.sip_log_level
    ep_config.logConfig.msgLogging = config.sip_log_level >= 5
    ep_config.logConfig.decor = 0
    ep_config.medConfig.noVad = True
    ep_config.medConfig.clockRate = 16000
    ep_config.medConfig.sndClockRate = 16000
    ep_config.medConfig.ecTailLen = 0
    with pj_errors("start the SIP stack"):
        endpoint.libInit(ep_config)
    transports, udp_address = _create_transports(endpoint, config)
    endpoint.audDevManager().setNullDev()
    with pj_errors("start the SIP stack"):
        endpoint.libStart()
    codecs = _set_codec_priorities(endpoint, config.codecs)
    return Endpoint(endpoint, writer, udp_address, transports, codecs)


def _create_transports(endpoint: pj.Endpoint, config: EngineConfig) -> tuple[list[str], tuple[str, int]]:
    """UDP always (it also carries the engine loop's wake-up), plus TCP or TLS if asked."""
    names: list[str] = []
    udp_address = ("", 0)
    wanted = ["udp"] if config.account.transport == "udp" else ["udp", config.account.transport]
    for name in wanted:
        transport_config = pj.TransportConfig()
        transport_config.boundAddress = config.bind
        transport_config.port = config.port if name != "tls" or config.port == 0 else config.port + 1
        try:
            transport_id = endpoint.transportCreate(_TRANSPORTS[name], transport_config)
        except pj.Error as exc:
            raise ConfigError(
                f"sip.port: cannot listen for SIP/{name.upper()} on {config.bind}:{transport_config.port} "
                f"({exc.reason or exc.title}); is another phone or PBX using it?"
            ) from None
        local = endpoint.transportGetInfo(transport_id).localName
        names.append(f"{name}:{local}")
        if name == "udp":
            host, _, port = local.rpartition(":")
            udp_address = (host.strip("[]"), int(port))
    return names, udp_address


def _set_codec_priorities(endpoint: pj.Endpoint, wanted: tuple[str, ...]) -> list[str]:
    """Enable exactly the configured codecs, in that order; everything else (speex
    above all: it garbles audio after a transfer) gets priority 0."""
    available = [info.codecId for info in endpoint.codecEnum2()]
    chosen: list[str] = []
    for name in wanted:
        matches = [codec for codec in available if _codec_matches(codec, name) and codec not in chosen]
        if not matches:
            names = ", ".join(sorted({codec.split("/")[0] for codec in available} - {"speex"}))
            raise ConfigError(f"sip.codecs: no codec called {name!r} (available: {names})")
        chosen.extend(matches)
    for codec in available:
        priority = 255 - chosen.index(codec) if codec in chosen else 0
        endpoint.codecSetPriority(codec, priority)
    return chosen


def _codec_matches(codec_id: str, name: str) -> bool:
    codec = codec_id.lower().split("/")
    wanted = name.lower().split("/")
    return codec[: len(wanted)] == wanted


def account_config(config: EngineConfig, local_address: tuple[str, int]) -> pj.AccountConfig:
    account = config.account
    acc_config = pj.AccountConfig()
    acc_config.idUri = local_uri(account, local_address)
    acc_config.natConfig.sipOutboundUse = 0
    acc_config.mediaConfig.transportConfig.port = config.rtp_port
    acc_config.mediaConfig.transportConfig.portRange = config.rtp_port_range
    acc_config.mediaConfig.transportConfig.boundAddress = config.bind
    acc_config.regConfig.registerOnAdd = False
    if account.server:
        suffix = "" if account.transport == "udp" else f";transport={account.transport}"
        acc_config.regConfig.registrarUri = f"sip:{account.server}{suffix}"
        acc_config.regConfig.registerOnAdd = account.register
        acc_config.regConfig.timeoutSec = account.expires
        acc_config.regConfig.retryIntervalSec = 0  # the services retry, with back-off
        acc_config.regConfig.firstRetryIntervalSec = 0
        acc_config.regConfig.dropCallsOnFail = False
        acc_config.sipConfig.proxies.append(f"sip:{account.server};lr{suffix}")
        credentials = pj.AuthCredInfo(
            "digest", "*", account.auth_user or account.user or "", 0, account.password
        )
        acc_config.sipConfig.authCreds.append(credentials)
    return acc_config


def local_uri(account: AccountConfig, local_address: tuple[str, int]) -> str:
    if account.server and account.user:
        uri = f"sip:{account.user}@{account.domain or account.server.rsplit(':', 1)[0]}"
    else:
        host, port = local_address
        host = f"[{host}]" if ":" in host else host
        uri = f"sip:{account.user or 'phonebar'}@{host}:{port}"  # no registrar: reached directly
    return f'"{account.display_name}" <{uri}>' if account.display_name else uri
