"""The guard every pjsua2 callback runs under: an exception escaping a SWIG director
would unwind into PJSIP's C++ and take the process down."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def guarded(method: F) -> F:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception:
            log.exception("pjsua2 callback %s failed", method.__qualname__)
            return None

    return wrapper  # type: ignore[return-value]
