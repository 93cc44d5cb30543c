"""CTI rules: which call event fires which action, with optional filters.

Triggers, read from the bus's events:

- ``ringing``: an inbound call was created (it rings; nothing answered yet; not one
  that do-not-disturb turns away);
- ``outbound``: an outbound call was created (dialing);
- ``answered``: a call of either direction was answered;
- ``ended``: any call ended;
- ``missed``: an inbound call ended without being answered (the caller gave
  up, it was rejected, or do-not-disturb turned it away).

A rule matches when its trigger fired and every filter it has matches:
``direction``, ``number`` (a regular expression searched in the number) and
``header`` (header name -> regular expression searched in that INVITE
header's value; a header the INVITE lacks never matches).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from phonebar.cti.templates import Template
from phonebar.cti.variables import header_value
from phonebar.domain.events import CallAnswered, CallCreated, CallEnded, CallEvent, Event
from phonebar.domain.states import CallState, Direction, EndReason
from phonebar.domain.views import CallView


class Trigger(StrEnum):
    RINGING = "ringing"
    OUTBOUND = "outbound"
    ANSWERED = "answered"
    ENDED = "ended"
    MISSED = "missed"


class ActionKind(StrEnum):
    WEBHOOK = "webhook"
    OPEN_URL = "open_url"
    RUN = "run"


# an unanswered inbound call that ended for one of these was handed on, not missed
_NOT_MISSED = frozenset({EndReason.TRANSFERRED, EndReason.REPLACED})


def triggers_of(event: Event) -> list[Trigger]:
    """The CTI triggers an event fires (most fire none)."""
    if isinstance(event, CallCreated):
        if event.call.direction is Direction.OUTBOUND:
            return [Trigger.OUTBOUND]
        if event.call.state is CallState.RINGING and not event.turned_away:
            return [Trigger.RINGING]
        return []
    if isinstance(event, CallAnswered):
        return [Trigger.ANSWERED]
    if isinstance(event, CallEnded):
        call = event.call
        missed = (
            call.direction is Direction.INBOUND
            and call.answered_at is None
            and event.reason not in _NOT_MISSED
        )
        return [Trigger.ENDED, Trigger.MISSED] if missed else [Trigger.ENDED]
    return []


@dataclass(frozen=True)
class Rule:
    """One ``[[cti.rules]]`` entry, parsed and compiled."""

    index: int
    trigger: Trigger
    action: ActionKind
    url: Template | None = None
    method: str = "POST"
    command: tuple[Template, ...] = ()
    body: object | None = None  # a JSON template, for a POST webhook
    http_headers: tuple[tuple[str, Template], ...] = ()
    direction: Direction | None = None
    number: re.Pattern[str] | None = None
    header: tuple[tuple[str, re.Pattern[str]], ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        """How logs name this rule: ``cti.rules[0] (ringing webhook)``."""
        return f"cti.rules[{self.index}] ({self.trigger.value} {self.action.value})"

    def matches(self, trigger: Trigger, call: CallView) -> bool:
        if trigger is not self.trigger:
            return False
        if self.direction is not None and call.direction is not self.direction:
            return False
        if self.number is not None and not self.number.search(call.number):
            return False
        for name, pattern in self.header:
            value = header_value(call, name)
            if value is None or not pattern.search(value):
                return False
        return True


@dataclass(frozen=True)
class Firing:
    """A rule that matched an event: what an action needs to run."""

    rule: Rule
    trigger: Trigger
    event: CallEvent


class ActionFailed(Exception):
    """An action did not succeed; the message says why (it goes to the log and /api/status)."""
