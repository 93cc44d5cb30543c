"""Text from the network: headers read from a message, and facts made valid text."""

from __future__ import annotations

import json

from phonebar.domain.ports import IncomingCallFact, RegistrationFact
from phonebar.engine.sip_message import clean_fact, parse_headers, received_text

# what pjsua2 hands over for the bytes b"Mal\xa7ory \xc3\xa9" (not UTF-8, then UTF-8)
FROM_THE_WIRE = b"Mal\xa7ory \xc3\xa9".decode("utf-8", "surrogateescape")


def test_bytes_that_are_not_utf8_become_the_replacement_character() -> None:
    assert FROM_THE_WIRE == "Mal\udca7ory \u00e9"
    assert received_text(FROM_THE_WIRE) == "Mal\ufffdory \u00e9"
    assert received_text("plain ascii") == "plain ascii"
    assert received_text("Zoë") == "Zoë"


def test_every_string_of_a_fact_is_made_valid_text() -> None:
    fact = IncomingCallFact(
        "s-1",
        f'"{FROM_THE_WIRE}" <sip:1001@pbx>',
        f"call-{FROM_THE_WIRE}@pbx",
        {"X-Queue": FROM_THE_WIRE, "User-Agent": "fine"},
    )
    cleaned = clean_fact(fact)
    json.dumps([cleaned.remote, cleaned.sip_call_id, cleaned.headers])  # would raise on a surrogate
    assert cleaned.remote == '"Mal\ufffdory \u00e9" <sip:1001@pbx>'
    assert cleaned.headers == {"X-Queue": "Mal\ufffdory \u00e9", "User-Agent": "fine"}
    assert cleaned.session_id == "s-1"


def test_a_clean_fact_is_passed_on_as_it_is() -> None:
    fact = RegistrationFact(True, 200, "OK", expires=300)
    assert clean_fact(fact) is fact


def test_headers_are_bounded_and_routing_headers_left_out() -> None:
    message = (
        "INVITE sip:alice@pbx SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\r\nf: <sip:bob@pbx>;tag=1\r\n"
        "X-Queue: sales\r\n folded\r\nAuthorization: Digest secret\r\n"
        + "".join(f"X-H{i}: {'v' * 600}\r\n" for i in range(100))
        + "\r\nv=0\r\n"
    )
    headers = parse_headers(message)
    assert headers["From"] == "<sip:bob@pbx>;tag=1"
    assert headers["X-Queue"] == "sales folded"
    assert "Via" not in headers
    assert "Authorization" not in headers
    assert len(headers) == 64
    assert max(len(value) for value in headers.values()) == 512
