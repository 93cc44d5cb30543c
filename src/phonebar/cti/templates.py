"""Templates of CTI rules: ``{number}``, ``{X-Queue}``, ``{{`` for a literal brace.

A placeholder names a call variable (``sessionId``, ``number``, ...; see
:data:`phonebar.cti.variables.VARIABLES`) or, if it is none of them, a header
of the INVITE. Both are matched case-insensitively, and a header the INVITE
did not carry renders as an empty string.

How a value is inserted depends on where the template is used: inside a URL it
is percent-encoded (so ``&``, ``/``, ``#`` or a space in a caller's name cannot
change the URL's shape); as a program argument it stays one argv item, whatever
it contains. Templates never reach a shell. This module is stdlib-only:
``config.py`` uses it to reject a bad template at start.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.!%*+`'~-]{0,63}")

Lookup = Callable[[str], str]


class TemplateError(ValueError):
    """A template that cannot be parsed: unbalanced braces or a bad placeholder name."""


@dataclass(frozen=True)
class Template:
    """A parsed template: literal text and placeholders, in order."""

    source: str
    parts: tuple[str | Placeholder, ...]

    @classmethod
    def parse(cls, source: str) -> Template:
        parts: list[str | Placeholder] = []
        literal: list[str] = []
        position = 0
        for match in _TOKEN.finditer(source):
            literal.append(source[position : match.start()])
            position = match.end()
            token = match.group(0)
            if token in ("{{", "}}"):
                literal.append(token[0])
                continue
            name = match.group(1)
            if name is None:
                raise TemplateError(
                    f"unmatched {token!r} at position {match.start()} in {source!r} "
                    "(write {{ or }} for a literal brace)"
                )
            if not _NAME.fullmatch(name):
                raise TemplateError(f"{{{name}}} in {source!r} is not a variable or header name")
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(Placeholder(name))
        literal.append(source[position:])
        if "".join(literal):
            parts.append("".join(literal))
        return cls(source, tuple(parts))

    @property
    def names(self) -> list[str]:
        return [part.name for part in self.parts if isinstance(part, Placeholder)]

    @property
    def literal_prefix(self) -> str:
        """The text before the first placeholder (the scheme and host of a URL, say)."""
        first = self.parts[0] if self.parts else ""
        return first if isinstance(first, str) else ""

    def render(self, lookup: Lookup, *, encode: Callable[[str], str] | None = None) -> str:
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
            else:
                value = lookup(part.name)
                out.append(encode(value) if encode else value)
        return "".join(out)

    def render_url(self, lookup: Lookup) -> str:
        """Every value percent-encoded (RFC 3986 unreserved characters stay as they are)."""
        return self.render(lookup, encode=url_encode)


@dataclass(frozen=True)
class Placeholder:
    name: str


def url_encode(value: str) -> str:
    return quote(value, safe="")


def render_json(value: object, lookup: Lookup) -> object:
    """A JSON body template: every string in it (keys excepted) is a template."""
    if isinstance(value, str):
        return Template.parse(value).render(lookup)
    if isinstance(value, Mapping):
        return {str(key): render_json(item, lookup) for key, item in value.items()}
    if isinstance(value, list):
        return [render_json(item, lookup) for item in value]
    return value


def json_strings(value: object) -> list[str]:
    """Every string value in a JSON body template, to validate them at start."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in json_strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in json_strings(item)]
    return []
