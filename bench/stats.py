"""Summaries of repeated measurements: median, 99th percentile, min and max."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    median: float
    p99: float
    low: float
    high: float
    count: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Summary:
        if not samples:
            raise ValueError("no samples")
        ordered = sorted(samples)
        return cls(statistics.median(ordered), percentile(ordered, 99), ordered[0], ordered[-1], len(ordered))

    def to_dict(self) -> dict[str, float]:
        return {"median": self.median, "p99": self.p99, "min": self.low, "max": self.high, "n": self.count}


def percentile(ordered: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted samples (the p99 of 30 samples is the largest)."""
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(start_ns: int, end_ns: int) -> float:
    return (end_ns - start_ns) / 1e6
