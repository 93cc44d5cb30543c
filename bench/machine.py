"""The machine and the versions a run measured: printed with every table."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import phonebar


def machine() -> dict[str, str]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = match.group(1).strip() if match else model
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"^MemTotal:\s*(\d+) kB", meminfo.read_text(), re.MULTILINE)
        memory = f"{int(match.group(1)) / 1024 / 1024:.1f} GB" if match else ""
    return {
        "cores": str(os.cpu_count() or 0),
        "cpu": model,
        "memory": memory,
        "kernel": f"{platform.system()} {platform.release()}",
        "load": load_average(),
    }


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def versions(baresip: str) -> dict[str, str]:
    return {
        "phonebar": phonebar.__version__,
        "PJSIP": _pjsip(),
        "baresip": baresip,
        "Kamailio": _first_match(["kamailio", "-v"], r"kamailio (\S+)"),
        "Python": platform.python_version(),
        "wrk": _first_match(["wrk", "-v"], r"wrk (?:debian/)?(\S+)"),
    }


def _pjsip() -> str:
    try:
        wheel = version("pjsua2-python")
    except PackageNotFoundError:
        return "unknown"
    return f"{wheel.split('.post')[0]} (pjsua2-python {wheel})"


def _first_match(argv: list[str], pattern: str) -> str:
    binary = shutil.which(argv[0]) or (
        f"/usr/sbin/{argv[0]}" if Path(f"/usr/sbin/{argv[0]}").exists() else None
    )
    if binary is None:
        return "missing"
    try:
        result = subprocess.run([binary, *argv[1:]], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    match = re.search(pattern, result.stdout + result.stderr)
    return match.group(1) if match else "unknown"
