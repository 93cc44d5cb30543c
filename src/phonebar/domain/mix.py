"""Who hears whom: the audio mix as a pure function of the calls' states.

The engine applies the plan to PJSIP's conference bridge after every media
change; the policy lives here so it can be tested without SIP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from phonebar.domain.call import Call
from phonebar.domain.states import CallState


@dataclass(frozen=True)
class CallMix:
    """For one call: does the agent's microphone reach it, does the agent hear it,
    and which other calls' audio reaches it (a local conference)."""

    send_microphone: bool
    to_speaker: bool
    bridged_with: frozenset[str]


MixPlan = dict[str, CallMix]

_AUDIBLE = frozenset({CallState.CONNECTED, CallState.REMOTE_HELD})


def compute_mix(calls: Iterable[Call]) -> MixPlan:
    calls = list(calls)
    audible = {call.session_id for call in calls if call.state in _AUDIBLE}
    conference = {call.session_id for call in calls if call.conference and call.session_id in audible}
    plan: MixPlan = {}
    for call in calls:
        if call.ended:
            continue
        talking = call.session_id in audible
        plan[call.session_id] = CallMix(
            send_microphone=talking and not call.muted,
            to_speaker=talking,
            bridged_with=frozenset(conference - {call.session_id})
            if call.session_id in conference
            else frozenset(),
        )
    return plan
