"""API latency under load, with wrk (C, one thread, keep-alive connections, each client
sending its next request as soon as the last answer came): p50, p99 and requests per
second of ``GET /api/calls`` and ``GET /api/status`` with 1, 10 and 100 clients, with no
call and with one call up.

baresip has no JSON API; the nearest thing is its httpd module, which runs a menu command
per ``GET /?<command>`` and answers HTML: ``/?l`` lists the calls, ``/?r`` shows the
registrations. Those are what phonebar's two routes are compared with.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.plan import Plan
from bench.results import ApiRow, Side
from bench.testbed import CALLEE, BenchBed

WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format('{"p50": %d, "p99": %d, "requests": %d, "micros": %d, "errors": %d}\\n',
    latency:percentile(50), latency:percentile(99), summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status +
    summary.errors.timeout))
end
"""

PATHS = (("/api/calls", "/?l"), ("/api/status", "/?r"))


@dataclass(frozen=True)
class WrkRun:
    p50_ms: float
    p99_ms: float
    rps: float
    errors: int


class Wrk:
    def __init__(self, folder: Path) -> None:
        binary = shutil.which("wrk")
        assert binary, "wrk is required (scripts/setup test installs it)"
        self.binary = binary
        self.script = folder / "wrk-summary.lua"
        self.script.write_text(WRK_SCRIPT)

    async def run(self, url: str, clients: int, seconds: int) -> WrkRun:
        process = await asyncio.create_subprocess_exec(
            self.binary,
            "-t1",
            f"-c{clients}",
            f"-d{max(seconds, 1)}s",
            "--timeout",
            "5s",
            "-s",
            str(self.script),
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), seconds + 30)
        lines = [line for line in out.decode().splitlines() if line.startswith("{")]
        if process.returncode != 0 or not lines:
            raise RuntimeError(f"wrk {url}: exit {process.returncode}: {err.decode()[-500:]}")
        summary = json.loads(lines[-1])
        rps = summary["requests"] / (summary["micros"] / 1e6) if summary["micros"] else 0.0
        return WrkRun(summary["p50"] / 1000, summary["p99"] / 1000, rps, summary["errors"])


async def api_latency(bed: BenchBed, plan: Plan) -> list[ApiRow]:
    assert bed.phonebar is not None
    wrk = Wrk(bed.folder)
    phonebar_base = f"http://127.0.0.1:{bed.phonebar.api_port}"
    baresip_base = f"http://127.0.0.1:{bed.baresip.http_port}"
    rows: list[ApiRow] = []
    for call_up in (False, True):
        if call_up:
            await _call_up(bed)
        cells = [(ours, theirs, clients) for ours, theirs in PATHS for clients in plan.clients]
        runs: dict[tuple[str, int, str], list[WrkRun]] = {}
        for ours, theirs, clients in cells if plan.api_warmup else ():  # thrown away
            await wrk.run(phonebar_base + ours, clients, 1)
            await wrk.run(baresip_base + theirs, clients, 1)
        for index in range(plan.runs):
            for ours, theirs, clients in cells:
                pair = [("phonebar", phonebar_base + ours), ("baresip", baresip_base + theirs)]
                for who, url in pair if index % 2 == 0 else reversed(pair):
                    result = await wrk.run(url, clients, plan.duration)
                    if result.errors:
                        raise RuntimeError(f"wrk {url} with {clients} clients: {result.errors} errors")
                    runs.setdefault((ours, clients, who), []).append(result)
        for ours, theirs, clients in cells:
            mine, other = runs[(ours, clients, "phonebar")], runs[(ours, clients, "baresip")]
            rows.append(
                ApiRow(
                    key=f"{ours.rsplit('/', 1)[-1]}_{clients}_{'call' if call_up else 'idle'}",
                    path=ours,
                    clients=clients,
                    call_up=call_up,
                    phonebar_p50=_side(run.p50_ms for run in mine),
                    phonebar_p99=_side(run.p99_ms for run in mine),
                    phonebar_rps=_side(run.rps for run in mine),
                    baresip_p50=_side((run.p50_ms for run in other), f"GET {theirs}"),
                    baresip_p99=_side(run.p99_ms for run in other),
                    baresip_rps=_side(run.rps for run in other),
                )
            )
        if call_up:
            await bed.phonebar_hang_up()
            await bed.baresip.hang_up_all()
    return rows


def _side(values: Iterable[float], label: str = "") -> Side:
    return Side.of(list(values), label)


async def _call_up(bed: BenchBed) -> None:
    """One connected call on each direct daemon, to the answering UAS, RTP flowing."""
    assert bed.api is not None
    assert bed.baresip.ctrl is not None
    target = f"sip:{CALLEE}@{bed.answerer.address}"
    answer = await bed.api.get(f"/api/originate/{target}")
    if answer.status != 200:
        raise RuntimeError(f"originate: {answer.status} {answer.body[:200]!r}")
    await bed.baresip.ctrl.command("dial", target)
    async with asyncio.timeout(10):
        while [call["state"] for call in await bed.phonebar_calls()] != ["connected"]:
            await asyncio.sleep(0.05)
        while "ESTABLISHED" not in str((await bed.baresip.ctrl.command("listcalls")).get("data")):
            await asyncio.sleep(0.05)
