"""Rules and firings for the action tests."""

from __future__ import annotations

import re
from typing import Any

from phonebar.cti.rules import ActionKind, Firing, Rule, Trigger
from phonebar.cti.templates import Template
from phonebar.domain.events import CallCreated
from tests.unit.samples import call_view


def webhook_rule(url: str, method: str = "POST", **options: Any) -> Rule:
    return Rule(
        index=0,
        trigger=Trigger.RINGING,
        action=ActionKind.WEBHOOK,
        url=Template.parse(url),
        method=method,
        **options,
    )


def run_rule(*command: str, index: int = 0) -> Rule:
    return Rule(
        index=index,
        trigger=Trigger.RINGING,
        action=ActionKind.RUN,
        command=tuple(Template.parse(part) for part in command),
    )


def open_rule(url: str) -> Rule:
    return Rule(index=0, trigger=Trigger.RINGING, action=ActionKind.OPEN_URL, url=Template.parse(url))


def ringing(rule: Rule, **call: Any) -> Firing:
    return Firing(rule, Trigger.RINGING, CallCreated(call=call_view(**call), seq=7))


NUMBER_1003 = re.compile("^1003$")
