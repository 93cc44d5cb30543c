"""What a benchmark run produced: rows of phonebar and baresip figures side by side, the
targets they are held to, and the machine and versions they were measured on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.stats import Summary


@dataclass
class Side:
    """One program's figure in a row: a summary of samples, or why there is none."""

    summary: Summary | None = None
    missing: str | None = None  # "not available: ..." or the error that stopped it
    label: str = ""  # what was measured when it differs from the row's name

    @classmethod
    def of(cls, samples: list[float], label: str = "") -> Side:
        return cls(Summary.of(samples), label=label) if samples else cls(missing="no samples", label=label)

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary.to_dict() if self.summary else None,
            "missing": self.missing,
            "label": self.label,
        }


@dataclass
class LatencyRow:
    """Per-sample figures in ms (each sample is one iteration)."""

    key: str
    name: str
    phonebar: Side
    baresip: Side


@dataclass
class ApiRow:
    """A wrk cell: median over runs of each run's p50, p99 and requests per second."""

    key: str
    path: str
    clients: int
    call_up: bool
    phonebar_p50: Side
    phonebar_p99: Side
    phonebar_rps: Side
    baresip_p50: Side
    baresip_p99: Side
    baresip_rps: Side


@dataclass
class FootprintRow:
    key: str
    name: str
    unit: str
    phonebar: Side
    baresip: Side


@dataclass(frozen=True)
class Target:
    name: str
    limit: float
    unit: str
    value: float | None  # None: the figure could not be measured
    met: bool | None


@dataclass
class Results:
    started: str = ""
    seconds: float = 0.0
    smoke: bool = False
    machine: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    plan: dict[str, Any] = field(default_factory=dict)
    latency: list[LatencyRow] = field(default_factory=list)
    api: list[ApiRow] = field(default_factory=list)
    footprint: list[FootprintRow] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def latency_row(self, key: str) -> LatencyRow | None:
        return next((row for row in self.latency if row.key == key), None)

    def api_row(self, key: str) -> ApiRow | None:
        return next((row for row in self.api if row.key == key), None)

    def footprint_row(self, key: str) -> FootprintRow | None:
        return next((row for row in self.footprint if row.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        def sides(row: Any) -> dict[str, Any]:
            return {
                name: value.to_dict() if isinstance(value, Side) else value
                for name, value in vars(row).items()
            }

        return {
            "started": self.started,
            "seconds": self.seconds,
            "smoke": self.smoke,
            "machine": self.machine,
            "versions": self.versions,
            "plan": self.plan,
            "latency": [sides(row) for row in self.latency],
            "api": [sides(row) for row in self.api],
            "footprint": [sides(row) for row in self.footprint],
            "targets": [vars(target) for target in self.targets],
            "notes": self.notes,
        }
