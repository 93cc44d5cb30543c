"""Running the daemon: start the engine, serve the API with uvicorn, stop in the right order.

SIGINT/SIGTERM stop the HTTP server, then the daemon hangs up every call
(BYE/CANCEL), un-REGISTERs and destroys the SIP stack; the exit code is 0. If the
engine thread dies, the daemon exits 1 so a supervisor can restart it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Awaitable, Callable, Generator

import uvicorn

from phonebar.app import Daemon, create_app
from phonebar.config import ApiSettings, Settings
from phonebar.errors import ConfigError, PhonebarError
from phonebar.http_protocols import ControlledHttpToolsProtocol, ControlledWebSocketProtocol

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_ENGINE_DIED = 1
EXIT_CANNOT_START = 2


class _Server(uvicorn.Server):
    """On SIGINT/SIGTERM the daemon stops first (calls hung up, their events still reach the
    event streams, un-REGISTER), then the HTTP server. A second signal exits at once.
    (uvicorn's own handler would re-raise the signal after serving and kill us early.)"""

    def __init__(self, config: uvicorn.Config, stop_daemon: Callable[[], Awaitable[None]]) -> None:
        super().__init__(config)
        self._stop_daemon = stop_daemon
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Task[None] | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets=sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def handle_exit(self, sig: int, frame: object) -> None:
        log.info("signal %s: shutting down", signal.Signals(sig).name)
        if self._stopping is not None or self._loop is None:
            self.should_exit = True
            self.force_exit = self._stopping is not None
            return
        self._loop.call_soon_threadsafe(self._begin_stop)

    def _begin_stop(self) -> None:
        assert self._loop is not None
        self._stopping = self._loop.create_task(self._stop_then_exit())

    async def _stop_then_exit(self) -> None:
        try:
            await self._stop_daemon()
        finally:
            self.should_exit = True


def log_exposure(api: ApiSettings) -> None:
    """Say at start who may reach the API, and what holds the others off (the token itself
    is never named)."""
    if api.token is None:
        log.info(
            "API: no token (api.token): any program on this machine may call it; web pages are "
            "held off by the Host and Origin checks"
        )
    else:
        log.info("API: a token is needed on every route but /api/health and the pages")
    extra = [origin for origin in api.allowed_origins if origin != "null"]
    if extra:
        log.info("API: web pages from %s may call it (CORS)", ", ".join(extra))
    if "null" in api.allowed_origins:
        log.warning(
            'API: api.allowed_origins has "null": pages opened from disk send it, and so do '
            "sandboxed frames on any web site; only the token keeps those sites from placing calls"
        )
    if api.allowed_hosts:
        log.info("API: Host names accepted beyond loopback: %s", ", ".join(api.allowed_hosts))


def bind_api_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it a keep-alive request or an event frame waits ~40 ms for a delayed ACK (Nagle)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"api.port: cannot listen on {host}:{port} ({exc.strerror}); is phonebar already running?"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


async def serve(settings: Settings, daemon: Daemon | None = None) -> int:
    exit_code = EXIT_OK
    server: _Server | None = None

    def on_fatal(error: str) -> None:
        nonlocal exit_code
        exit_code = EXIT_ENGINE_DIED
        if server is not None:
            server.should_exit = True

    daemon = daemon or Daemon(settings)
    daemon.on_fatal = on_fatal
    try:
        sock = bind_api_socket(settings.api.host, settings.api.port)
        info = await daemon.start()
    except PhonebarError as exc:
        log.error("cannot start: %s", exc.message)
        await daemon.stop()
        return EXIT_CANNOT_START
    app = create_app(settings, daemon)
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,  # a token in a query string must never reach a log
        lifespan="on",
        timeout_graceful_shutdown=2,
        ws_ping_interval=20,
        # so that an event stream can reset a client that stopped reading
        http=ControlledHttpToolsProtocol,
        ws=ControlledWebSocketProtocol,
    )
    server = _Server(config, daemon.stop)
    server.should_exit = exit_code == EXIT_ENGINE_DIED  # it may have died while we got here
    port = sock.getsockname()[1]
    log.info("phonebar ready: API on http://%s:%s, SIP on %s", settings.api.host, port, info.sip_address)
    log_exposure(settings.api)
    try:
        await server.serve(sockets=[sock])
    finally:
        await daemon.stop()
        sock.close()
    log.info("phonebar stopped")
    return exit_code


def run(settings: Settings) -> int:
    return asyncio.run(serve(settings))
