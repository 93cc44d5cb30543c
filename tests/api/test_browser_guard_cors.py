"""A refusal a browser page may read: an allowed origin that lacks the token gets the 401
with CORS headers (else the page sees only an opaque network error); others get none."""

from __future__ import annotations

from tests.api.conftest import error_code, make_rig

TOKEN = "a-long-enough-secret-token"


async def test_an_allowed_origin_without_the_token_can_read_the_401() -> None:
    rig = await make_rig({"api.token": TOKEN, "api.allowed_origins": '["null"]'})
    try:
        refused = await rig.client.get("/api/status", headers={"Origin": "null"})
        assert refused.status_code == 401
        assert error_code(refused) == "unauthorized"
        assert refused.headers["access-control-allow-origin"] == "null"

        allowed = await rig.client.get(
            "/api/status", headers={"Origin": "null", "Authorization": f"Bearer {TOKEN}"}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "null"

        foreign = await rig.client.get("/api/status", headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403
        assert "access-control-allow-origin" not in foreign.headers
    finally:
        await rig.client.aclose()
        await rig.daemon.stop()
