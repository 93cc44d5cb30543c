"""The API's browser defences and token, over the real app and the FakeEngine.

What a browser would send is spelt out header by header; the real headless
Chromium runs in tests/e2e/test_browser_attacks.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import httpx
import pytest

from phonebar.api.schemas import Call
from tests.api.conftest import ApiRig, error_code, make_rig

TOKEN = "Zt8-xQ2v.Lm9_Pw4Rk7"
CRM = "https://crm.example.com"
ATTACKER = "https://attacker.example"


@pytest.fixture
async def guarded() -> AsyncIterator[ApiRig]:
    """Default exposure plus one allowed origin and one extra host name."""
    rig = await make_rig({"api.allowed_origins": f'["{CRM}"]', "api.allowed_hosts": '["agent-pc.lan"]'})
    yield rig
    await rig.client.aclose()
    await rig.daemon.stop()


@pytest.fixture
async def tokened() -> AsyncIterator[ApiRig]:
    rig = await make_rig({"api.token": TOKEN, "api.allowed_origins": f'["{CRM}"]'})
    yield rig
    await rig.client.aclose()
    await rig.daemon.stop()


def dialled(rig: ApiRig) -> list[str]:
    return [name for name in rig.engine.names() if name in ("dial", "transfer", "send_dtmf", "answer")]


# -- Host (DNS rebinding) ------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["127.0.0.1:9888", "localhost:9888", "LOCALHOST", "[::1]:9888", "127.0.0.1", "agent-pc.lan:9888"]
)
async def test_loopback_and_configured_host_names_pass(guarded: ApiRig, host: str) -> None:
    response = await guarded.client.get("/api/originate/1001", headers={"Host": host})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "host",
    [
        "attacker.example:9888",
        "localhost.attacker.example:9888",
        "127.0.0.1.nip.io:9888",
        "0.0.0.0:9888",
        "127.0.0.2:9888",
        "::1",
        "localhost.:9888",
        "",
    ],
)
async def test_any_other_host_name_is_refused_before_anything_happens(guarded: ApiRig, host: str) -> None:
    response = await guarded.client.get("/api/originate/1001", headers={"Host": host})
    assert response.status_code == 403
    assert error_code(response) == "forbidden_host"
    assert "access-control-allow-origin" not in response.headers
    assert dialled(guarded) == []


# -- Origin, Sec-Fetch-Site, Referer ----------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": ATTACKER},  # fetch(), form POST, EventSource
        {"Origin": "http://localhost:8000"},  # another local web server
        {"Origin": "http://127.0.0.1:9889"},  # another port is another origin
        {"Origin": "null"},  # sandboxed frame, data: URL
        {"Origin": CRM + ".attacker.example"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},  # <img>
        {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "navigate"},  # a link from localhost:8000
        {"Referer": ATTACKER + "/page"},  # a browser too old for Sec-Fetch-*
    ],
    ids=["origin", "local-origin", "other-port", "null", "suffix", "img", "same-site", "referer"],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_cross_site_requests_are_refused_without_side_effect(
    guarded: ApiRig, headers: dict[str, str], method: str
) -> None:
    response = await guarded.client.request(method, "/api/originate/1001", headers=headers)
    assert response.status_code == 403, response.text
    assert error_code(response) == "forbidden_origin"
    assert "access-control-allow-origin" not in response.headers
    assert dialled(guarded) == []
    assert guarded.daemon.phone.calls() == []


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, a CRM's server-side code
        {"User-Agent": "curl/8.0", "Accept": "*/*"},
        {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"},  # typed in the address bar
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://127.0.0.1:9888"},  # the daemon's own page
        {"Referer": "http://127.0.0.1:9888/"},
    ],
    ids=["curl", "curl-headers", "address-bar", "own-page", "own-referer"],
)
async def test_requests_that_are_not_cross_site_pass(guarded: ApiRig, headers: dict[str, str]) -> None:
    response = await guarded.client.get("/api/originate/1001", headers=headers)
    assert response.status_code == 200, response.text
    assert "access-control-allow-origin" not in response.headers
    assert dialled(guarded) == ["dial"]


async def test_an_allowed_origin_gets_cors_headers(guarded: ApiRig) -> None:
    response = await guarded.client.get(
        "/api/originate/1001", headers={"Origin": "HTTPS://CRM.example.com", "Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 200
    Call.model_validate(response.json()["call"])
    assert response.headers["access-control-allow-origin"] == CRM
    assert response.headers["vary"] == "Origin"


async def test_an_allowed_origin_preflight_is_answered_with_private_network_access(guarded: ApiRig) -> None:
    response = await guarded.client.options(
        "/api/originate/1001",
        headers={
            "Origin": CRM,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
            "Access-Control-Request-Private-Network": "true",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == CRM
    assert response.headers["access-control-allow-private-network"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert {"authorization", "content-type"} <= {
        name.strip().lower() for name in response.headers["access-control-allow-headers"].split(",")
    }
    assert dialled(guarded) == []  # a preflight never reaches a route


async def test_private_network_access_is_only_claimed_when_asked(guarded: ApiRig) -> None:
    response = await guarded.client.options(
        "/api/calls", headers={"Origin": CRM, "Access-Control-Request-Method": "GET"}
    )
    assert response.status_code == 204
    assert "access-control-allow-private-network" not in response.headers


@pytest.mark.parametrize("origin", [ATTACKER, "null", None])
async def test_other_preflights_are_refused(guarded: ApiRig, origin: str | None) -> None:
    headers = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true"}
    if origin is not None:
        headers["Origin"] = origin
    response = await guarded.client.options("/api/originate/1001", headers=headers)
    assert response.status_code == 403
    assert error_code(response) == "forbidden_origin"
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-private-network" not in response.headers


async def websocket_handshake(rig: ApiRig, headers: dict[str, str]) -> dict[str, object]:
    """Open /api/ws at the ASGI level; return the app's first answer (accept or close)."""
    app = rig.client._transport.app  # type: ignore[attr-defined]
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": "/api/ws",
        "raw_path": b"/api/ws",
        "query_string": b"",
        "root_path": "",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 9888),
        "subprotocols": [],
    }
    answer: asyncio.Future[dict[str, object]] = asyncio.get_running_loop().create_future()
    pending = [{"type": "websocket.connect"}]

    async def receive() -> dict[str, object]:
        if pending:
            return pending.pop()
        await asyncio.Event().wait()  # the client stays silent
        raise AssertionError("unreachable")

    async def send(message: dict[str, object]) -> None:
        if not answer.done():
            answer.set_result(message)

    task = asyncio.create_task(app(scope, receive, send))
    try:
        return await asyncio.wait_for(answer, 2)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"Host": "127.0.0.1:9888", "Origin": ATTACKER}, "forbidden_origin"),
        ({"Host": "127.0.0.1:9888", "Origin": "null"}, "forbidden_origin"),
        ({"Host": "attacker.example:9888", "Origin": "http://attacker.example:9888"}, "forbidden_host"),
    ],
)
async def test_a_refused_websocket_never_opens(guarded: ApiRig, headers: dict[str, str], code: str) -> None:
    answer = await websocket_handshake(guarded, headers)
    assert answer == {"type": "websocket.close", "code": 1008, "reason": code}


