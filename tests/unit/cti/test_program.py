"""The run action: argv exactly as rendered, no shell, timeouts kill the whole group."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from phonebar.cti.program import ProgramOptions, run_program
from phonebar.cti.rules import ActionFailed
from tests.unit.cti.firings import ringing, run_rule

HOSTILE = "\"; rm -rf ~ # $(touch pwned) `touch pwned2` 'q' \\ Zoë 😀"

RECORD_ARGV = (
    "import os, sys; out = sys.argv[1]; "
    "open(out, 'wb').write(b'\\0'.join(os.fsencode(arg) for arg in sys.argv[2:]))"
)


async def test_each_template_is_one_argv_item_and_no_shell_sees_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "argv"
    rule = run_rule(
        sys.executable, "-c", RECORD_ARGV, str(out), "{name}", "--number={number}", "{X-Nope}", "a b"
    )
    monkeypatch.chdir(tmp_path)
    await run_program(ringing(rule, name=HOSTILE), ProgramOptions(timeout=10))
    expected = [HOSTILE, "--number=1003", "", "a b"]
    assert out.read_bytes() == b"\0".join(arg.encode() for arg in expected)
    assert not (tmp_path / "pwned").exists()
    assert not (tmp_path / "pwned2").exists()


async def test_a_nonzero_exit_fails_with_the_output() -> None:
    rule = run_rule(sys.executable, "-c", "import sys; print('no such customer'); sys.exit(3)")
    with pytest.raises(ActionFailed, match="exited with 3: no such customer"):
        await run_program(ringing(rule), ProgramOptions())


async def test_a_missing_program_fails() -> None:
    with pytest.raises(ActionFailed, match="cannot start /nonexistent/crm-note"):
        await run_program(ringing(run_rule("/nonexistent/crm-note")), ProgramOptions())


async def test_a_program_past_its_timeout_is_killed_with_its_children(tmp_path: Path) -> None:
    marker = tmp_path / "child-pid"
    script = f"sleep 30 & echo $! > {marker}; wait"
    started = time.monotonic()
    with pytest.raises(ActionFailed, match=r"killed after 0.5 s"):
        await run_program(ringing(run_rule("/bin/sh", "-c", script)), ProgramOptions(timeout=0.5))
    assert time.monotonic() - started < 5
    child = int(marker.read_text())
    for _ in range(100):
        if not _alive(child):
            break
        await asyncio.sleep(0.05)
    assert not _alive(child), "the program's child survived the timeout"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie waiting for its parent counts as gone
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
