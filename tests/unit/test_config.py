"""Settings: defaults < TOML < environment < command line, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from phonebar.config import load_settings
from phonebar.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "phonebar.toml"
    path.write_text(text)
    return path


def test_defaults_run_without_a_pbx() -> None:
    settings = load_settings(None, environ={})
    assert settings.account.configured is False
    assert settings.api.host == "127.0.0.1"
    assert settings.api.port == 9888
    assert settings.sip.port == 5060
    assert settings.sip.codecs == ["G722", "PCMA", "PCMU"]


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, '[account]\nserver = "pbx.test:5080"\nuser = "1001"\n[sip]\nport = 5070\n')
    settings = load_settings(
        path,
        environ={
            "PHONEBAR_SIP_PORT": "5071",
            "PHONEBAR_ACCOUNT_PASSWORD": "pw",
            "PHONEBAR_ACCOUNT_REGISTER": "false",
        },
        overrides={"sip.port": "5072"},
    )
    assert settings.sip.port == 5072
    assert settings.account.password.get_secret_value() == "pw"
    assert settings.account.register is False
    assert settings.account.sip_domain == "pbx.test"
    assert settings.account.auth_username == "1001"


def test_environment_lists_and_tables_are_json() -> None:
    settings = load_settings(
        None,
        environ={
            "PHONEBAR_SIP_CODECS": '["PCMU"]',
            "PHONEBAR_CALLS_DIAL_MAP": '{"1001": "sip:1001@127.0.0.1:5061"}',
        },
    )
    assert settings.sip.codecs == ["PCMU"]
    assert settings.calls.dial_map == {"1001": "sip:1001@127.0.0.1:5061"}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[account]\nexpires = 3\n", "account.expires"),
        ('[account]\nserver = "pbx.test"\n', "account.user is required"),
        ('[account]\ntransport = "sctp"\n', "account.transport"),
        ('[sip]\nbind = "localhost"\n', "sip.bind"),
        ('[sip]\ncodecs = ["speex"]\n', "speex"),
        ('[api]\nhost = "0.0.0.0"\n', "api.token"),
        ('[api]\nallowed_origins = ["crm.example.com"]\n', "api.allowed_origins"),
        ('[calls]\ndial_map = {"10;01" = "sip:a@b"}\n', "calls.dial_map"),
        ("[account]\nnonsense = 1\n", "account.nonsense: unknown key"),
        ("[nosuch]\nx = 1\n", "unknown section [nosuch]"),
        ("[account\n", "not valid TOML"),
    ],
)
def test_a_wrong_value_names_the_key(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, text), environ={})
    assert named in error.value.message


def test_a_missing_file_and_a_bad_override_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "none.toml", environ={})
    with pytest.raises(ConfigError, match="no such setting"):
        load_settings(None, environ={}, overrides={"sip.nope": "1"})


def test_secrets_never_print() -> None:
    settings = load_settings(
        None,
        environ={"PHONEBAR_ACCOUNT_PASSWORD": "hunter2-secret", "PHONEBAR_API_TOKEN": "0123456789abcdefXYZ"},
    )
    shown = repr(settings) + settings.model_dump_json(by_alias=True)
    assert "hunter2-secret" not in shown
    assert "0123456789abcdefXYZ" not in shown
