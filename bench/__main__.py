"""``python -m bench``: phonebar against baresip, side by side, printed as Markdown.

scripts/bench                 the full run (about five minutes)
scripts/bench --smoke         one iteration of everything (what the test command runs)
scripts/bench --json out.json --markdown out.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path

from bench.plan import Plan
from bench.report import render
from bench.run import STEPS, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one iteration of each measurement")
    parser.add_argument("--iterations", type=int, help="samples per latency and side")
    parser.add_argument("--runs", type=int, help="wrk runs per API cell")
    parser.add_argument("--duration", type=int, help="seconds per wrk run")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--markdown", type=Path, help="also write the tables here")
    parser.add_argument("--folder", type=Path, help="keep the test bed's configs and logs here")
    parser.add_argument(
        "--only", action="append", choices=STEPS, default=[], help="run only this measurement (repeatable)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the test bed's own health checks
    plan = Plan.smoke_run() if args.smoke else Plan()
    for name in ("iterations", "runs", "duration"):
        if getattr(args, name) is not None:
            plan = replace(plan, **{name: getattr(args, name)})
    results = asyncio.run(run(plan, args.folder, frozenset(args.only)))
    text = render(results)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    if args.json:
        args.json.write_text(json.dumps(results.to_dict(), indent=2))
    return 1 if results.notes and any("failed" in note for note in results.notes) else 0


if __name__ == "__main__":
    sys.exit(main())
