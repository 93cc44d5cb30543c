"""Our own call identifiers: short, unique, never reused during the daemon's life.

PJSIP's call index (0..3) is reused and never leaves the engine. A sessionId is a
per-start random prefix and a counter, so ids also stay distinct across restarts
in the call history.
"""

from __future__ import annotations

import itertools
import re
import secrets

from phonebar.errors import InvalidSessionId

# what may be looked up: anything else is refused before it reaches a log line or the engine
SESSION_ID_PATTERN = r"[A-Za-z0-9_.-]{1,64}"
_SESSION_ID = re.compile(SESSION_ID_PATTERN, re.ASCII)


class SessionIdFactory:
    """Hands out ``<6 random base-36 chars>-<counter in base 36>``, e.g. ``k3f9q2-1``."""

    def __init__(self, prefix: str | None = None) -> None:
        self._prefix = prefix or "".join(
            secrets.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(6)
        )
        self._counter = itertools.count(1)

    def __call__(self) -> str:
        return f"{self._prefix}-{_base36(next(self._counter))}"


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if value == 0:
            return out


def check_session_id(text: str) -> str:
    if not _SESSION_ID.fullmatch(text):
        raise InvalidSessionId(f"{text[:40]!r} is not a sessionId (they look like 'k3f9q2-1')")
    return text
