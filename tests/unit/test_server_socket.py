"""The API's listening socket: accepted connections must get TCP_NODELAY from asyncio."""

from __future__ import annotations

import asyncio
import socket

from phonebar.server import bind_api_socket


async def test_accepted_connections_have_nodelay() -> None:
    sock = bind_api_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            raw = transport.get_extra_info("socket")
            accepted.set_result(raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(accepted, 5) == 1
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
