"""The exposure rules in the settings: loopback by default, a token before anything else."""

from __future__ import annotations

import logging

import pytest

from phonebar.config import load_settings
from phonebar.errors import ConfigError

TOKEN = "k9Qz-7fT2_pLm4Xw"


def settings(**overrides: str):  # type: ignore[no-untyped-def]
    return load_settings(None, environ={}, overrides=overrides)


def test_the_default_is_loopback_without_token_nor_origins() -> None:
    api = settings().api
    assert (api.host, api.port, api.token, api.allowed_origins, api.allowed_hosts) == (
        "127.0.0.1",
        9888,
        None,
        [],
        [],
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "192.168.1.20", "pbx-agent.lan", "127.0.0.2"])
def test_beyond_loopback_a_token_is_required(host: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**{"api.host": host})
    assert f"api.host is {host!r}" in raised.value.message
    assert "set api.token" in raised.value.message
    assert settings(**{"api.host": host, "api.token": TOKEN}).api.host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_needs_no_token(host: str) -> None:
    assert settings(**{"api.host": host}).api.token is None


@pytest.mark.parametrize(
    ("token", "problem"),
    [
        ("short", "at least 16"),
        ("with a space in it!!", "printable ASCII"),
        ("tab\tinside-the-token", "printable ASCII"),
        ("line\nbreak-inside-token", "printable ASCII"),
        ("ünïcödé-tøken-12345", "printable ASCII"),
        ("x" * 257, "printable ASCII"),
    ],
)
def test_a_token_must_be_long_and_plain(token: str, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**{"api.token": token})
    assert raised.value.message.startswith("api.token:")
    assert problem in raised.value.message
    assert token not in raised.value.message  # not even a wrong secret is echoed


def test_the_token_never_prints() -> None:
    api = settings(**{"api.token": TOKEN}).api
    assert TOKEN not in repr(api)
    assert TOKEN not in api.model_dump_json()
    assert api.token is not None
    assert api.token.get_secret_value() == TOKEN


def test_the_null_origin_needs_a_token() -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**{"api.allowed_origins": '["null"]'})
    assert "sandboxed" in raised.value.message
    allowed = settings(**{"api.allowed_origins": '["null"]', "api.token": TOKEN}).api
    assert allowed.allowed_origins == ["null"]


@pytest.mark.parametrize(
    "origin",
    [
        "crm.example.com",
        "https://crm.example.com/",
        "https://crm.example.com/path",
        "*",
        "ftp://x",
        "https://",
    ],
)
def test_origins_are_scheme_host_and_port_only(origin: str) -> None:
    with pytest.raises(ConfigError, match=r"api\.allowed_origins"):
        settings(**{"api.allowed_origins": f'["{origin}"]'})


def test_origins_and_hosts_are_compared_in_lower_case() -> None:
    api = settings(
        **{
            "api.allowed_origins": '["https://CRM.Example.com:8443"]',
            "api.allowed_hosts": '["Agent-PC.lan"]',
        }
    ).api
    assert api.allowed_origins == ["https://crm.example.com:8443"]
    assert api.allowed_hosts == ["agent-pc.lan"]


@pytest.mark.parametrize("host", ["agent.lan:9888", "http://agent.lan", "*.lan", "a b"])
def test_allowed_hosts_are_bare_names(host: str) -> None:
    with pytest.raises(ConfigError, match=r"api\.allowed_hosts"):
        settings(**{"api.allowed_hosts": f'["{host}"]'})


def test_the_daemon_says_at_start_who_may_reach_the_api(caplog: pytest.LogCaptureFixture) -> None:
    from phonebar.server import log_exposure

    caplog.set_level(logging.INFO, logger="phonebar.server")
    log_exposure(settings().api)
    assert [record.getMessage() for record in caplog.records] == [
        "API: no token (api.token): any program on this machine may call it; web pages are "
        "held off by the Host and Origin checks"
    ]
    caplog.clear()
    opened = settings(
        **{
            "api.token": TOKEN,
            "api.allowed_origins": '["https://crm.example.com", "null"]',
            "api.allowed_hosts": '["agent-pc.lan"]',
        }
    )
    log_exposure(opened.api)
    lines = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert lines == [
        ("INFO", "API: a token is needed on every route but /api/health and the pages"),
        ("INFO", "API: web pages from https://crm.example.com may call it (CORS)"),
        (
            "WARNING",
            'API: api.allowed_origins has "null": pages opened from disk send it, and so do '
            "sandboxed frames on any web site; only the token keeps those sites from placing calls",
        ),
        ("INFO", "API: Host names accepted beyond loopback: agent-pc.lan"),
    ]
    assert TOKEN not in caplog.text
