"""Who the far end is, read from a name-addr or a bare URI."""

from __future__ import annotations

import pytest

from phonebar.domain.remote_party import RemoteParty


@pytest.mark.parametrize(
    ("header", "number", "name"),
    [
        ('"Carol Smith" <sip:1003@pbx.test>;tag=abc', "1003", "Carol Smith"),
        ("Carol <sip:1003@pbx.test:5060;user=phone>", "1003", "Carol"),
        ("<sip:+441234567890@pbx.test>", "+441234567890", ""),
        ("sip:1003@pbx.test;tag=x", "1003", ""),
        ('"A \\"quoted\\" name" <sips:alice@pbx.test>', "alice", 'A "quoted" name'),
        ("<tel:+15550100>", "+15550100", ""),
        ("<sip:%2A21%23@pbx.test>", "*21#", ""),
        ('"evil\r\nX-Injected: 1" <sip:1@pbx>', "1", "evilX-Injected: 1"),
    ],
)
def test_parse(header: str, number: str, name: str) -> None:
    party = RemoteParty.parse(header)
    assert (party.number, party.name) == (number, name)
    assert all(ch.isprintable() for ch in party.uri + party.name + party.number)


def test_long_values_are_capped() -> None:
    party = RemoteParty.parse('"' + "x" * 5000 + '" <sip:1@pbx>')
    assert len(party.name) == 128


@pytest.mark.parametrize(
    ("text", "number", "name", "uri"),
    [
        ('"Carol" <sip:1003@pbx.test>;tag=x', "1003", "Carol", "sip:1003@pbx.test"),
        ("sip:1003@pbx.test;transport=udp", "1003", "", "sip:1003@pbx.test"),
        # a transfer target carries URI headers (Replaces=...): they name no one
        (
            "<sip:carol@127.0.0.1?Require=replaces&Replaces=a%3Bto-tag%3Db>",
            "carol",
            "",
            "sip:carol@127.0.0.1",
        ),
        ("sip:carol@127.0.0.1?Replaces=a%3Bto-tag%3Db", "carol", "", "sip:carol@127.0.0.1"),
    ],
)
def test_parse_keeps_only_the_uri(text: str, number: str, name: str, uri: str) -> None:
    assert RemoteParty.parse(text) == RemoteParty(number=number, name=name, uri=uri)
