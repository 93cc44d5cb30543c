"""Who is on the other end: number and display name read from a SIP name-addr."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_NAME_ADDR = re.compile(r'^\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<token>[^<"]*?))\s*<(?P<uri>[^>]*)>')
_URI_USER = re.compile(r"^(?:sips?|tel):(?:(?P<user>[^@;?]*)@)?(?P<host>[^;?>]*)", re.IGNORECASE)
_MAX_TEXT = 128


@dataclass(frozen=True)
class RemoteParty:
    """The far end of a call: ``number`` (URI user part), ``name`` (display name), ``uri``."""

    number: str
    name: str
    uri: str

    @classmethod
    def parse(cls, name_addr: str) -> RemoteParty:
        """Read ``"Alice" <sip:1001@pbx>;tag=x`` or ``sip:1001@pbx`` into a RemoteParty."""
        text = name_addr.strip()
        name = ""
        uri = text
        match = _NAME_ADDR.match(text)
        if match:
            uri = match.group("uri").strip()
            if match.group("quoted") is not None:
                name = re.sub(r"\\(.)", r"\1", match.group("quoted"))
            else:
                name = (match.group("token") or "").strip()
        else:
            uri = text.split(";", 1)[0].strip()
        uri = uri.split("?", 1)[0]  # URI headers (a transfer's Replaces=...) name no one
        number = ""
        uri_match = _URI_USER.match(uri)
        if uri_match:
            user = uri_match.group("user")
            number = unquote(user) if user else ""
            if uri.lower().startswith("tel:"):
                number = unquote(uri_match.group("host"))
        return cls(number=_clean(number), name=_clean(name), uri=_clean(uri))


def _clean(text: str) -> str:
    """Drop control characters and cap the length: these strings reach CRMs and logs."""
    printable = "".join(ch for ch in text if ch.isprintable())
    return printable[:_MAX_TEXT]
