"""Translation of pjsua2 errors into phonebar's error tree, at the engine boundary."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import pjsua2 as pj

from phonebar.errors import EngineError, InvalidNumber, LineLimit, PhonebarError, WrongState

log = logging.getLogger(__name__)

PJ_EINVALIDOP = 70013
PJ_ETOOMANY = 70010
PJ_EBUSY = 70011
PJSIP_EINVALIDREQURI = 171042
PJSIP_EINVALIDURI = 171039
PJSIP_ESESSIONTERMINATED = 171140
PJSIP_ESESSIONSTATE = 171141
PJSIP_EPENDINGTX = 171064  # an INVITE transaction is already in progress


def translate(exc: pj.Error, action: str) -> PhonebarError:
    status = int(exc.status)
    text = f"{action}: {exc.reason or exc.title}"
    if status == PJ_ETOOMANY:
        return LineLimit(f"{action}: every line is in use", lines=4)
    if status in (PJSIP_EINVALIDREQURI, PJSIP_EINVALIDURI):
        return InvalidNumber(f"{action}: the SIP stack rejected the URI")
    if status in (PJSIP_ESESSIONTERMINATED, PJSIP_ESESSIONSTATE):
        return WrongState(f"{action}: the call has already ended")
    if status in (PJ_EINVALIDOP, PJSIP_EPENDINGTX, PJ_EBUSY):
        return WrongState(f"{action}: not possible right now ({exc.reason or exc.title}); try again")
    return EngineError(text, engineStatus=status)


@contextlib.contextmanager
def pj_errors(action: str) -> Iterator[None]:
    """Run pjsua2 calls; a ``pjsua2.Error`` leaves as one of our errors, chained."""
    try:
        yield
    except pj.Error as exc:
        error = translate(exc, action)
        log.debug("%s failed: pjsua2 status %s (%s)", action, exc.status, exc.info())
        raise error from None
