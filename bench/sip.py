"""Just enough SIP to drive the benchmark's own peers: parse and build messages, answer a
digest challenge. Loopback only, one UDP socket per peer, no retransmission handling."""

from __future__ import annotations

import hashlib
import itertools
import re
import secrets
from dataclasses import dataclass, field

_counter = itertools.count(1)


@dataclass
class SipMessage:
    """One SIP request or response; header names are kept as sent, looked up case-insensitively."""

    start: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""

    @property
    def is_request(self) -> bool:
        return not self.start.startswith("SIP/2.0")

    @property
    def method(self) -> str:
        return self.start.split(" ", 1)[0] if self.is_request else self.cseq_method

    @property
    def status(self) -> int:
        return 0 if self.is_request else int(self.start.split(" ", 2)[1])

    @property
    def cseq_method(self) -> str:
        return self.header("CSeq").split()[-1]

    @property
    def call_id(self) -> str:
        return self.header("Call-ID")

    def header(self, name: str, default: str = "") -> str:
        values = self.all(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        wanted = {name.lower(), _COMPACT.get(name.lower(), name.lower())}
        return [value for key, value in self.headers if key.lower() in wanted]

    def encode(self) -> bytes:
        body = self.body.encode()
        lines = [self.start]
        lines += [f"{key}: {value}" for key, value in self.headers if key.lower() != "content-length"]
        lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


_COMPACT = {"call-id": "i", "via": "v", "from": "f", "to": "t", "contact": "m", "content-length": "l"}


def parse(data: bytes) -> SipMessage | None:
    """A message, or None for keep-alives and anything that is not SIP."""
    text = data.decode(errors="replace")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    if len(lines) < 2 or ("SIP/2.0" not in lines[0]):
        return None
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:  # folded header line
            key, value = headers[-1]
            headers[-1] = (key, value + " " + line.strip())
            continue
        key, _, value = line.partition(":")
        headers.append((key.strip(), value.strip()))
    return SipMessage(lines[0], headers, body)


def new_tag() -> str:
    return secrets.token_hex(4)


def new_branch() -> str:
    return f"z9hG4bK{secrets.token_hex(6)}{next(_counter)}"


def new_call_id() -> str:
    return f"bench-{secrets.token_hex(8)}@127.0.0.1"


def response(request: SipMessage, status: int, reason: str, *, to_tag: str | None = None) -> SipMessage:
    """A response copying the request's Via, From, To (with our tag), Call-ID, CSeq, Record-Route."""
    headers = [("Via", via) for via in request.all("Via")]
    headers += [("Record-Route", route) for route in request.all("Record-Route")]
    to = request.header("To")
    if to_tag and ";tag=" not in to:
        to = f"{to};tag={to_tag}"
    headers += [
        ("From", request.header("From")),
        ("To", to),
        ("Call-ID", request.call_id),
        ("CSeq", request.header("CSeq")),
    ]
    return SipMessage(f"SIP/2.0 {status} {reason}", headers)


def tag_of(header_value: str) -> str | None:
    match = re.search(r";\s*tag=([^;>\s]+)", header_value)
    return match.group(1) if match else None


def uri_of(header_value: str) -> str:
    """The URI inside ``"Name" <sip:...>;params`` or a bare ``sip:...``."""
    match = re.search(r"<([^>]+)>", header_value)
    return match.group(1) if match else header_value.split(";", 1)[0].strip()


def digest_authorization(
    challenge: str, *, method: str, uri: str, user: str, password: str, header: str = "Authorization"
) -> tuple[str, str]:
    """The (header name, value) answering a ``WWW-Authenticate``/``Proxy-Authenticate`` challenge."""
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge.split(" ", 1)[1]))
    realm, nonce = params["realm"], params["nonce"]
    ha1 = _md5(f"{user}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    fields = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"']
    qop = params.get("qop", "")
    if "auth" in qop.split(","):
        cnonce, count = secrets.token_hex(4), "00000001"
        digest = _md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
        fields += [f'response="{digest}"', "qop=auth", f'cnonce="{cnonce}"', f"nc={count}"]
    else:
        fields.append(f'response="{_md5(f"{ha1}:{nonce}:{ha2}")}"')
    fields.append("algorithm=MD5")
    if "opaque" in params:
        fields.append(f'opaque="{params["opaque"]}"')
    return header, "Digest " + ", ".join(fields)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def sdp(address: str, port: int, session: int, version: int = 1, direction: str = "sendrecv") -> str:
    """An audio offer or answer for PCMU (and telephone-event) at ``address:port``."""
    return (
        f"v=0\r\no=bench {session} {version} IN IP4 {address}\r\ns=bench\r\nc=IN IP4 {address}\r\n"
        f"t=0 0\r\nm=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        f"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na={direction}\r\n"
    )
