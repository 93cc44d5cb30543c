"""Reading the headers of a received SIP message (the INVITE's text from ``SipRxData``)."""

from __future__ import annotations

import re

MAX_HEADERS = 64
MAX_VALUE = 512
_COMPACT = {
    "f": "From",
    "t": "To",
    "i": "Call-ID",
    "m": "Contact",
    "v": "Via",
    "l": "Content-Length",
    "c": "Content-Type",
    "k": "Supported",
    "s": "Subject",
    "o": "Event",
    "r": "Refer-To",
    "b": "Referred-By",
    "a": "Accept-Contact",
    "e": "Content-Encoding",
    "u": "Allow-Events",
}
# routing and security headers say nothing about the caller and must not reach CRMs
_HIDDEN = frozenset(
    {
        "via",
        "route",
        "record-route",
        "authorization",
        "proxy-authorization",
        "content-length",
        "max-forwards",
        "cseq",
        "call-id",
    }
)
_NAME = re.compile(r"^[A-Za-z0-9!%*_+`'~.-]{1,64}$")


def parse_headers(message: str) -> dict[str, str]:
    """Header name -> value (first occurrence; folded lines joined), bounded in count and size."""
    head = message.split("\r\n\r\n", 1)[0].split("\n\n", 1)[0]
    lines = head.replace("\r\n", "\n").split("\n")[1:]  # skip the request line
    headers: dict[str, str] = {}
    last: str | None = None
    for line in lines:
        if line[:1] in (" ", "\t") and last is not None:
            headers[last] = (headers[last] + " " + line.strip())[:MAX_VALUE]
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not _NAME.match(name):
            last = None
            continue
        name = _COMPACT.get(name, name) if len(name) == 1 else name
        if name.lower() in _HIDDEN:
            last = None
            continue
        clean = "".join(ch for ch in value.strip() if ch.isprintable())[:MAX_VALUE]
        if name not in headers and len(headers) < MAX_HEADERS:
            headers[name] = clean
            last = name
        else:
            last = None
    return headers