async def test_an_allowed_websocket_opens(guarded: ApiRig) -> None:
    answer = await websocket_handshake(guarded, {"Host": "127.0.0.1:9888", "Origin": CRM})
    assert answer["type"] == "websocket.accept"


# -- the token -----------------------------------------------------------------------


async def every_get_route(rig: ApiRig) -> dict[str, bool]:
    """A concrete URL for every GET operation of the OpenAPI document, and whether the
    document says it needs the token."""
    document = (await rig.client.get("/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"})).json()
    filled = {
        "{session_id}": "k3f9q2-1",
        "{partner_session_id}": "k3f9q2-2",
        "{digits}": "12",
        "{number}": "1001",
        "{name}": "bar.js",
    }
    urls = {}
    for path, operations in document["paths"].items():
        if "get" in operations:
            for placeholder, value in filled.items():
                path = path.replace(placeholder, value)
            urls[path] = "security" in operations["get"]
    return {**urls, "/openapi.json": True, "/docs": True, "/api/no-such-route": True}


async def test_with_a_token_every_route_but_health_and_the_pages_needs_it(tokened: ApiRig) -> None:
    urls = await every_get_route(tokened)
    assert len(urls) > 25
    public = sorted(url for url, needs_token in urls.items() if not needs_token)
    assert public == ["/", "/api/health", "/bar/bar.js", "/example", "/example/phonebar-example.html"]
    for url, needs_token in urls.items():
        if url == "/api/events":
            continue  # a stream: checked below without reading it
        response = await tokened.client.get(url)
        if not needs_token:
            assert response.status_code == 200, url
            continue
        assert response.status_code == 401, url
        assert error_code(response) == "unauthorized"
    assert dialled(tokened) == []
    refused = await tokened.client.get("/api/events")
    assert refused.status_code == 401


@pytest.mark.parametrize(
    "how",
    [
        {"headers": {"Authorization": f"Bearer {TOKEN}"}},
        {"headers": {"Authorization": f"bearer   {TOKEN}"}},
        {"params": {"token": TOKEN}},
        {"params": {"token": TOKEN, "number": "ignored"}},
    ],
    ids=["bearer", "bearer-lowercase", "query", "query-with-others"],
)
async def test_bearer_and_query_token_both_work(tokened: ApiRig, how: dict[str, dict[str, str]]) -> None:
    response = await tokened.client.get("/api/originate/1001", **how)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    assert dialled(tokened) == ["dial"]


