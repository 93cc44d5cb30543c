"""The cti section of the config: the issue's shape loads, mistakes fail at start naming the rule."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from phonebar.app import cti_rule
from phonebar.config import load_settings
from phonebar.cti.rules import ActionKind, Trigger
from phonebar.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "phonebar.toml"
    path.write_text(text)
    return path


def test_the_shape_from_the_issue_loads(tmp_path: Path) -> None:
    program = tmp_path / "crm-note"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    settings = load_settings(
        write(
            tmp_path,
            f"""
[[cti.rules]]
event = "ringing"
action = "webhook"
url = "http://127.0.0.1:9000/pop?number={{number}}&name={{name}}"
method = "POST"

[[cti.rules]]
event = "answered"
action = "run"
command = ["{program}", "{{number}}", "{{name}}"]
""",
        ),
        environ={},
    )
    webhook, run = (cti_rule(index, rule) for index, rule in enumerate(settings.cti.rules))
    assert (webhook.trigger, webhook.action, webhook.method) == (Trigger.RINGING, ActionKind.WEBHOOK, "POST")
    assert webhook.url is not None
    assert webhook.url.names == ["number", "name"]
    assert (run.trigger, run.action) == (Trigger.ANSWERED, ActionKind.RUN)
    assert [part.source for part in run.command] == [str(program), "{number}", "{name}"]


def test_filters_and_the_extra_webhook_keys(tmp_path: Path) -> None:
    settings = load_settings(
        write(
            tmp_path,
            """
[[cti.rules]]
event = "missed"
action = "webhook"
url = "https://helpdesk.example.com/api/tickets"
direction = "inbound"
number = "^\\\\+44"
header = { X-Queue = "^(sales|support)$" }
http_headers = { Authorization = "Bearer abc" }
body = { subject = "Missed call from {name} ({number})", queue = "{X-Queue}" }
""",
        ),
        environ={},
    )
    rule = cti_rule(0, settings.cti.rules[0])
    assert rule.number is not None
    assert rule.number.pattern == "^\\+44"
    assert [(name, pattern.pattern) for name, pattern in rule.header] == [("X-Queue", "^(sales|support)$")]
    assert rule.body == {"subject": "Missed call from {name} ({number})", "queue": "{X-Queue}"}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ('event = "ringing"\naction = "webhook"', "needs url"),
        ('event = "ringing"\naction = "open_url"\nurl = "crm.example.com/{number}"', "must start with http"),
        ('event = "ringing"\naction = "open_url"\nurl = "{X-Crm-Url}"', "must start with http"),
        ('event = "ringing"\naction = "webhook"\nurl = "http://crm/{number"', "unmatched '{'"),
        ('event = "ringing"\naction = "webhook"\nurl = "http://crm/{a b}"', "not a variable or header name"),
        ('event = "ringing"\naction = "run"', "needs command"),
        ('event = "ringing"\naction = "run"\ncommand = ["no-such-program-x"]', "not found on PATH"),
        ('event = "ringing"\naction = "run"\ncommand = ["/nonexistent/crm-note"]', "not an executable file"),
        ('event = "ringing"\naction = "run"\ncommand = ["{X-Program}"]', "must be written out"),
        (
            f'event = "ringing"\naction = "run"\ncommand = ["{sys.executable}"]\nurl = "http://x/"',
            "takes command",
        ),
        (
            'event = "ringing"\naction = "open_url"\nurl = "http://x/"\nmethod = "GET"',
            "for action 'webhook' only",
        ),
        (
            'event = "ringing"\naction = "webhook"\nurl = "http://x/"\nmethod = "GET"\nbody = {a = "b"}',
            "POST",
        ),
        ('event = "ringing"\naction = "webhook"\nurl = "http://x/"\nbody = {a = "{b"}', "body: unmatched"),
        (
            'event = "ringing"\naction = "webhook"\nurl = "http://x/"\nhttp_headers = {"a b" = "c"}',
            "header name",
        ),
        ('event = "ringing"\naction = "webhook"\nurl = "http://x/"\nnumber = "(("', "bad regular expression"),
        ('event = "rings"\naction = "webhook"\nurl = "http://x/"', "cti.rules.0.event"),
        ('event = "ringing"\naction = "webhook"\nurl = "http://x/"\nsurprise = 1', "unknown key"),
    ],
)
def test_a_wrong_rule_stops_the_start_with_its_key(tmp_path: Path, rule: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"cti\.rules\.0") as caught:
        load_settings(write(tmp_path, f"[[cti.rules]]\n{rule}\n"), environ={})
    assert message in caught.value.message


def test_history_can_be_turned_off_and_has_a_default_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", "/var/lib/agent")
    default = load_settings(None, environ={})
    assert default.history_path() == Path("/var/lib/agent/phonebar/history.sqlite3")
    on = load_settings(None, environ={}, overrides={"history.path": "/tmp/h.sqlite3"})
    assert on.history_path() == Path("/tmp/h.sqlite3")
    off = load_settings(None, environ={}, overrides={"history.enabled": "false"})
    assert off.history_path() is None
