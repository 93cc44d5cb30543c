"""The pages the daemon serves: the bar at /, its files under /bar/, the example page."""

from __future__ import annotations

import re

from phonebar.web import BAR_ASSETS, EXAMPLE_PAGE, STATIC
from tests.api.conftest import ApiRig, error_code, make_rig


async def test_the_bar_page_and_every_file_it_loads(api: ApiRig) -> None:
    page = await api.client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-frame-options"] == "DENY"
    loaded = re.findall(r'(?:src|href)="(/bar/[^"]+)"', page.text)
    assert sorted(loaded) == ["/bar/bar.css", "/bar/bar.js"]
    for name, media_type in BAR_ASSETS.items():
        asset = await api.client.get(f"/bar/{name}")
        assert asset.status_code == 200, name
        assert asset.headers["content-type"] == media_type
        assert asset.headers["cache-control"] == "no-cache"


def test_every_module_the_bar_imports_is_served() -> None:
    imported = set()
    for path in STATIC.glob("*.js"):
        imported.update(re.findall(r'from "\./([a-z_]+\.js)"', path.read_text()))
    assert imported <= set(BAR_ASSETS)
    assert {path.name for path in STATIC.glob("*.js")} | {"bar.css"} == set(BAR_ASSETS)


async def test_an_unknown_file_is_a_json_404(api: ApiRig) -> None:
    for path in ("/bar/nope.js", "/bar/..%2Fexample.html", "/bar/index.html"):
        response = await api.client.get(path)
        assert response.status_code == 404, path
        assert error_code(response) == "not_found"


async def test_the_example_page_inline_and_as_a_download(api: ApiRig) -> None:
    inline = await api.client.get("/example")
    assert inline.status_code == 200
    assert inline.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-disposition" not in inline.headers
    download = await api.client.get("/example/phonebar-example.html")
    assert download.headers["content-disposition"] == 'attachment; filename="phonebar-example.html"'
    assert download.content == inline.content == EXAMPLE_PAGE.read_bytes()


def test_the_example_page_is_self_contained() -> None:
    text = EXAMPLE_PAGE.read_text()
    assert re.findall(r"<script[^>]*\bsrc=", text) == []
    assert re.findall(r"<link[^>]*stylesheet", text) == []
    assert re.findall(r"@import|url\(", text) == []
    assert set(re.findall(r'href="([^"]*)"', text)) == {"data:,"}


async def test_pages_need_no_token_but_the_api_does() -> None:
    rig = await make_rig({"api.token": "a-long-enough-secret-token"})
    try:
        for path in ("/", "/bar/bar.js", "/example", "/example/phonebar-example.html"):
            assert (await rig.client.get(path)).status_code == 200, path
        assert (await rig.client.get("/api/calls")).status_code == 401
        assert (await rig.client.get("/api/calls?token=a-long-enough-secret-token")).status_code == 200
    finally:
        await rig.client.aclose()
        await rig.daemon.stop()


async def test_pages_keep_the_host_and_origin_checks(api: ApiRig) -> None:
    rebinding = await api.client.get("/", headers={"Host": "evil.example"})
    assert rebinding.status_code == 403
    framed = await api.client.get("/", headers={"Sec-Fetch-Site": "cross-site"})
    assert framed.status_code == 403


LINK = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


async def test_another_site_may_link_to_the_bar(api: ApiRig) -> None:
    for site in ("cross-site", "same-site"):
        opened = await api.client.get("/", headers={**LINK, "Sec-Fetch-Site": site, "Sec-Fetch-User": "?1"})
        assert opened.status_code == 200, opened.text
        assert opened.headers["x-frame-options"] == "DENY"
        assert "access-control-allow-origin" not in opened.headers


async def test_only_a_link_to_the_bar_and_only_a_link(api: ApiRig) -> None:
    refused = [
        ("GET", "/api/originate/1001", LINK),  # a link that dials
        ("GET", "/api/dnd/on", LINK),
        ("GET", "/example", LINK),  # its ?api= could point the page elsewhere
        ("GET", "/bar/bar.js", LINK),
        ("GET", "/", {**LINK, "Sec-Fetch-Dest": "iframe"}),  # a frame
        ("GET", "/", {**LINK, "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}),
        ("GET", "/", {**LINK, "Origin": "https://attacker.example"}),
        ("POST", "/", LINK),
        ("POST", "/api/originate/1001", LINK),  # a form's navigation without an Origin
    ]
    for method, path, headers in refused:
        response = await api.client.request(method, path, headers=headers)
        assert response.status_code == 403, (method, path, headers)
        assert error_code(response) == "forbidden_origin"
    assert api.engine.names().count("dial") == 0
    assert api.daemon.phone.calls() == []
