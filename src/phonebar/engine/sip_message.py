"""Text received from the network, as pjsua2 hands it over: the headers of a SIP message
(the INVITE's text from ``SipRxData``), and every string a fact carries.

pjsua2 turns the bytes of a message into ``str`` with Python's ``surrogateescape``: a
byte that is not UTF-8 becomes a lone surrogate (``"\\udca7"``), which no JSON encoder,
SQLite or web page accepts. :func:`clean_fact` makes each string of a fact valid text
(such a byte becomes U+FFFD) before it leaves the engine.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

F = TypeVar("F")

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


def received_text(value: str) -> str:
    """``value`` with every byte that was not UTF-8 replaced by U+FFFD."""
    if value.isascii():
        return value
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def clean_fact(fact: F) -> F:
    """The fact, with its strings (and the strings of its dicts) made valid text."""
    if not dataclasses.is_dataclass(fact) or isinstance(fact, type):
        return fact
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(fact):
        value = getattr(fact, field.name)
        if isinstance(value, str):
            clean: Any = received_text(value)
        elif isinstance(value, dict):
            clean = {
                received_text(k) if isinstance(k, str) else k: received_text(v) if isinstance(v, str) else v
                for k, v in value.items()
            }
        else:
            continue
        if clean != value:
            changes[field.name] = clean
    return dataclasses.replace(fact, **changes) if changes else fact
