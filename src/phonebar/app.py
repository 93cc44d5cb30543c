"""The composition root: the only module that names concrete classes.

``create_app(settings)`` builds the event bus, the engine, the phone and the
API, and returns a FastAPI app whose lifespan starts and stops them (unless the
caller, like the CLI, already started the :class:`Daemon` itself).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from phonebar import __version__
from phonebar.api.browser_guard import BrowserGuard
from phonebar.api.errors import install_error_handlers
from phonebar.api.event_stream import StreamOptions
from phonebar.api.openapi import install_openapi
from phonebar.api.routers import (
    audio,
    call_control,
    calls,
    conference,
    dnd,
    events,
    hold,
    media,
    recents,
    status,
    transfer,
    web,
)
from phonebar.api.trailing_slash import TrailingSlash
from phonebar.config import CtiRule, Settings
from phonebar.cti.browser import BrowserLauncher, BrowserOptions
from phonebar.cti.dispatcher import CtiDispatcher
from phonebar.cti.program import ProgramOptions
from phonebar.cti.rules import ActionKind, Rule, Trigger
from phonebar.cti.templates import Template
from phonebar.cti.webhook import WebhookOptions, WebhookSender
from phonebar.domain.audio import AudioLevels, SoundPort
from phonebar.domain.ports import EngineInfo, EnginePort
from phonebar.domain.session_id import SessionIdFactory
from phonebar.domain.states import Direction
from phonebar.domain.views import AccountView
from phonebar.history.store import SqliteHistory
from phonebar.services.context import PhoneOptions
from phonebar.services.event_bus import EventBus
from phonebar.services.phone import Phone, utc_now
from phonebar.services.registration import RegistrationPolicy

if TYPE_CHECKING:
    from phonebar.audio.sound_system import SoundSystem
    from phonebar.engine.engine_config import EngineConfig

log = logging.getLogger(__name__)

EngineFactory = Callable[[Settings, Callable[[], str]], EnginePort]
SoundFactory = Callable[[Settings], SoundPort]


def sound_system(settings: Settings) -> SoundSystem:
    from phonebar.audio.sound_system import SoundConfig, SoundSystem

    audio = settings.audio
    return SoundSystem(
        SoundConfig(
            backend=audio.backend,
            microphone=audio.microphone,
            speaker=audio.speaker,
            ringer=audio.ringer,
            levels=AudioLevels(audio.microphone_volume, audio.speaker_volume, audio.ringer_volume),
            ring=audio.ring,
            ring_tone=audio.ring_tone,
            input_file=audio.input,
        )
    )


def engine_config(settings: Settings) -> EngineConfig:
    from phonebar.engine.engine_config import AccountConfig, EngineConfig

    account = settings.account
    return EngineConfig(
        account=AccountConfig(
            server=account.server,
            domain=account.sip_domain,
            user=account.user,
            auth_user=account.auth_username,
            password=account.password.get_secret_value(),
            display_name=account.display_name,
            transport=account.transport,
            register=account.register,
            expires=account.expires,
        ),
        bind=settings.sip.bind,
        port=settings.sip.port,
        rtp_port=settings.sip.rtp_port,
        rtp_port_range=settings.sip.rtp_port_range,
        codecs=tuple(settings.sip.codecs),
        audio_input=settings.audio.input,
        record_dir=settings.audio.record_dir,
        media_timeout=settings.sip.media_timeout,
        sip_log_level=settings.log.sip_level,
        user_agent=f"phonebar/{__version__}",
    )


def pjsip_engine(
    settings: Settings, new_session_id: Callable[[], str], sound: SoundSystem | None = None
) -> EnginePort:
    from phonebar.engine.pjsip_engine import PjsipEngine

    return PjsipEngine(engine_config(settings), new_session_id, sound.bridge if sound is not None else None)


class Daemon:
    """Everything that runs: bus, sound devices, engine, phone. ``start`` and ``stop`` are
    idempotent. Without an ``engine_factory`` it is the real thing: PJSIP on the sound
    devices; with one (tests), the sound devices are ``sound_factory``'s, else none.

    ``on_fatal`` (settable until the engine dies) is told when the engine thread died.
    """

    def __init__(
        self,
        settings: Settings,
        engine_factory: EngineFactory | None = None,
        on_fatal: Callable[[str], None] | None = None,
        sound_factory: SoundFactory | None = None,
    ) -> None:
        self.settings = settings
        self.on_fatal = on_fatal
        new_session_id = SessionIdFactory()
        self.bus = EventBus(
            buffer_size=settings.events.buffer, queue_size=settings.events.client_queue, clock=utc_now
        )
        sound: SoundPort | None
        if engine_factory is None:
            real_sound = sound_system(settings)
            sound = real_sound
            self.engine = pjsip_engine(settings, new_session_id, real_sound)
        else:
            sound = sound_factory(settings) if sound_factory is not None else None
            self.engine = engine_factory(settings, new_session_id)
        account = settings.account
        self.phone = Phone(
            self.engine,
            self.bus,
            phone_options(settings),
            RegistrationPolicy(
                configured=account.configured,
                enabled=account.register,
                retry_max=account.retry_max,
                keepalive=account.keepalive,
            ),
            account_view(settings),
            new_session_id=new_session_id,
            on_fatal=self._engine_died,
            sound=sound,
        )
        self.history = SqliteHistory(settings.history_path(), keep=settings.history.keep)
        self.cti = cti_dispatcher(settings)
        # listeners run in the order added, on the loop, and only schedule their work
        self.bus.add_listener(self.history)
        self.bus.add_listener(self.cti)
        self.started = False
        self.info: EngineInfo | None = None

    def _engine_died(self, error: str) -> None:
        if self.on_fatal is not None:
            self.on_fatal(error)

    async def start(self) -> EngineInfo:
        """Open the history (a ConfigError if it cannot be used), then start the engine."""
        if not self.started:
            await self.history.open()
            try:
                self.info = await self.phone.start()
            except BaseException:
                await self.history.close()
                raise
            self.cti.start()
            self.started = True
        assert self.info is not None
        return self.info

    async def stop(self) -> None:
        """Hang up and stop the engine; then let CTI actions and history writes of those last
        calls finish (bounded), and close the event streams."""
        if self.started:
            self.started = False
            await self.phone.stop()
            self.bus.close()
            await self.cti.stop()
            await self.history.close()


def cti_dispatcher(settings: Settings) -> CtiDispatcher:
    cti = settings.cti
    return CtiDispatcher(
        [cti_rule(index, rule) for index, rule in enumerate(cti.rules)],
        webhooks=WebhookSender(
            WebhookOptions(
                timeout=cti.webhook_timeout,
                retries=cti.webhook_retries,
                concurrency=cti.webhook_concurrency,
                user_agent=f"phonebar/{__version__}",
            )
        ),
        browser=BrowserLauncher(BrowserOptions(timeout=cti.open_timeout)),
        programs=ProgramOptions(timeout=cti.run_timeout),
        clock=utc_now,
        max_pending=cti.max_pending,
    )


def cti_rule(index: int, rule: CtiRule) -> Rule:
    """A validated ``[[cti.rules]]`` table, compiled (templates parsed, patterns compiled)."""
    return Rule(
        index=index,
        trigger=Trigger(rule.event),
        action=ActionKind(rule.action),
        url=Template.parse(rule.url) if rule.url else None,
        method=rule.method,
        command=tuple(Template.parse(part) for part in rule.command or ()),
        body=rule.body,
        http_headers=tuple(
            (name, Template.parse(value.get_secret_value())) for name, value in rule.http_headers.items()
        ),
        direction=Direction(rule.direction) if rule.direction else None,
        number=re.compile(rule.number) if rule.number is not None else None,
        header=tuple((name, re.compile(pattern)) for name, pattern in rule.header.items()),
    )


def phone_options(settings: Settings) -> PhoneOptions:
    account = settings.account
    return PhoneOptions(
        account_uri=_aor(settings),
        domain=account.sip_domain,
        registration_required=account.configured and account.register,
        auto_answer=settings.calls.auto_answer,
        dial_map=dict(settings.calls.dial_map),
        dtmf_method=settings.calls.dtmf_method,
        transfer_timeout=settings.calls.transfer_timeout,
        dnd=settings.calls.dnd,
        dnd_status=settings.calls.dnd_status,
    )


def account_view(settings: Settings) -> AccountView:
    account = settings.account
    return AccountView(
        uri=_aor(settings),
        user=account.user,
        auth_user=account.auth_username,
        domain=account.sip_domain,
        server=account.server,
        display_name=account.display_name,
        transport=account.transport,
        register=account.register and account.configured,
    )


def _aor(settings: Settings) -> str:
    account = settings.account
    if account.configured and account.user:
        return f"sip:{account.user}@{account.sip_domain}"
    return f"sip:phonebar@{settings.sip.bind}:{settings.sip.port}"


def _bound_address(host: str) -> list[str]:
    """The address the API listens on is a Host name its clients may use: DNS rebinding
    needs a name the attacker controls, never an IP literal. 0.0.0.0 names no one."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return []
    if address.is_unspecified:
        return []
    return [f"[{address}]" if address.version == 6 else str(address)]


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app(settings: Settings, daemon: Daemon | None = None) -> FastAPI:
    daemon = daemon or Daemon(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        started_here = not daemon.started
        await daemon.start()
        try:
            yield {}
        finally:
            if started_here:
                await daemon.stop()

    app = FastAPI(
        title="phonebar",
        version=__version__,
        summary="The Universal Bar API: drive a SIP softphone over HTTP.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        docs_url=None,  # FastAPI's Swagger page loads its code from a CDN; the bar works offline
        redoc_url=None,
        redirect_slashes=False,  # TrailingSlash serves /api/calls/ as /api/calls instead
    )
    app.state.daemon = daemon
    app.state.phone = daemon.phone
    app.state.settings = settings
    app.state.history = daemon.history
    app.state.cti = daemon.cti
    app.state.stream_options = StreamOptions(write_timeout=settings.events.write_timeout)
    install_error_handlers(app)
    install_openapi(app, public_paths=web.PUBLIC_ROUTES)
    # Starlette tries routes in order: the two that CRMs and bars poll come first
    for module in (
        status,
        calls,
        call_control,
        hold,
        transfer,
        conference,
        media,
        audio,
        dnd,
        events,
        recents,
        web,
    ):
        app.include_router(module.router)
    token = settings.api.token.get_secret_value() if settings.api.token else None
    app.add_middleware(
        BrowserGuard,
        allowed_hosts=[*settings.api.allowed_hosts, *_bound_address(settings.api.host)],
        allowed_origins=settings.api.allowed_origins,
        token=token,
        public_paths=web.PUBLIC_PAGES,
        navigable_paths=web.NAVIGABLE_PAGES,
    )
    app.add_middleware(TrailingSlash)  # added last: it runs first
    return app
