"""Cutting a client's connection off: an ASGI extension the server provides.

A client that stops reading fills the socket's buffers, and from then on every
write to it waits. The event streams bound each write, and when one does not
complete they need the connection really gone, unsent data dropped; a normal
close would wait for that data to drain, which never happens. The server
(``phonebar.server``) puts a :class:`ConnectionControl` in every request's
``scope["extensions"][EXTENSION]``; without one (a test transport) the stream
just ends. The streams also cap the socket's send buffer, so that what a stuck
client can hold up is small and it is found out after a few hundred kilobytes,
not after the kernel has buffered megabytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

EXTENSION = "phonebar.connection"


class ConnectionControl(Protocol):
    def abort(self) -> None:
        """Close the connection at once (TCP reset), dropping whatever is still unsent."""
        ...

    def limit_send_buffer(self, size: int) -> None:
        """Cap the kernel's send buffer (else it grows to megabytes before a write waits)."""
        ...

    def closing(self) -> bool:
        """Whether the connection is gone or going: a write to it would be dropped."""
        ...


def connection_control(scope: Mapping[str, Any]) -> ConnectionControl | None:
    control: ConnectionControl | None = (scope.get("extensions") or {}).get(EXTENSION)
    return control
