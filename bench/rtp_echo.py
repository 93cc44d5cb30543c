"""The answering UAS's media: RTP sent back where it came from."""

from __future__ import annotations

import asyncio
import contextlib
import socket


class RtpEcho:
    """Sends every RTP packet back where it came from, under another SSRC (a phone that hears
    its own SSRC might take it for a loop). RTCP, on the next port, is read and dropped."""

    def __init__(self) -> None:
        self.rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.rtp.bind(("127.0.0.1", 0))
        self.port: int = self.rtp.getsockname()[1]
        self.rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.rtcp.bind(("127.0.0.1", self.port + 1))
        except OSError:
            self.rtcp.bind(("127.0.0.1", 0))
        for sock in (self.rtp, self.rtcp):
            sock.setblocking(False)
        self.packets = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.rtp.fileno(), self._echo)
        self._loop.add_reader(self.rtcp.fileno(), self._drop)

    def close(self) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self.rtp.fileno())
            self._loop.remove_reader(self.rtcp.fileno())
        self.rtp.close()
        self.rtcp.close()

    def _echo(self) -> None:
        while True:
            try:
                data, source = self.rtp.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue
            if len(data) >= 12:
                self.packets += 1
                packet = bytearray(data)
                packet[8:12] = bytes(b ^ 0x5A for b in packet[8:12])
                with contextlib.suppress(OSError):
                    self.rtp.sendto(packet, source)

    def _drop(self) -> None:
        while True:
            try:
                self.rtcp.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue
