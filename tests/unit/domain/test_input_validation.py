"""The validators that keep web input out of SIP: numbers and URIs, DTMF, sessionIds.

Property tests (hypothesis) prove two things for each validator: it accepts exactly
the language the OpenAPI document publishes, and nothing it accepts can add a SIP
header, a URI parameter or another target domain.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from phonebar.domain.dial_target import (
    DIAL_TARGET_PATTERN,
    MAX_INPUT,
    SIP_URI_PATTERN,
    DialTarget,
    parse_dial_target,
)
from phonebar.domain.dtmf import DTMF_PATTERN, parse_dtmf
from phonebar.domain.session_id import SESSION_ID_PATTERN, SessionIdFactory, check_session_id
from phonebar.errors import BadInput, InvalidDigits, InvalidNumber, InvalidSessionId, MissingNumber

DOMAIN = "pbx.example.com"
# what an attacker reaches for, one character or escape at a time
NASTY = [
    "\r",
    "\n",
    "\r\n",
    "\x00",
    "\t",
    "<",
    ">",
    ";",
    "@",
    '"',
    "'",
    "?",
    "&",
    "%",
    "%0d%0a",
    "%250d%250a",
    "%0D%0A",
    "\\",
    "\u2028",  # line separator
    "\u0085",  # next line
    "\u200b",  # zero-width space
    "\u202e",  # right-to-left override
    "\uff1b",  # fullwidth semicolon
    "\uff20",  # fullwidth @
    "\uff11",  # fullwidth 1
    "\u0661",  # Arabic-Indic 1
    "\u00b2",  # superscript 2
    "\u0430",  # Cyrillic a
]
INJECTIONS = [
    "1001\r\nVia: SIP/2.0/UDP evil.example",
    "1001\nContact: <sip:evil.example>",
    "1001%0d%0aSubject: x",
    "1001%250d%250aSubject: x",
    "1001;user=phone",
    "1001;maddr=evil.example",
    "1001@evil.example",
    "1001@pbx.example.com@evil.example",
    "<sip:1001@evil.example>",
    '"Bob" <sip:1001@pbx.example.com>',
    "1001?Subject=x",
    "1001&token=x",
    "+44+20",
    "1" * 33,
    "x" * 300,
    "\uff11\uff10\uff10\uff11",
    "\u0661\u0660\u0660\u0661",
    "1001\u200b",
    "\u202e1001",
    "sip:bob@evil.example;maddr=10.0.0.1",
    "sip:bob@evil.example;lr",
    "sip:bob@evil.example;transport=udp;maddr=x",
    "sip:bob@evil.example?Subject=x",
    "sip:bob@evil.example%0d%0aVia:x",
    "sip:bob@evil.example\r\nVia: x",
    "sip:bob@evil.example>",
    "sip:<bob@evil.example>",
    "sip:bob@evil.example:0",
    "sip:bob@evil.example:65536",
    "sip:bob@evil.example:05060",
    "sip:bob:secret@evil.example",
    "sip:bob@@evil.example",
    "sip:%62ob@evil.example",
    "sip:bob@ex\u0430mple.com",
    "\uff53ip:bob@evil.example",
    "sip:bob@-evil.example",
    "sip:bob@evil..example",
    "sip:bob@[::1",
    "sips:bob@evil.example;transport=sctp",
    "tel:+15550100",
    "javascript:alert(1)",
]


def parses(text: str) -> DialTarget | None:
    try:
        return parse_dial_target(text, domain=DOMAIN, dial_map={})
    except BadInput:
        return None


def assert_safe(text: str, target: DialTarget) -> None:
    uri = target.uri
    assert all(" " < ch <= "~" for ch in uri), uri  # printable ASCII, no space: no header can start
    for forbidden in ("<", ">", '"', "?", "&", "\\", "'", "%"):  # '#' alone is escaped as %23
        assert forbidden not in uri.replace("%23", ""), (text, uri)
    assert uri.count("@") <= 1, uri
    params = uri.split(";")[1:]
    assert params in ([], ["transport=udp"], ["transport=tcp"], ["transport=tls"]), uri
    assert all(ch.isprintable() for ch in target.number)
    if not text.lower().startswith(("sip:", "sips:")):
        user, _, host = uri.removeprefix("sip:").partition("@")
        assert host == DOMAIN, uri  # a number never chooses its domain
        assert re.fullmatch(r"\+?(?:[0-9*]|%23)+", user), uri


# -- numbers and URIs -------------------------------------------------------------


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_attempts_are_invalid_numbers(text: str) -> None:
    with pytest.raises(InvalidNumber):
        parse_dial_target(text, domain=DOMAIN, dial_map={})


@pytest.mark.parametrize("nasty", NASTY)
@pytest.mark.parametrize("valid", ["1001", "+44 20 7946 0000", "sip:bob@10.0.0.7:5070"])
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_nasty_character_anywhere_is_refused(valid: str, nasty: str, where: str) -> None:
    middle = len(valid) // 2
    text = {"start": nasty + valid, "middle": valid[:middle] + nasty + valid[middle:], "end": valid + nasty}[
        where
    ]
    assert parses(text) is None, text


@pytest.mark.parametrize("text", ["", " ", "   "])
def test_nothing_to_dial_is_a_missing_number(text: str) -> None:
    with pytest.raises(MissingNumber):
        parse_dial_target(text, domain=DOMAIN, dial_map={})


def test_numbers_and_uris_that_are_accepted() -> None:
    assert parses("+1 (555) 010-2030") == DialTarget("sip:+15550102030@pbx.example.com", "+15550102030")
    assert parses("*72#") == DialTarget("sip:*72%23@pbx.example.com", "*72#")
    assert parses("SIP:Bob@10.0.0.7:5070;Transport=TCP") == DialTarget(
        "sip:Bob@10.0.0.7:5070;transport=tcp", "Bob"
    )
    assert parses("sips:[2001:db8::1]") == DialTarget("sips:[2001:db8::1]", "[2001:db8::1]")


@settings(max_examples=400)
@given(st.from_regex(DIAL_TARGET_PATTERN, fullmatch=True).filter(lambda text: len(text) <= MAX_INPUT))
@example("sip:a@b:65535;transport=tls")
@example("(+1)")
def test_everything_the_published_pattern_allows_is_accepted_and_safe(text: str) -> None:
    target = parses(text)
    if target is None and not text.strip(" "):
        return
    assert target is not None, text
    assert_safe(text, target)


@settings(max_examples=600)
@given(
    st.one_of(
        st.text(max_size=80),
        st.text(alphabet="0123456789+*#() -.;@<>\"'?%&\r\n\t\\:sipSIPtransporudcl[]", max_size=60),
        st.builds(
            lambda valid, nasty, at: valid[:at] + nasty + valid[at:],
            st.from_regex(SIP_URI_PATTERN, fullmatch=True),
            st.sampled_from(NASTY),
            st.integers(0, 40),
        ),
    )
)
def test_anything_accepted_matches_the_published_pattern_and_is_safe(text: str) -> None:
    target = parses(text)
    matches = len(text) <= MAX_INPUT and re.fullmatch(DIAL_TARGET_PATTERN, text) is not None
    assert (target is not None) == matches, (text, target)
    if target is not None:
        assert_safe(text, target)


def test_a_dial_map_entry_wins_over_the_domain() -> None:
    target = parse_dial_target("1001", domain=DOMAIN, dial_map={"1001": "sip:1001@10.0.0.9"})
    assert target == DialTarget("sip:1001@10.0.0.9", "1001")


# -- DTMF -------------------------------------------------------------------------


@settings(max_examples=400)
@given(st.one_of(st.text(max_size=70), st.from_regex(DTMF_PATTERN, fullmatch=True)))
@example("12ab#*D")
@example("1\r\n")
@example("\uff11\uff12")
def test_dtmf_accepts_exactly_its_pattern_and_yields_only_digits(text: str) -> None:
    try:
        digits = parse_dtmf(text)
    except InvalidDigits:
        assert re.fullmatch(DTMF_PATTERN, text) is None, text
        return
    assert re.fullmatch(DTMF_PATTERN, text) is not None, text
    assert re.fullmatch(r"[0-9*#A-D]{1,64}", digits), digits


@pytest.mark.parametrize("text", ["", "1" * 65, "1;2", "1\r\n", "1%0a", "\uff11", "e", "1 2", "ß"])
def test_dtmf_refusals(text: str) -> None:
    with pytest.raises(InvalidDigits):
        parse_dtmf(text)


# -- sessionIds ---------------------------------------------------------------------


@settings(max_examples=400)
@given(st.one_of(st.text(max_size=80), st.from_regex(SESSION_ID_PATTERN, fullmatch=True)))
@example("k3f9q2-1\n")
@example("../../etc/passwd")
def test_session_ids_accept_exactly_their_pattern(text: str) -> None:
    try:
        assert check_session_id(text) == text
    except InvalidSessionId:
        assert re.fullmatch(SESSION_ID_PATTERN, text, re.ASCII) is None, text
        return
    assert re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", text), text


def test_session_ids_we_hand_out_pass_our_own_check_and_are_unique() -> None:
    factory = SessionIdFactory()
    ids = [factory() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for session_id in ids:
        check_session_id(session_id)
