"""CTI end to end: rules fire on real calls through Kamailio, with templated URLs and payloads,
hostile caller names reach programs as plain argv items, and a dead or slow webhook server
never delays the call."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from tests.e2e.conftest import PhoneFactory
from tests.e2e.harness.http_sink import HttpSink
from tests.e2e.harness.kamailio import Kamailio
from tests.e2e.harness.ports import free_port
from tests.e2e.harness.sipp import Sipp
from tests.e2e.harness.waiting import wait_until

HOSTILE_NAME = "\"; rm -rf ~ # $(touch pwned) `touch pwned2` 'it''s' \\ Zoë 😀 %41 & a=b"

RECORD_ARGV = """#!{python}
import os, sys
with open(sys.argv[1], "wb") as out:
    out.write(b"\\0".join(os.fsencode(arg) for arg in sys.argv[2:]))
"""


def sip_quoted(text: str) -> str:
    """The inside of a SIP quoted-string (RFC 3261): backslash and double quote escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def cti_caller(tmp_path: Path, kamailio: Kamailio, callee: str, name: str, *, hold_ms: int = 1000) -> Sipp:
    return Sipp(
        tmp_path,
        "sipp-uac-cti.xml",
        kamailio.address,
        "-s",
        callee,
        "-d",
        str(hold_ms),
        "-key",
        "display",
        sip_quoted(name),
        "-key",
        "queue",
        "sales",
        "-key",
        "crm",
        "CRM-42",
    )


def test_run_gets_a_hostile_display_name_as_one_argv_item(
    tmp_path: Path, kamailio: Kamailio, phones: PhoneFactory
) -> None:
    program = tmp_path / "record-argv"
    program.write_text(RECORD_ARGV.format(python=sys.executable))
    program.chmod(0o755)
    out = tmp_path / "argv.bin"
    rule = {
        "event": "ringing",
        "action": "run",
        "command": [
            str(program),
            str(out),
            "{name}",
            "{number}",
            "queue={X-Queue}",
            "{x-crm-id}",
            "{X-Absent}",
        ],
    }
    alice = phones(
        "alice", kamailio=kamailio, user="alice", auto_answer=True, settings={"cti": {"rules": [rule]}}
    )

    sipp = cti_caller(tmp_path, kamailio, "alice", HOSTILE_NAME)
    wait_until(out.exists, timeout=10, what="the program's argv file")
    expected = [HOSTILE_NAME, "dave", "queue=sales", "CRM-42", ""]
    assert out.read_bytes() == b"\0".join(arg.encode() for arg in expected)
    assert sipp.wait(timeout=20) == 0, sipp.messages()[-3000:]
    for folder in (alice.folder, tmp_path, Path.cwd()):
        assert not (folder / "pwned").exists(), f"a shell ran the caller's name in {folder}"
        assert not (folder / "pwned2").exists()
    cti = alice.status()["cti"]
    assert (cti["actions"], cti["succeeded"], cti["failures"]) == (1, 1, 0)


def test_webhook_gets_the_templated_url_and_the_call_as_json(
    tmp_path: Path, kamailio: Kamailio, phones: PhoneFactory
) -> None:
    sink = HttpSink()
    rules = [
        {
            "event": "ringing",
            "action": "webhook",
            "url": sink.url + "/pop?number={number}&name={name}&queue={X-Queue}&id={sessionId}",
        },
        {
            "event": "ended",
            "action": "webhook",
            "method": "GET",
            "url": sink.url + "/ended/{X-Crm-Id}/{endReason}",
        },
    ]
    alice = phones(
        "alice", kamailio=kamailio, user="alice", auto_answer=True, settings={"cti": {"rules": rules}}
    )
    name = "Zoë O'Brien & Co/Sales?"
    sipp = cti_caller(tmp_path, kamailio, "alice", name, hold_ms=500)

    pop, ended = sink.wait(2, timeout=15)
    assert sipp.wait(timeout=20) == 0
    assert (pop.method, pop.path) == ("POST", "/pop")
    call = pop.json()["call"]
    assert pop.query == {"number": ["dave"], "name": [name], "queue": ["sales"], "id": [call["sessionId"]]}
    assert pop.headers["Content-Type"] == "application/json"
    assert pop.headers["User-Agent"].startswith("phonebar/")
    body = pop.json()
    assert (body["trigger"], body["type"]) == ("ringing", "call_created")
    assert (call["state"], call["direction"], call["number"], call["name"]) == (
        "ringing",
        "inbound",
        "dave",
        name,
    )
    assert call["headers"]["X-Queue"] == "sales"
    assert call["headers"]["X-Crm-Id"] == "CRM-42"
    assert (ended.method, ended.path, ended.body) == ("GET", "/ended/CRM-42/remote_hangup", b"")
    sink.close()
    assert alice.status()["cti"]["failures"] == 0