@pytest.mark.parametrize(
    "how",
    [
        {"headers": {"Authorization": f"Bearer {TOKEN}x"}},
        {"headers": {"Authorization": f"Bearer {TOKEN[:-1]}"}},
        {"headers": {"Authorization": f"Basic {TOKEN}"}},
        {"headers": {"Authorization": TOKEN}},
        {"headers": {"X-Token": TOKEN}},
        {"params": {"token": TOKEN.upper()}},
        {"params": {"Token": TOKEN}},
        {"params": {"token": ""}},
        {"headers": {"Authorization": "Bearer wrong"}, "params": {"token": TOKEN}},  # the header decides
        {"headers": {"Cookie": f"token={TOKEN}"}},
    ],
)
async def test_a_wrong_or_misplaced_token_is_refused(tokened: ApiRig, how: dict[str, dict[str, str]]) -> None:
    response = await tokened.client.get("/api/originate/1001", **how)  # type: ignore[arg-type]
    assert response.status_code == 401
    assert error_code(response) == "unauthorized"
    assert dialled(tokened) == []


async def test_an_allowed_origin_can_read_why_it_was_refused(tokened: ApiRig) -> None:
    response = await tokened.client.get("/api/calls", headers={"Origin": CRM})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == CRM
    other = await tokened.client.get(
        "/api/calls", headers={"Origin": ATTACKER, "Authorization": f"Bearer {TOKEN}"}
    )
    assert other.status_code == 403
    assert "access-control-allow-origin" not in other.headers


async def test_the_origin_rules_still_apply_with_the_right_token(tokened: ApiRig) -> None:
    response = await tokened.client.get(
        "/api/originate/1001", params={"token": TOKEN}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403
    assert dialled(tokened) == []


async def test_the_token_is_never_logged(tokened: ApiRig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = tokened.client
    await client.get("/api/originate/1001", params={"token": TOKEN})
    await client.get("/api/originate/12a", params={"token": TOKEN})  # 400
    await client.get("/api/nowhere", params={"token": TOKEN})  # 404
    await client.get("/api/calls", params={"token": TOKEN + "-wrong"})  # 401
    await client.get("/api/calls", params={"token": TOKEN}, headers={"Origin": ATTACKER})  # 403
    await client.get("/api/calls", headers={"Host": "evil.example", "Authorization": f"Bearer {TOKEN}"})
    await client.get("/api/events", params={"token": TOKEN, "since": "-1"})  # 400 from validation
    # every record but the HTTP client's own (which logs the URL it was asked to fetch)
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore")))
    assert "refused GET /api/calls (unauthorized)" in text  # refusals are logged ...
    assert TOKEN not in text  # ... without the secret
    assert TOKEN[:8] not in text


async def test_the_api_address_is_a_host_name_its_clients_may_use() -> None:
    rig = await make_rig({"api.host": "10.1.2.3", "api.token": TOKEN})
    try:
        response = await rig.client.get(
            "/api/calls", headers={"Host": "10.1.2.3:9888", "Authorization": f"Bearer {TOKEN}"}
        )
        assert response.status_code == 200
        other = await rig.client.get(
            "/api/calls", headers={"Host": "10.1.2.4:9888", "Authorization": f"Bearer {TOKEN}"}
        )
        assert error_code(other) == "forbidden_host"
    finally:
        await rig.client.aclose()
        await rig.daemon.stop()


async def test_health_needs_no_token_but_still_checks_the_host(tokened: ApiRig) -> None:
    assert (await tokened.client.get("/api/health")).json() == {"status": "ok"}
    refused = await tokened.client.get("/api/health", headers={"Host": "attacker.example"})
    assert refused.status_code == 403
    for almost in ("/api//health", "/api/health/../calls", "/API/health"):
        response = await tokened.client.get(almost)
        assert response.status_code in (401, 404), almost
        assert response.status_code != 200, almost
    # a trailing slash is dropped before the guard looks: the same route, judged as itself
    assert (await tokened.client.get("/api/health/")).json() == {"status": "ok"}
    calls = await tokened.client.get("/api/calls/")
    assert (calls.status_code, error_code(calls)) == (401, "unauthorized")


def test_httpx_sends_no_browser_headers() -> None:
    """The curl-style tests above rely on it."""
    request = httpx.Client().build_request("GET", "http://127.0.0.1:9888/api/calls")
    assert not {"origin", "referer", "sec-fetch-site"} & {name.lower() for name in request.headers}
