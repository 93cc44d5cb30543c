"""The API's listening socket: keep-alive clients must not wait on Nagle's algorithm."""

from __future__ import annotations

import asyncio
import socket

from phonebar.server import bind_api_socket


async def test_connections_accepted_on_the_api_socket_have_nagle_off() -> None:
    # asyncio sets TCP_NODELAY only on sockets whose proto says TCP; a socket made with
    # proto 0 left Nagle on, and every keep-alive response body waited ~40 ms for an ACK
    sock = bind_api_socket("127.0.0.1", 0)
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer: socket.socket = writer.get_extra_info("socket")
        accepted.set_result(peer.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()

    server = await asyncio.start_server(on_connect, sock=sock)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", sock.getsockname()[1])
        assert await asyncio.wait_for(accepted, 5) != 0
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
