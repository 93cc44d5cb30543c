"""The audio benchmark still runs: two seconds on the pulse backend, figures printed (and
the call's audio checked by the benchmark itself); no timing is asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import bench_audio


def test_the_audio_benchmark_runs_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_audio.main(["--seconds", "2", "--backend", "pulse", "--folder", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    print(out)
    assert out.startswith("== pulse: 2 s call, agent CPU ")
    assert "microphone: frames/min " in out
    assert "speaker: frames/min " in out
    assert "440 Hz share" in out
    assert "660 Hz share at the far end" in out
