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
    """Each run goes through every cell with no call, then sets a call up on both daemons and
    goes through them again: the two states share the machine's ups and downs alike."""
    assert bed.phonebar is not None
    wrk = Wrk(bed.folder)
    bases = {
        "phonebar": f"http://127.0.0.1:{bed.phonebar.api_port}",
        "baresip": f"http://127.0.0.1:{bed.baresip.http_port}",
    }
    cells = [(ours, theirs, clients) for ours, theirs in PATHS for clients in plan.clients]
    runs: dict[tuple[bool, str, int, str], list[WrkRun]] = {}
    for index in range(-1 if plan.api_warmup else 0, plan.runs):  # run -1 is thrown away
        for call_up in (False, True):
            if call_up:
                await _call_up(bed)
            for ours, theirs, clients in cells:
                pair = [("phonebar", ours), ("baresip", theirs)]
                for who, path in pair if index % 2 == 0 else reversed(pair):
                    url = bases[who] + path
                    result = await wrk.run(url, clients, plan.duration if index >= 0 else 1)
                    if result.errors:
                        raise RuntimeError(f"wrk {url} with {clients} clients: {result.errors} errors")
                    if index >= 0:
                        runs.setdefault((call_up, ours, clients, who), []).append(result)
            if call_up:
                await bed.phonebar_hang_up()
                await bed.baresip.hang_up_all()
    rows: list[ApiRow] = []
    for call_up in (False, True):
        for ours, theirs, clients in cells:
            mine, other = (
                runs[(call_up, ours, clients, "phonebar")],
                runs[(call_up, ours, clients, "baresip")],
            )
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
