"""Footprint of the registered daemons (phonebar-alice, baresip-bob), both read over the same
time windows: resident memory (``VmRSS`` in /proc/<pid>/status) and CPU (the on-CPU
nanoseconds of every thread, /proc/<pid>/task/*/schedstat, over each window's wall time),
idle and with 1 to 4 calls up to the answering UAS through Kamailio.

With more than one call, the newest one talks and the others are on hold: phonebar holds
the talking call before it dials another, as a desk phone does, and baresip is told to
``hold`` likewise, so both carry the same calls.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.harness.processes import rss_mb

from bench.plan import Plan
from bench.results import FootprintRow, Side
from bench.testbed import CALLEE, BenchBed


@dataclass(frozen=True)
class Usage:
    cpu_ns: int
    wall_ns: int


def cpu_ns(pid: int) -> int:
    """On-CPU time of every live thread of ``pid``, in ns (schedstat's first field)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            continue  # the thread ended meanwhile
    return total


async def _windows(pids: dict[str, int], plan: Plan) -> dict[str, tuple[list[float], list[float]]]:
    """CPU (% of one core) and RSS (MB) of each pid, one sample per window."""
    samples: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in pids}
    for _ in range(plan.windows):
        start = {name: Usage(cpu_ns(pid), time.monotonic_ns()) for name, pid in pids.items()}
        await asyncio.sleep(plan.window)
        for name, pid in pids.items():
            cpu, wall = cpu_ns(pid) - start[name].cpu_ns, time.monotonic_ns() - start[name].wall_ns
            samples[name][0].append(100.0 * cpu / wall)
            samples[name][1].append(rss_mb(pid))
    return samples


async def footprint(bed: BenchBed, plan: Plan) -> list[FootprintRow]:
    assert bed.api_registered is not None
    assert bed.baresip_registered.ctrl is not None
    pids = {"phonebar": bed.phonebar_registered_pid, "baresip": bed.baresip_registered.pid}
    baresip = bed.baresip_registered
    ctrl = baresip.ctrl
    assert ctrl is not None
    target = f"sip:{CALLEE}@127.0.0.1"
    await asyncio.sleep(min(plan.window, 1.0))  # let the last measurement's calls settle
    idle = await _windows(pids, plan)
    rows = [
        FootprintRow(
            "rss_idle",
            "RSS, registered, no call",
            "MB",
            _side(idle, "phonebar", 1),
            _side(idle, "baresip", 1),
        ),
        FootprintRow(
            "cpu_idle",
            "CPU, registered, no call",
            "% core",
            _side(idle, "phonebar", 0),
            _side(idle, "baresip", 0),
        ),
    ]
    by_calls: dict[int, dict[str, tuple[list[float], list[float]]]] = {}
    try:
        for count in range(1, plan.max_calls + 1):
            if count > 1:
                await ctrl.command("hold")
            answer = await bed.api_registered.get(f"/api/originate/{target}")
            if answer.status != 200:
                raise RuntimeError(f"originate call {count}: {answer.status} {answer.body[:200]!r}")
            await ctrl.command("dial", target)
            await _wait_calls(bed, count)
            await asyncio.sleep(0.5)  # re-INVITEs for hold done, RTP flowing
            by_calls[count] = await _windows(pids, plan)
            rows.append(
                FootprintRow(
                    f"cpu_calls_{count}",
                    f"CPU, {count} call{'s' if count > 1 else ''} up"
                    + (f" (1 talking, {count - 1} held)" if count > 1 else ""),
                    "% core",
                    _side(by_calls[count], "phonebar", 0),
                    _side(by_calls[count], "baresip", 0),
                )
            )
        top = plan.max_calls
        rows.append(
            FootprintRow(
                "rss_calls",
                f"RSS, {top} calls up",
                "MB",
                _side(by_calls[top], "phonebar", 1),
                _side(by_calls[top], "baresip", 1),
            )
        )
        rows.append(
            FootprintRow(
                "cpu_per_call",
                f"CPU per call ({top} calls - idle) / {top}",
                "% core",
                _per_call(by_calls[top], idle, "phonebar", top),
                _per_call(by_calls[top], idle, "baresip", top),
            )
        )
    finally:
        await bed.phonebar_hang_up(registered=True)
        await baresip.hang_up_all()
    return rows


async def _wait_calls(bed: BenchBed, count: int, timeout: float = 10.0) -> None:
    """Until each daemon shows ``count`` established calls and the callee has them all."""
    baresip = bed.baresip_registered
    async with asyncio.timeout(timeout):
        while True:
            ours = [call["state"] for call in await bed.phonebar_calls(registered=True)]
            theirs = await baresip.call_count()
            settled = len(ours) == count and "dialing" not in ours and "early" not in ours
            if settled and theirs == count and bed.answerer.active_calls >= 2 * count:
                return
            await asyncio.sleep(0.05)


def _side(samples: dict[str, tuple[list[float], list[float]]], who: str, which: int) -> Side:
    return Side.of(samples[who][which])


def _per_call(
    loaded: dict[str, tuple[list[float], list[float]]],
    idle: dict[str, tuple[list[float], list[float]]],
    who: str,
    calls: int,
) -> Side:
    base = statistics.median(idle[who][0])
    return Side.of([(value - base) / calls for value in loaded[who][0]])
