"""The benchmark's SIP peers, written here so that every time stamp is taken in the benchmark's
own process on one clock (``time.time_ns``, CLOCK_REALTIME):

- :class:`InviteSink` — a raw UDP listener that records when each INVITE arrived (the
  kernel's receive time stamp, so a busy event loop cannot delay it) and answers 486, so
  the dialling phone ends its call at once;
- :class:`Answerer` — a UAS registered with Kamailio (digest auth) that answers every INVITE
  with 200 and echoes the RTP it gets, recording when INVITE and ACK arrived;
- :class:`Caller` — sends an INVITE straight to a phone, then CANCELs it.
"""

from __future__ import annotations

import abc
import asyncio
import socket
import struct
import time
from dataclasses import dataclass, field

from bench.rtp_echo import RtpEcho
from bench.sip import (
    SipMessage,
    digest_authorization,
    new_branch,
    new_call_id,
    new_tag,
    parse,
    response,
    sdp,
)

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; the module lacks it on 3.11
_TIMESPEC = struct.Struct("@qq")


@dataclass(frozen=True)
class Arrival:
    message: SipMessage
    ns: int  # CLOCK_REALTIME, from the kernel when it gave one


class SipSocket(abc.ABC):
    """A UDP socket on 127.0.0.1 read by the event loop, with kernel receive time stamps."""

    def __init__(self, port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.setblocking(False)
        self.port: int = self.sock.getsockname()[1]
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.sock.fileno(), self._readable)

    def close(self) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self.sock.fileno())
        self.sock.close()

    def send(self, message: SipMessage, address: tuple[str, int]) -> None:
        self.sock.sendto(message.encode(), address)

    def _readable(self) -> None:
        while True:
            try:
                data, ancillary, _, source = self.sock.recvmsg(65535, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue  # ICMP port unreachable from an earlier send
            stamp = time.time_ns()
            for level, kind, payload in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= _TIMESPEC.size:
                    seconds, nanoseconds = _TIMESPEC.unpack_from(payload)
                    stamp = seconds * 1_000_000_000 + nanoseconds
            message = parse(data)
            if message is not None:
                self.received(message, source, stamp)

    @abc.abstractmethod
    def received(self, message: SipMessage, source: tuple[str, int], ns: int) -> None:
        """One SIP message from ``source``, received at ``ns``."""


class InviteSink(SipSocket):
    """Where click-to-dial INVITEs go: each first INVITE of a Call-ID is queued with its
    arrival time and refused with 486, so the caller's call ends without a hang-up."""

    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self.invites: asyncio.Queue[Arrival] = asyncio.Queue()
        self._seen: set[str] = set()

    def received(self, message: SipMessage, source: tuple[str, int], ns: int) -> None:
        if not message.is_request or message.method == "ACK":
            return
        if message.method == "INVITE":
            if message.call_id not in self._seen:
                self._seen.add(message.call_id)
                self.invites.put_nowait(Arrival(message, ns))
            self.send(response(message, 486, "Busy Here", to_tag="sink"), source)
            return
        self.send(response(message, 200, "OK", to_tag="sink"), source)


_ANSWER_DIRECTION = {
    "sendonly": "recvonly",
    "recvonly": "sendonly",
    "inactive": "inactive",
    "sendrecv": "sendrecv",
}


@dataclass
class AnsweredCall:
    call_id: str
    invite_ns: int
    ack_ns: int | None = None
    ended: bool = False
    acked: asyncio.Event = field(default_factory=asyncio.Event)


class Answerer(SipSocket):
    """A UAS registered with Kamailio as ``user``: answers every INVITE (180, then 200 with a
    PCMU answer pointing at its RTP echo), answers BYE, and records when INVITE and ACK came."""

    def __init__(self, user: str, password: str, registrar: tuple[str, int]) -> None:
        super().__init__()
        self.user = user
        self.password = password
        self.registrar = registrar
        self.echo = RtpEcho()
        self.calls: dict[str, AnsweredCall] = {}
        self.new_calls: asyncio.Queue[AnsweredCall] = asyncio.Queue()
        self._register_answers: asyncio.Queue[SipMessage] = asyncio.Queue()
        self._tag = new_tag()
        self._sdp_version = 0

    def start(self) -> None:
        super().start()
        self.echo.start()

    def close(self) -> None:
        super().close()
        self.echo.close()

    @property
    def active_calls(self) -> int:
        return sum(1 for call in self.calls.values() if call.ack_ns is not None and not call.ended)

    async def register(self, expires: int = 600, timeout: float = 5.0) -> None:
        host, port = self.registrar
        call_id, from_tag = new_call_id(), new_tag()
        uri = f"sip:{host}:{port}"
        authorization: tuple[str, str] | None = None
        for cseq in (1, 2):
            headers = [
                ("Via", f"SIP/2.0/UDP {self.address};branch={new_branch()};rport"),
                ("From", f"<sip:{self.user}@{host}>;tag={from_tag}"),
                ("To", f"<sip:{self.user}@{host}>"),
                ("Call-ID", call_id),
                ("CSeq", f"{cseq} REGISTER"),
                ("Contact", f"<sip:{self.user}@{self.address}>"),
                ("Expires", str(expires)),
                ("Max-Forwards", "70"),
            ]
            if authorization:
                headers.append(authorization)
            self.send(SipMessage(f"REGISTER {uri} SIP/2.0", headers), self.registrar)
            answer = await asyncio.wait_for(self._final(self._register_answers), timeout)
            if answer.status == 200:
                return
            if answer.status != 401:
                raise RuntimeError(f"REGISTER {self.user}: {answer.start}")
            authorization = digest_authorization(
                answer.header("WWW-Authenticate"),
                method="REGISTER",
                uri=uri,
                user=self.user,
                password=self.password,
            )
        raise RuntimeError(f"REGISTER {self.user}: refused after authenticating")

    @staticmethod
    async def _final(answers: asyncio.Queue[SipMessage]) -> SipMessage:
        while True:
            answer = await answers.get()
            if answer.status >= 200:
                return answer

    def received(self, message: SipMessage, source: tuple[str, int], ns: int) -> None:
        if not message.is_request:
            if message.cseq_method == "REGISTER":
                self._register_answers.put_nowait(message)
            return
        method, call_id = message.method, message.call_id
        if method == "INVITE":
            call = self.calls.get(call_id)
            if call is None:
                call = self.calls[call_id] = AnsweredCall(call_id, ns)
                self.new_calls.put_nowait(call)
                self.send(response(message, 180, "Ringing", to_tag=self._tag), source)
            answer = response(message, 200, "OK", to_tag=self._tag)
            answer.headers.append(("Contact", f"<sip:{self.user}@{self.address}>"))
            answer.headers.append(("Content-Type", "application/sdp"))
            # a re-INVITE that holds us (sendonly) is answered recvonly, and so on
            direction = next((d for d in _ANSWER_DIRECTION if f"a={d}" in message.body), "sendrecv")
            self._sdp_version += 1
            session = list(self.calls).index(call_id) + 1
            answer.body = sdp(
                "127.0.0.1", self.echo.port, session, self._sdp_version, _ANSWER_DIRECTION[direction]
            )
            self.send(answer, source)
        elif method == "ACK":
            call = self.calls.get(call_id)
            if call is not None and call.ack_ns is None:
                call.ack_ns = ns
                call.acked.set()
        elif method in ("BYE", "CANCEL"):
            if call_id in self.calls:
                self.calls[call_id].ended = True
            self.send(response(message, 200, "OK", to_tag=self._tag), source)
        else:
            self.send(response(message, 200, "OK", to_tag=self._tag), source)


@dataclass
class OutgoingInvite:
    call_id: str
    invite: SipMessage
    sent_ns: int
    target: tuple[str, int]
    answers: asyncio.Queue[SipMessage] = field(default_factory=asyncio.Queue)


class Caller(SipSocket):
    """Calls a phone directly (no proxy) from ``number``, to pop its screen; then CANCELs."""

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self._calls: dict[str, OutgoingInvite] = {}

    def invite(self, target: tuple[str, int], user: str = "agent") -> OutgoingInvite:
        host, port = target
        call_id = new_call_id()
        request = SipMessage(
            f"INVITE sip:{user}@{host}:{port} SIP/2.0",
            [
                ("Via", f"SIP/2.0/UDP {self.address};branch={new_branch()};rport"),
                ("From", f'"Bench Caller" <sip:{self.number}@127.0.0.1>;tag={new_tag()}'),
                ("To", f"<sip:{user}@{host}:{port}>"),
                ("Call-ID", call_id),
                ("CSeq", "1 INVITE"),
                ("Contact", f"<sip:{self.number}@{self.address}>"),
                ("Max-Forwards", "70"),
                ("Content-Type", "application/sdp"),
            ],
            sdp("127.0.0.1", 9, 1),  # the call is cancelled before any RTP could flow
        )
        outgoing = OutgoingInvite(call_id, request, 0, target)
        self._calls[call_id] = outgoing
        outgoing.sent_ns = time.time_ns()
        self.send(request, target)
        return outgoing

    async def cancel(self, outgoing: OutgoingInvite, timeout: float = 5.0) -> int:
        """CANCEL once the phone has sent a provisional answer; returns the INVITE's final status."""
        final = await asyncio.wait_for(self._cancel(outgoing), timeout)
        self._calls.pop(outgoing.call_id, None)
        return final

    async def _cancel(self, outgoing: OutgoingInvite) -> int:
        try:
            while True:  # a CANCEL is allowed once a provisional answer other than 100 came
                answer = await asyncio.wait_for(outgoing.answers.get(), 2.0)
                if answer.cseq_method == "INVITE" and answer.status >= 200:
                    self._ack(outgoing, answer)
                    return answer.status
                if answer.status > 100:
                    break
        except TimeoutError:
            pass
        invite = outgoing.invite
        headers = [
            (key, "1 CANCEL" if key == "CSeq" else value)
            for key, value in invite.headers
            if key in ("Via", "From", "To", "Call-ID", "CSeq", "Max-Forwards")
        ]
        self.send(SipMessage(invite.start.replace("INVITE", "CANCEL", 1), headers), outgoing.target)
        while True:
            answer = await outgoing.answers.get()
            if answer.cseq_method == "INVITE" and answer.status >= 200:
                self._ack(outgoing, answer)
                return answer.status

    def _ack(self, outgoing: OutgoingInvite, final: SipMessage) -> None:
        invite = outgoing.invite
        headers = [(key, value) for key, value in invite.headers if key in ("Via", "From", "Call-ID")]
        headers += [("To", final.header("To")), ("CSeq", "1 ACK"), ("Max-Forwards", "70")]
        self.send(SipMessage(invite.start.replace("INVITE", "ACK", 1), headers), outgoing.target)

    def received(self, message: SipMessage, source: tuple[str, int], ns: int) -> None:
        if message.is_request:
            # a phone that answered after all sends BYE later; agree to everything
            self.send(response(message, 200, "OK"), source)
            return
        outgoing = self._calls.get(message.call_id)
        if outgoing is not None:
            outgoing.answers.put_nowait(message)
