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
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
_HOST = rf"(?:\[[0-9A-Fa-f:.]{{2,45}}\]|{_LABEL}(?:\.{_LABEL})*)"
_SIP_URI = re.compile(
    r"(?P<scheme>sips?):(?:(?P<user>[A-Za-z0-9._~+*!#-]{1,64})@)?(?P<host>" + _HOST + r")"
    r"(?::(?P<port>[0-9]{1,5}))?(?P<params>;transport=(?:udp|tcp|tls))?",
    re.ASCII | re.IGNORECASE,
)
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
    if port is not None and not 0 < int(port) < 65536:
        raise InvalidNumber(f"port {port} is out of range")
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
