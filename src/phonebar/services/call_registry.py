"""The calls phonebar knows about, keyed by sessionId, with the line limit."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from phonebar.domain.call import Call
from phonebar.domain.session_id import check_session_id
from phonebar.domain.states import CallState
from phonebar.errors import CallNotFound, LineLimit

MAX_LINES = 4  # PJSIP refuses a fifth concurrent call whatever maxCalls says
_RECENTLY_ENDED = 64


class CallRegistry:
    """Active calls in creation order, plus the last few ended ones (so a late command on a
    call that just ended gets 409 "it is ended" rather than 404)."""

    def __init__(self, max_lines: int = MAX_LINES) -> None:
        self.max_lines = max_lines
        self._active: OrderedDict[str, Call] = OrderedDict()
        self._ended: OrderedDict[str, Call] = OrderedDict()

    def add(self, call: Call) -> None:
        self._active[call.session_id] = call

    def get(self, session_id: str) -> Call:
        check_session_id(session_id)
        call = self._active.get(session_id) or self._ended.get(session_id)
        if call is None:
            raise CallNotFound(session_id)
        return call

    def find(self, session_id: str) -> Call | None:
        return self._active.get(session_id)

    def retire(self, call: Call) -> None:
        """Move an ended call out of the active set."""
        if self._active.pop(call.session_id, None) is not None:
            self._ended[call.session_id] = call
            while len(self._ended) > _RECENTLY_ENDED:
                self._ended.popitem(last=False)

    def active(self) -> list[Call]:
        return list(self._active.values())

    def in_state(self, states: Iterable[CallState]) -> list[Call]:
        wanted = frozenset(states)
        return [call for call in self._active.values() if call.state in wanted]

    def lines_in_use(self) -> int:
        return len(self._active)

    def require_free_line(self) -> None:
        if len(self._active) >= self.max_lines:
            raise LineLimit(
                f"all {self.max_lines} lines are in use: hang up a call first",
                lines=self.max_lines,
            )
