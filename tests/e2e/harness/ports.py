"""Free loopback ports for SIP (UDP and TCP both), HTTP and RTP ranges."""

from __future__ import annotations

import random
import socket
import threading

_lock = threading.Lock()
_handed_out: set[int] = set()


def _free(port: int, kinds: tuple[int, ...]) -> bool:
    for kind in kinds:
        with socket.socket(socket.AF_INET, kind) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def _below_ephemeral() -> int:
    """The last port below the kernel's ephemeral range: a port there is never taken by
    some program's outgoing connection while a daemon that owns it restarts."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as ranges:
            first = int(ranges.read().split()[0])
    except (OSError, ValueError, IndexError):
        first = 32768
    return max(first - 1, 21000)


def free_port(*, udp: bool = True, tcp: bool = True) -> int:
    """A port free for both UDP and TCP on 127.0.0.1, never handed out twice in this run."""
    kinds = tuple(kind for kind, wanted in ((socket.SOCK_DGRAM, udp), (socket.SOCK_STREAM, tcp)) if wanted)
    with _lock:
        for _ in range(500):
            port = random.randint(20000, _below_ephemeral())
            if port not in _handed_out and _free(port, kinds):
                _handed_out.add(port)
                return port
    raise RuntimeError("no free port found")


def free_rtp_range(size: int = 40) -> int:
    """The first port of ``size`` consecutive free UDP ports (even, as RTP likes)."""
    with _lock:
        for _ in range(200):
            base = random.randrange(40000, 60000 - size, 2)
            span = range(base, base + size)
            if not _handed_out.intersection(span) and all(_free(p, (socket.SOCK_DGRAM,)) for p in span):
                _handed_out.update(span)
                return base
    raise RuntimeError("no free RTP range found")
