"""How much to measure: a full run, or the smoke run the test command makes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Plan:
    smoke: bool = False
    iterations: int = 30  # samples per side for each latency (after the warm-up)
    warmup: int = 3  # iterations run and thrown away first
    runs: int = 5  # wrk runs per API cell; the table shows their median
    duration: int = 1  # seconds per wrk run (wrk takes whole seconds)
    api_warmup: bool = True  # one wrk run per cell first, thrown away
    clients: tuple[int, ...] = (1, 10, 100)
    round_trips: int = 300  # sequential requests for the one-client round trip
    window: float = 3.0  # seconds per CPU sample
    windows: int = 3  # CPU samples per state
    max_calls: int = 4

    @classmethod
    def smoke_run(cls) -> Plan:
        """One iteration of everything, small client counts: proves the benchmark still runs."""
        return cls(
            smoke=True,
            iterations=1,
            warmup=1,
            runs=1,
            duration=1,
            api_warmup=False,
            clients=(1, 10),
            round_trips=20,
            window=0.5,
            windows=1,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
