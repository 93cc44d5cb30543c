"""DTMF digits a caller may send: 0-9, *, #, A-D."""

from __future__ import annotations

import re

from phonebar.errors import InvalidDigits

MAX_DIGITS = 64
DTMF_PATTERN = rf"[0-9*#A-Da-d]{{1,{MAX_DIGITS}}}"  # what is accepted (lower case is upper-cased)
_DIGITS = re.compile(rf"[0-9*#A-D]{{1,{MAX_DIGITS}}}", re.ASCII)


def parse_dtmf(text: str) -> str:
    """Return the digits upper-cased, or raise :class:`InvalidDigits`."""
    digits = text.upper() if text.isascii() else text
    if not _DIGITS.fullmatch(digits):
        raise InvalidDigits(f"{text[:70]!r} is not a DTMF string: use 1 to {MAX_DIGITS} of 0-9, *, #, A-D")
    return digits
