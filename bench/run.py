"""One benchmark run: start the test bed, take every measurement in turn, evaluate the targets."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine
from bench.measure_api import api_latency
from bench.measure_footprint import footprint
from bench.measure_latency import call_setup, click_to_dial, round_trip, screen_pop
from bench.plan import Plan
from bench.report import evaluate
from bench.results import Results
from bench.testbed import BenchBed

log = logging.getLogger("bench")


STEPS = ("dial", "pop", "setup", "roundtrip", "api", "footprint")


async def run(plan: Plan, folder: Path | None = None, only: frozenset[str] = frozenset()) -> Results:
    results = Results(
        started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        smoke=plan.smoke,
        machine=machine.machine(),
        plan=plan.to_dict(),
    )
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="phonebar-bench-") as scratch:
        where = folder or Path(scratch)
        where.mkdir(parents=True, exist_ok=True)
        log.info("test bed in %s", where)
        async with BenchBed(where) as bed:
            results.versions = machine.versions(bed.baresip.version())
            steps: list[tuple[str, Callable[[], Awaitable[list[Any]]], list[Any]]] = [
                ("dial", lambda: click_to_dial(bed, plan), results.latency),
                ("pop", lambda: screen_pop(bed, plan), results.latency),
                ("setup", lambda: call_setup(bed, plan), results.latency),
                ("roundtrip", lambda: round_trip(bed, plan), results.latency),
                ("api", lambda: api_latency(bed, plan), results.api),
                ("footprint", lambda: footprint(bed, plan), results.footprint),
            ]
            for name, step, into in steps:
                if only and name not in only:
                    continue
                log.info("measuring %s", name)
                try:
                    produced = await step()
                except Exception as exc:
                    log.exception("%s failed", name)
                    results.notes.append(f"{name} failed: {type(exc).__name__}: {exc}")
                    continue
                into.extend(produced)
    results.machine["load"] = f"{results.machine['load']} at start, {machine.load_average()} at the end"
    results.seconds = time.monotonic() - began
    results.targets = evaluate(results)
    return results
