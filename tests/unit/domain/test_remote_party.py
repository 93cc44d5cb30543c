"""Who the far end is, read from a name-addr or a bare URI."""

from __future__ import annotations

import pytest

from phonebar.domain.remote_party import RemoteParty


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
def test_parse(text: str, number: str, name: str, uri: str) -> None:
    assert RemoteParty.parse(text) == RemoteParty(number=number, name=name, uri=uri)
