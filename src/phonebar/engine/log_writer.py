"""PJSIP's log, routed into Python logging under the ``pjsip`` logger."""

from __future__ import annotations

import logging

import pjsua2 as pj

_LEVELS = {0: logging.CRITICAL, 1: logging.ERROR, 2: logging.WARNING, 3: logging.INFO}
log = logging.getLogger("pjsip")


class PjLogWriter(pj.LogWriter):  # type: ignore[misc]
    """Called from any PJSIP thread: it only formats and hands over to logging."""

    def write(self, entry: pj.LogEntry) -> None:
        try:
            text = entry.msg.rstrip()
            # PJSIP prefixes its own time stamp; logging has one already
            if len(text) > 13 and text[2] == ":" and text[5] == ":":
                text = text[13:].lstrip()
            log.log(_LEVELS.get(entry.level, logging.DEBUG), "%s", text)
        except Exception:  # noqa: S110 - a log line must never raise into PJSIP
            pass
