"""The test bed's ports: outside the kernel's ephemeral range, so a daemon restarted on its
own port never finds it taken by another program's outgoing connection."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness.ports import free_port


def test_free_ports_stay_below_the_ephemeral_range() -> None:
    first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert max(ports) < first_ephemeral
