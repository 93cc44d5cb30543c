"""The demo agent takes a config file, the environment and --set like ``phonebar run``,
with the demo's own ports, dial map and folder on top."""

from __future__ import annotations

from pathlib import Path

import pytest

from phonebar.demo import demo_settings


def test_the_environment_and_set_reach_the_demo_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PHONEBAR_API_ALLOWED_ORIGINS", '["null"]')
    monkeypatch.setenv("PHONEBAR_API_TOKEN", "a-token-of-twenty-chars")
    monkeypatch.setenv("PHONEBAR_API_PORT", "1234")  # the demo's own port wins
    config = tmp_path / "agent.toml"
    config.write_text("[calls]\nauto_answer = true\n")
    settings = demo_settings(9888, 5060, tmp_path, config=config, overrides={"log.level": "debug"})
    assert settings.api.allowed_origins == ["null"]
    assert settings.api.token is not None
    assert settings.api.port == 9888
    assert settings.calls.auto_answer is True
    assert settings.log.level == "debug"
    assert settings.calls.dial_map == {"1001": "sip:1001@127.0.0.1:5061", "1002": "sip:1002@127.0.0.1:5062"}
    assert settings.audio.record_dir == tmp_path / "recordings"
