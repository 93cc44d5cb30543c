"""Web pages attack the agent's phonebar from real headless Chromium, and fail.

The agent (alice) is registered with Kamailio; bob is registered too and answers
everything. Pages served from another origin (another port, ``localhost`` and
``attacker.test``: another site) try an ``<img>``, a script, a frame, a navigation,
``fetch`` with and without ``no-cors``, form posts (also from a sandboxed frame, whose
Origin is ``null``), a WebSocket and an EventSource; a DNS-rebinding page reaches the
API under its own host name. Each request is seen refused in alice's log, and at the
end neither Kamailio nor bob saw an INVITE. An allowed CRM origin, in the same
browser, does place the call with CORS (and with a token, and from a page Chromium
counts as public, where its Local Network Access rules apply). A link from another site
opens the agent's bar, and only the bar.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.conftest import PhoneFactory
from tests.e2e.harness.browser import chromium
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.phonebar_process import PhonebarProcess
from tests.e2e.harness.waiting import wait_until
from tests.e2e.harness.web_pages import WebPages, web_pages

TOKEN = "crm-token-4Qx9-Lp2v-Zt8"
BOB = "sip:bob@127.0.0.1"
HOSTS = ["attacker.test", "crm.test", "rebind.test"]


@dataclass
class Bed:
    kamailio: Kamailio
    alice: PhonebarProcess
    bob: PhonebarProcess
    pages: WebPages

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.alice.api_port}"

    def page_url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.pages.port}{path}"


@pytest.fixture
def pages() -> Iterator[WebPages]:
    with web_pages() as served:
        yield served


def bed(kamailio: Kamailio, phones: PhoneFactory, pages: WebPages, **api: Any) -> Bed:
    bob = phones("bob", kamailio=kamailio, user="bob", auto_answer=True)
    alice = phones(
        "alice",
        kamailio=kamailio,
        user="alice",
        settings={"api": {"allowed_origins": [f"http://crm.test:{pages.port}"], **api}},
    )
    return Bed(kamailio, alice, bob, pages)


def refusals(phone: PhonebarProcess) -> list[str]:
    return [line for line in phone.log().splitlines() if "browser_guard: refused " in line]


def page_with(body: str) -> str:
    return f"<!doctype html><html><head><meta charset=utf-8></head><body>{body}</body></html>"


def attack(bed: Bed, browser_page: Page, name: str, body: str, expected: list[str], host: str) -> None:
    """Load an attack page; wait until alice has refused exactly the ``expected`` requests
    (patterns matched against the new refusal lines, in any order)."""
    before = len(refusals(bed.alice))
    path = f"/{name}.html"
    bed.pages[path] = page_with(body)
    browser_page.goto(bed.page_url(host, path))

    def matched() -> list[str] | None:
        new = refusals(bed.alice)[before:]
        if len(new) < len(expected):
            return None
        return new

    new = wait_until(matched, timeout=10, what=f"alice to refuse the {name} attack")
    time.sleep(0.3)  # nothing more may arrive
    new = refusals(bed.alice)[before:]
    assert len(new) == len(expected), (name, new)
    for pattern in expected:
        assert any(re.search(pattern, line) for line in new), (name, pattern, new)


def nothing_dialled(bed: Bed) -> None:
    time.sleep(0.5)
    assert bed.kamailio.requests("INVITE") == [], "an INVITE reached Kamailio"
    assert bed.alice.calls() == []
    assert bed.bob.calls() == []
    assert bed.alice.status()["dnd"] is False


ORIGINATE = f"/api/originate/{BOB}"


def attacks(api: str, origin: str) -> list[tuple[str, str, list[str]]]:
    """(name, page body, refusal patterns): every way a page can reach a GET or POST route."""
    target = api + ORIGINATE
    no_origin = r"\(forbidden_origin\).*Origin None, Sec-Fetch-Site 'cross-site'"
    with_origin = rf"\(forbidden_origin\).*Origin '{re.escape(origin)}'"
    path = re.escape(ORIGINATE)
    return [
        ("img", f'<img src="{target}">', [rf"refused GET {path} {no_origin}"]),
        ("script", f'<script src="{target}"></script>', [rf"refused GET {path} {no_origin}"]),
        ("iframe", f'<iframe src="{target}"></iframe>', [rf"refused GET {path} {no_origin}"]),
        (
            "fetch-no-cors",
            f'<script>fetch("{target}", {{mode: "no-cors"}})</script>',
            [rf"refused GET {path} {no_origin}"],
        ),
        ("fetch-cors", f'<script>fetch("{target}")</script>', [rf"refused GET {path} {with_origin}"]),
        (
            "fetch-post-no-cors",
            f'<script>fetch("{target}", {{method: "POST", mode: "no-cors", body: "x"}})</script>',
            [rf"refused POST {path} {with_origin}"],
        ),
        (
            "fetch-post-json",  # not a simple request: the preflight is refused, the POST never sent
            f'<script>fetch("{target}", {{method: "POST", headers: {{"Content-Type": "application/json"}},'
            ' body: "{}"})</script>',
            [rf"refused OPTIONS {path} {with_origin}"],
        ),
        (
            "fetch-dnd",
            f'<script>fetch("{api}/api/dnd/on", {{mode: "no-cors"}})</script>',
            [rf"refused GET /api/dnd/on {no_origin}"],
        ),
        (
            "form-post",
            f'<form id=f method=POST action="{target}" target=sink><input name=a value=1></form>'
            "<iframe name=sink></iframe><script>f.submit()</script>",
            [rf"refused POST {path} {with_origin}"],
        ),
        (
            "form-get",
            f'<form id=f method=GET action="{api}/api/originate" target=sink>'
            f'<input name=number value="{BOB}"></form><iframe name=sink></iframe><script>f.submit()</script>',
            [rf"refused GET /api/originate {no_origin}"],
        ),
        (
            "sandboxed",  # Origin: null
            '<iframe sandbox="allow-scripts allow-forms" srcdoc="'
            f"<script>fetch(&quot;{target}&quot;, {{method: &quot;POST&quot;, mode: &quot;no-cors&quot;}})"
            "</script>"
            f"<form id=f method=POST action=&quot;{target}&quot;></form>"
            '<script>f.submit()</script>"></iframe>',
            [
                rf"refused POST {path} \(forbidden_origin\).*Origin 'null'",
                rf"refused POST {path} \(forbidden_origin\).*Origin 'null'",
            ],
        ),
        (
            "websocket-and-events",
            f'<script>new WebSocket("{api.replace("http", "ws")}/api/ws");'
            f' new EventSource("{api}/api/events")</script>',
            [rf"refused WS /api/ws {with_origin}", rf"refused GET /api/events {with_origin}"],
        ),
        (
            "navigation",
            f'<script>location.href = "{target}"</script>',
            [rf"refused GET {path} {no_origin}"],
        ),
    ]


def test_pages_on_other_sites_cannot_place_a_call(
    kamailio: Kamailio, phones: PhoneFactory, pages: WebPages
) -> None:
    the_bed = bed(kamailio, phones, pages)
    with chromium(hosts=HOSTS) as browser:
        page = browser.new_page()
        origin = f"http://attacker.test:{pages.port}"
        for name, body, expected in attacks(the_bed.api, origin):
            attack(the_bed, page, name, body, expected, "attacker.test")
        # the same from a page on localhost (same site as the API's localhost name, another origin)
        local_api = f"http://localhost:{the_bed.alice.api_port}"
        local_origin = f"http://localhost:{pages.port}"
        for name, body, expected in attacks(local_api, local_origin)[:6]:
            expected = [pattern.replace("'cross-site'", "'same-site'") for pattern in expected]
            attack(the_bed, page, f"local-{name}", body, expected, "localhost")
    nothing_dialled(the_bed)
    assert the_bed.alice.ok("/api/health") == {"status": "ok"}  # curl-style clients unaffected


def test_a_dns_rebinding_page_is_refused_by_its_host_name(
    kamailio: Kamailio, phones: PhoneFactory, pages: WebPages
) -> None:
    """The attacker's name first served the page, then resolved to 127.0.0.1: the page's
    requests are same-origin for the browser (Sec-Fetch-Site same-origin, and the POST's
    Origin is the page's own), and only the Host header gives them away.

    Chromium itself blocks such a page (public address space, the one it was loaded
    from) from reaching loopback unless it is a secure context granted Local Network
    Access; other browsers do not. The test makes it one, so that phonebar's Host check
    is all that stands in the way."""
    the_bed = bed(kamailio, phones, pages)
    port = the_bed.alice.api_port
    rebound = f"http://rebind.test:{port}"
    body = page_with(
        f'<img src="{ORIGINATE}"><script>fetch("{ORIGINATE}", {{method: "POST"}})'
        ".then(r => r.text()).then(t => { window.answer = t })"
        ".catch(e => { window.answer = String(e) });"
        'fetch("/api/calls").then(r => r.text()).then(t => { window.calls = t })</script>'
    )
    browser_without_lna = [f"--unsafely-treat-insecure-origin-as-secure={rebound}"]
    with chromium(hosts=HOSTS, args=browser_without_lna) as browser:
        page = browser.new_context(permissions=["local-network-access"]).new_page()

        def serve_attacker_page(route: Route) -> None:
            route.fulfill(status=200, content_type="text/html", body=body)

        page.route(f"{rebound}/", serve_attacker_page)  # the page only; its requests go out
        before = len(refusals(the_bed.alice))
        page.goto(f"{rebound}/")
        wait_until(lambda: len(refusals(the_bed.alice)) >= before + 3, timeout=10, what="3 refusals")
        new = refusals(the_bed.alice)[before:]
        assert all("(forbidden_host)" in line and f"Host 'rebind.test:{port}'" in line for line in new), new
        answer = wait_until(lambda: page.evaluate("window.answer"), timeout=5, what="the page's answer")
        calls = wait_until(lambda: page.evaluate("window.calls"), timeout=5, what="the page's calls")
        assert json.loads(answer)["error"]["code"] == "forbidden_host"  # same-origin: it can read it
        assert json.loads(calls)["error"]["code"] == "forbidden_host"  # and learns nothing
    nothing_dialled(the_bed)


CRM_SCRIPT = """
<script>
window.results = {};
const api = "%(api)s";
const auth = %(auth)s;
(async () => {
  const status = await fetch(api + "/api/status", {headers: auth});
  results.status = [status.status, (await status.json()).registration.state];
  const dialled = await fetch(api + "%(originate)s", {
    method: "POST", headers: {"Content-Type": "application/json", ...auth}, body: "{}"});
  results.dialled = [dialled.status, await dialled.json()];
  const bare = await fetch(api + "/api/calls");
  results.bare = [bare.status, await bare.json()];
})().catch(error => { results.error = String(error) });
</script>
"""


def crm_call(
    the_bed: Bed, browser: Browser, auth: dict[str, str], permissions: list[str] | None = None
) -> dict[str, Any]:
    """The CRM page dials bob with a preflighted POST and reads every answer."""
    the_bed.pages["/crm.html"] = page_with(
        CRM_SCRIPT % {"api": the_bed.api, "auth": json.dumps(auth), "originate": ORIGINATE}
    )
    page = browser.new_context(permissions=permissions).new_page()
    page.goto(the_bed.page_url("crm.test", "/crm.html"))

    def finished() -> dict[str, Any] | None:
        results: dict[str, Any] | None = page.evaluate("window.results")
        return results if results and ("bare" in results or "error" in results) else None

    return wait_until(finished, timeout=10, what="the CRM page's results")


def test_an_allowed_origin_places_a_call_with_cors(
    kamailio: Kamailio, phones: PhoneFactory, pages: WebPages
) -> None:
    the_bed = bed(kamailio, phones, pages)
    with chromium(hosts=HOSTS) as browser:
        results = crm_call(the_bed, browser, {})
    assert "error" not in results, results
    assert results["status"] == [200, "registered"]
    status, body = results["dialled"]
    assert status == 200
    assert body["call"]["number"] == "bob"
    the_bed.bob.wait_call(state="connected")
    assert len(the_bed.kamailio.requests("INVITE", to_user="bob")) >= 1
    assert the_bed.alice.wait_call(sessionId=body["call"]["sessionId"], state="connected")
    refused = refusals(the_bed.alice)
    assert refused == [], refused  # the preflight was answered, nothing was turned away


def test_an_allowed_origin_with_a_token_and_as_a_public_page(
    kamailio: Kamailio, phones: PhoneFactory, pages: WebPages
) -> None:
    """With ``api.token`` the CRM sends it as a bearer token (preflighted); without it the
    page can read the 401. Chromium 156 treats a public page calling loopback under its
    Local Network Access rules (a permission the user grants, which replaced the Private
    Network Access preflight): granted, the call goes through; an attacker's page with the
    same permission is still refused by phonebar."""
    the_bed = bed(kamailio, phones, pages, token=TOKEN)
    public = [
        f"--ip-address-space-overrides=127.0.0.1:{pages.port}=public",
        f"--unsafely-treat-insecure-origin-as-secure=http://crm.test:{pages.port},"
        f"http://attacker.test:{pages.port}",
    ]
    with chromium(hosts=HOSTS, args=public) as browser:
        granted = ["local-network-access"]
        results = crm_call(the_bed, browser, {"Authorization": f"Bearer {TOKEN}"}, permissions=granted)
        assert "error" not in results, results
        assert results["status"] == [200, "registered"]
        assert results["dialled"][0] == 200
        assert results["bare"][0] == 401  # no token: refused, and the CRM can tell why
        assert results["bare"][1]["error"]["code"] == "unauthorized"
        the_bed.bob.wait_call(state="connected")
        the_bed.alice.ok("/api/hangup", token=TOKEN)
        the_bed.bob.wait_no_calls()
        invites = len(the_bed.kamailio.requests("INVITE", to_user="bob"))

        page = browser.new_context(permissions=granted).new_page()
        the_bed.pages["/steal.html"] = page_with(
            f'<script>fetch("{the_bed.api}{ORIGINATE}?token={TOKEN}", {{mode: "no-cors"}})</script>'
        )
        before = len(refusals(the_bed.alice))
        page.goto(the_bed.page_url("attacker.test", "/steal.html"))
        wait_until(lambda: len(refusals(the_bed.alice)) > before, timeout=10, what="the refusal")
        assert "(forbidden_origin)" in refusals(the_bed.alice)[before]
    time.sleep(0.5)
    assert len(the_bed.kamailio.requests("INVITE", to_user="bob")) == invites
    assert TOKEN not in the_bed.alice.log()


def test_a_link_from_another_site_opens_the_bar_but_a_link_that_dials_is_refused(
    kamailio: Kamailio, phones: PhoneFactory, pages: WebPages
) -> None:
    """A CRM page links to the agent's bar: a click opens it, and the bar goes live (its
    own requests are same-origin). The same kind of link to a command is refused, and so
    is the bar in a frame."""
    the_bed = bed(kamailio, phones, pages)
    the_bed.pages["/links.html"] = page_with(
        f'<a id=bar href="{the_bed.api}/">the phone bar</a>'
        f'<a id=dial href="{the_bed.api}{ORIGINATE}">call Bob</a>'
    )
    with chromium(hosts=HOSTS) as browser:
        page = browser.new_page()
        page.goto(the_bed.page_url("attacker.test", "/links.html"))
        before = len(refusals(the_bed.alice))
        with page.expect_navigation():
            page.click("#bar")
        assert page.url == f"{the_bed.api}/"
        expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=10_000)
        expect(page.locator("#registration")).to_have_attribute("data-state", "registered")
        assert refusals(the_bed.alice)[before:] == []

        page.go_back()
        page.click("#dial")
        wait_until(lambda: len(refusals(the_bed.alice)) > before, timeout=10, what="the refusal")
        [refused] = refusals(the_bed.alice)[before:]
        assert re.search(rf"refused GET {re.escape(ORIGINATE)} \(forbidden_origin\).*'cross-site'", refused)
        assert "forbidden_origin" in page.content()  # the agent sees why, nothing else happens

        before = len(refusals(the_bed.alice))
        the_bed.pages["/frame.html"] = page_with(f'<iframe src="{the_bed.api}/"></iframe>')
        page.goto(the_bed.page_url("attacker.test", "/frame.html"))
        wait_until(lambda: len(refusals(the_bed.alice)) > before, timeout=10, what="the framed bar's refusal")
        assert "refused GET / (forbidden_origin)" in refusals(the_bed.alice)[before]
    nothing_dialled(the_bed)
