"""What a person may dial, and the SIP URI it becomes.

Numbers and URIs come from web pages and CRMs, so they are validated strictly
here: nothing may add SIP headers, URI parameters or change the target domain.
Only printable ASCII is accepted (no CR/LF, no unicode look-alike digits), and a
number is digits with an optional leading ``+``, ``*`` and ``#``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from phonebar.errors import InvalidNumber, MissingNumber, NoAccount

MAX_INPUT = 256
MAX_DIGITS = 32
SEPARATORS = str.maketrans("", "", " -.()")
_NUMBER = re.compile(rf"\+?[0-9*#]{{1,{MAX_DIGITS}}}", re.ASCII)
# The patterns are spelt without flags (explicit [sS]-style cases, no named groups in
# DIAL_TARGET_PATTERN) so that the OpenAPI document can publish exactly what is accepted.
_SEP = r"[ ().-]*"
NUMBER_PATTERN = rf"{_SEP}(?:\+{_SEP})?(?:[0-9*#]{_SEP}){{1,{MAX_DIGITS}}}"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
_HOST = rf"(?:\[[0-9A-Fa-f:.]{{2,45}}\]|{_LABEL}(?:\.{_LABEL})*)"
_PORT = r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
_TRANSPORT = r";[tT][rR][aA][nN][sS][pP][oO][rR][tT]=(?:[uU][dD][pP]|[tT][cC][pP]|[tT][lL][sS])"
_SIP_URI_NAMED = (
    r"(?P<scheme>[sS][iI][pP][sS]?):(?:(?P<user>[A-Za-z0-9._~+*!#-]{1,64})@)?"
    rf"(?P<host>{_HOST})(?::(?P<port>{_PORT}))?(?P<params>{_TRANSPORT})?"
)
_SIP_URI = re.compile(_SIP_URI_NAMED, re.ASCII)
SIP_URI_PATTERN = re.sub(r"\(\?P<\w+>", "(?:", _SIP_URI_NAMED)
DIAL_TARGET_PATTERN = f"^(?:{NUMBER_PATTERN}|{SIP_URI_PATTERN})$"  # and at most MAX_INPUT long
_HELP = "use digits with an optional leading +, * and #, or a sip: URI"


@dataclass(frozen=True)
class DialTarget:
    """A validated destination: the ``uri`` to INVITE and the ``number`` as shown."""

    uri: str
    number: str


def parse_dial_target(
    text: str | None,
    *,
    domain: str | None,
    dial_map: Mapping[str, str],
) -> DialTarget:
    """Validate ``text`` and turn it into a SIP URI, or raise :class:`InvalidNumber`."""
    if text is None or not text.strip(" "):
        raise MissingNumber("a number is required: " + _HELP)
    if len(text) > MAX_INPUT:
        raise InvalidNumber(f"number is {len(text)} characters long; at most {MAX_INPUT} are accepted")
    if not all(" " <= ch <= "~" for ch in text):
        raise InvalidNumber(f"{_shown(text)} contains characters that are not allowed: " + _HELP)
    if text[:4].lower() == "sip:" or text[:5].lower() == "sips:":
        return _parse_uri(text)
    number = text.translate(SEPARATORS)
    if not _NUMBER.fullmatch(number) or "+" in number[1:]:
        raise InvalidNumber(f"{_shown(text)} is not a number: " + _HELP)
    mapped = dial_map.get(number)
    if mapped is not None:
        return DialTarget(uri=mapped, number=number)
    if not domain:
        raise NoAccount(
            f"no SIP account is configured to route {number!r}: dial a sip: URI, "
            "or add the number to calls.dial_map"
        )
    return DialTarget(uri=f"sip:{number.replace('#', '%23')}@{domain}", number=number)


def _parse_uri(text: str) -> DialTarget:
    match = _SIP_URI.fullmatch(text)
    if not match:
        raise InvalidNumber(
            f"{_shown(text)} is not an accepted SIP URI: sip:[user@]host[:port][;transport=udp|tcp|tls]"
        )
    port = match.group("port")
    user = match.group("user") or ""
    scheme = match.group("scheme").lower()
    uri = f"{scheme}:{user.replace('#', '%23')}{'@' if user else ''}{match.group('host')}"
    if port is not None:
        uri += f":{port}"
    uri += (match.group("params") or "").lower()
    return DialTarget(uri=uri, number=user or match.group("host"))


def _shown(text: str) -> str:
    """The input quoted for an error message, with anything unprintable escaped."""
    return repr(text[:64] + ("…" if len(text) > 64 else ""))
