"""A sipp peer that sends phonebar malformed and hostile SIP (peers/sipp-uac-hostile.xml.in)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness.sipp import PEERS, Sipp

# bytes in one header: far beyond any real one (sipp reads scenario files of up to 64 kB)
BIG_HEADER = 12_000


def hostile_peer(folder: Path, target: str) -> Sipp:
    """Sends every message of the scenario to ``target`` (host:port), directly."""
    parts = {
        "__BIG_HEADER__": "x" * BIG_HEADER,
        "__MANY_HEADERS__": "\n".join(f"X-Header-{i}: value {i}" for i in range(150)),
        "__MANY_MEDIA__": "\n".join(f"m=audio {40_002 + 2 * i} RTP/AVP 0" for i in range(20)),
        "__MANY_ATTRIBUTES__": "\n".join(f"a=x-attribute-{i}:{'y' * 20}" for i in range(100)),
    }
    scenario = (PEERS / "sipp-uac-hostile.xml.in").read_text()
    for placeholder, text in parts.items():
        scenario = scenario.replace(placeholder, text)
    path = folder / "sipp-uac-hostile.xml"
    path.write_text(scenario)
    return Sipp(folder, str(path), target)