def test_time_from_invite_to_webhook(tmp_path: Path, kamailio: Kamailio, phones: PhoneFactory) -> None:
    sink = HttpSink()
    rule = {"event": "ringing", "action": "webhook", "url": sink.url + "/pop?number={number}"}
    alice = phones("alice", kamailio=kamailio, user="alice", settings={"cti": {"rules": [rule]}})
    carol = phones("carol", kamailio=kamailio, user="carol")
    delays = []
    for attempt in range(5):
        started = time.monotonic()
        outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]  # returns once the INVITE left
        [hook] = sink.wait(attempt + 1)[attempt:]
        delays.append((hook.arrived - started) * 1000)
        assert hook.query["number"] == ["carol"]
        carol.ok(f"/api/hangup/{outgoing['sessionId']}")
        alice.wait_no_calls()
    print(
        f"\nINVITE -> webhook arrival over Kamailio (407 challenge included), 5 calls: "
        f"median {statistics.median(delays):.1f} ms, max {max(delays):.1f} ms"
    )
    assert max(delays) < 1000
    sink.close()


def test_a_dead_or_slow_webhook_server_does_not_delay_the_call(
    tmp_path: Path, kamailio: Kamailio, phones: PhoneFactory
) -> None:
    slow = HttpSink(delay=8)
    dead = f"http://127.0.0.1:{free_port(udp=False)}"  # nothing listens there
    rules = [
        {"event": "ringing", "action": "webhook", "url": slow.url + "/slow?n={number}"},
        {"event": "ringing", "action": "webhook", "url": dead + "/dead?n={number}"},
        {"event": "answered", "action": "webhook", "url": slow.url + "/answered"},
    ]
    cti = {"rules": rules, "webhook_timeout": 2, "webhook_retries": 1}
    alice = phones("alice", kamailio=kamailio, user="alice", settings={"cti": cti})
    carol = phones("carol", kamailio=kamailio, user="carol")

    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    ringing = alice.wait_call(state="ringing")
    slow.wait(1)  # the slow server holds the ringing webhook now
    started = time.monotonic()
    answered = alice.ok(f"/api/answer/{ringing['sessionId']}")
    answer_ms = (time.monotonic() - started) * 1000
    carol.wait_call(sessionId=outgoing["sessionId"], state="connected", timeout=2)
    connected_ms = (time.monotonic() - started) * 1000
    print(
        f"\nwith a slow and a dead webhook pending: answer returned in {answer_ms:.1f} ms, "
        f"caller connected in {connected_ms:.1f} ms"
    )
    assert answered["call"]["sessionId"] == ringing["sessionId"]
    assert answer_ms < 500
    assert connected_ms < 1500

    carol.ok(f"/api/hangup/{outgoing['sessionId']}")
    alice.wait_no_calls()
    assert alice.ok(f"/api/calls/{ringing['sessionId']}")["endReason"] == "remote_hangup"
    status = wait_until(
        lambda: (s := alice.status()["cti"])["running"] == 0 and s,
        timeout=20,
        what="the CTI actions to give up",
    )
    assert (status["actions"], status["succeeded"], status["failures"]) == (3, 0, 3)
    assert (
        "ReadTimeout" in status["lastFailure"]["problem"]
        or "ConnectError" in status["lastFailure"]["problem"]
    )
    slow.close()


def test_open_url_from_the_readme_opens_the_crm_while_the_call_rings(
    tmp_path: Path, kamailio: Kamailio, phones: PhoneFactory
) -> None:
    """The done-when of CTI: configured only as the README says, a CRM page opens with the
    caller's number before the agent answers."""
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> {opened}\n')
    browser.chmod(0o755)
    config = readme_example("Open a CRM search page")
    alice = phones("alice", kamailio=kamailio, user="alice", settings=config, env={"BROWSER": str(browser)})
    carol = phones("carol", kamailio=kamailio, user="carol")
    outgoing = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]
    wait_until(opened.exists, timeout=10, what="the browser to be opened")
    [url] = opened.read_text().splitlines()
    assert url == "https://crm.example.com/contacts/search?phone=carol"
    [call] = alice.calls()
    assert call["state"] == "ringing", "the page opened only after the call stopped ringing"
    carol.ok(f"/api/hangup/{outgoing['sessionId']}")
    alice.wait_no_calls()
    assert alice.status()["cti"]["succeeded"] == 1


def readme_example(title: str) -> dict[str, dict[str, object]]:
    """The ```toml block that follows the README heading ``title``, as settings."""
    import tomllib

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split(title, 1)[1]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    return tomllib.loads(block)


def test_a_call_that_do_not_disturb_turns_away_pops_nothing_but_a_missed_call(
    kamailio: Kamailio, phones: PhoneFactory
) -> None:
    sink = HttpSink()
    rules = [
        {"event": event, "action": "webhook", "method": "GET", "url": f"{sink.url}/{event}/{{number}}"}
        for event in ("ringing", "missed")
    ]
    settings = {"cti": {"rules": rules}, "calls": {"dnd": True}}
    alice = phones("alice", kamailio=kamailio, user="alice", settings=settings)
    carol = phones("carol", kamailio=kamailio, user="carol")

    turned_away = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]["sessionId"]
    carol.wait_no_calls()
    assert carol.ok(f"/api/calls/{turned_away}")["sipStatus"] == 486
    [missed] = sink.wait(1)
    assert missed.path == "/missed/carol"
    time.sleep(0.5)  # a ringing webhook, had one been sent, would be in by now
    assert [hook.path for hook in sink.hooks] == ["/missed/carol"]

    alice.ok("/api/dnd/off")
    rings = carol.ok("/api/originate/sip:alice@127.0.0.1")["call"]["sessionId"]
    assert sink.wait(2)[1].path == "/ringing/carol"
    carol.ok(f"/api/hangup/{rings}")
    alice.wait_no_calls()
    sink.close()
