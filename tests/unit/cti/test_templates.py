"""CTI templates: parsing, escapes, URL encoding, JSON bodies, and what a lookup sees."""

from __future__ import annotations

import pytest

from phonebar.cti.templates import Template, TemplateError, json_strings, render_json
from phonebar.cti.variables import CallVariables
from phonebar.domain.events import CallCreated, CallEnded
from phonebar.domain.states import EndReason
from tests.unit.samples import call_view, ended_view

HOSTILE = "\"; rm -rf ~ # $(reboot) `id` 'q' & a=b/c?d#e Zoë 😀"


def lookup_of(**values: str) -> CallVariables:
    return CallVariables(values, {})


def test_literal_text_and_placeholders_in_order() -> None:
    template = Template.parse("http://crm/pop?n={number}&q={X-Queue}")
    assert template.names == ["number", "X-Queue"]
    assert template.literal_prefix == "http://crm/pop?n="
    assert template.render(lambda name: f"<{name}>") == "http://crm/pop?n=<number>&q=<X-Queue>"


def test_double_braces_are_literal_braces() -> None:
    template = Template.parse('{{"number": "{number}"}}')
    assert template.names == ["number"]
    assert template.render(lambda name: "1003") == '{"number": "1003"}'


@pytest.mark.parametrize("source", ["{number", "number}", "{}", "{a b}", "{{number}", "x{na{me}}"])
def test_broken_templates_are_refused(source: str) -> None:
    with pytest.raises(TemplateError):
        Template.parse(source)


def test_url_values_are_percent_encoded_so_they_cannot_reshape_the_url() -> None:
    url = Template.parse("https://crm.example.com/search?name={name}&x=1").render_url(lambda _: HOSTILE)
    assert url.startswith("https://crm.example.com/search?name=")
    assert url.endswith("&x=1")
    encoded = url.removeprefix("https://crm.example.com/search?name=").removesuffix("&x=1")
    assert all(ch not in encoded for ch in " &/?#=\"'`$;")
    from urllib.parse import unquote

    assert unquote(encoded) == HOSTILE


def test_plain_render_keeps_the_value_as_it_is() -> None:
    assert Template.parse("--name={name}").render(lambda _: HOSTILE) == f"--name={HOSTILE}"


def test_variables_and_headers_are_case_insensitive_and_a_missing_header_is_empty() -> None:
    variables = CallVariables.of("ringing", CallCreated(call=call_view()))
    assert variables("number") == "1003"
    assert variables("Number") == "1003"
    assert variables("SESSIONID") == "k3f9q2-1"
    assert variables("x-queue") == "sales"
    assert variables("X-QUEUE") == "sales"
    assert variables("X-Crm-Id") == ""
    assert variables("event") == "ringing"
    assert variables("answeredAt") == ""
    assert variables("createdAt") == "2026-12-03T15:21:00.123Z"


def test_ended_variables_come_from_the_call_ended_event() -> None:
    event = CallEnded(call=ended_view(), reason=EndReason.REMOTE_HANGUP, sip_status=200, duration=12.3)
    variables = CallVariables.of("ended", event)
    assert (variables("duration"), variables("endReason"), variables("sipStatus")) == (
        "12.3",
        "remote_hangup",
        "200",
    )
    assert variables("state") == "ended"


def test_a_json_body_template_renders_every_string_value() -> None:
    body = {"subject": "Call from {name}", "meta": {"queue": "{X-Queue}", "n": 3}, "tags": ["{number}", True]}
    variables = CallVariables.of("ringing", CallCreated(call=call_view()))
    assert render_json(body, variables) == {
        "subject": "Call from Carol",
        "meta": {"queue": "sales", "n": 3},
        "tags": ["1003", True],
    }
    assert sorted(json_strings(body)) == ["Call from {name}", "{X-Queue}", "{number}"]
