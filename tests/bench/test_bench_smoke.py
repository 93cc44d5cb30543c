"""The benchmark's smoke run: one iteration of every measurement, small client counts, so the
benchmark cannot rot. It checks that a complete table came out, never how fast anything was."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
LATENCY = [
    "click_to_dial",
    "screen_pop_sse",
    "screen_pop_webhook",
    "call_setup",
    "call_setup_invite",
    "call_setup_answer",
    "round_trip",
]
FOOTPRINT = [
    "rss_idle",
    "cpu_idle",
    "cpu_calls_1",
    "cpu_calls_2",
    "cpu_calls_3",
    "cpu_calls_4",
    "rss_calls",
    "cpu_per_call",
]


def measured(side: dict[str, Any]) -> bool:
    summary = side["summary"]
    return summary is not None and summary["n"] >= 1 and summary["min"] <= summary["median"] <= summary["max"]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    folder = tmp_path_factory.mktemp("bench")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--smoke",
            "--json",
            str(folder / "results.json"),
            "--markdown",
            str(folder / "results.md"),
            "--folder",
            str(folder / "bed"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads((folder / "results.json").read_text()), (folder / "results.md").read_text()


@pytest.mark.timeout(200)
def test_the_smoke_run_records_machine_and_versions(smoke_run: tuple[dict[str, Any], str]) -> None:
    results, _ = smoke_run
    assert results["smoke"] is True
    assert int(results["machine"]["cores"]) >= 1
    assert results["machine"]["cpu"]
    assert set(results["versions"]) == {"phonebar", "PJSIP", "baresip", "Kamailio", "Python", "wrk"}
    for name, value in results["versions"].items():
        assert value not in ("", "unknown", "missing"), name
    assert not [note for note in results["notes"] if "failed" in note]


@pytest.mark.timeout(200)
def test_every_latency_is_measured_on_both_sides(smoke_run: tuple[dict[str, Any], str]) -> None:
    results, _ = smoke_run
    rows = {row["key"]: row for row in results["latency"]}
    assert list(rows) == LATENCY
    for key in LATENCY:
        if key == "screen_pop_webhook":
            continue
        assert measured(rows[key]["phonebar"]), key
        assert measured(rows[key]["baresip"]), key
    webhook = rows["screen_pop_webhook"]
    # measured once the daemon has CTI webhooks, else said plainly
    assert measured(webhook["phonebar"]) or webhook["phonebar"]["missing"].startswith("not available")
    assert webhook["baresip"]["missing"] == "baresip has no webhooks"


@pytest.mark.timeout(200)
def test_the_api_table_has_every_cell(smoke_run: tuple[dict[str, Any], str]) -> None:
    results, _ = smoke_run
    cells = {(row["path"], row["clients"], row["call_up"]) for row in results["api"]}
    assert cells == {
        (path, clients, call_up)
        for path in ("/api/calls", "/api/status")
        for clients in (1, 10)
        for call_up in (False, True)
    }
    for row in results["api"]:
        for side in (
            "phonebar_p50",
            "phonebar_p99",
            "phonebar_rps",
            "baresip_p50",
            "baresip_p99",
            "baresip_rps",
        ):
            assert measured(row[side]), (row["key"], side)


@pytest.mark.timeout(200)
def test_footprint_and_targets_are_complete(smoke_run: tuple[dict[str, Any], str]) -> None:
    results, markdown = smoke_run
    rows = {row["key"]: row for row in results["footprint"]}
    assert list(rows) == FOOTPRINT
    for key in FOOTPRINT:
        assert measured(rows[key]["phonebar"]), key
        assert measured(rows[key]["baresip"]), key
    targets = results["targets"]
    assert len(targets) == 6
    for target in targets:
        assert target["value"] is not None, target["name"]
        assert isinstance(target["met"], bool), target["name"]
        verdict = "met" if target["met"] else "**missed**"
        assert f"| {target['name']} |" in markdown
        assert verdict in markdown
    for heading in ("Latency, ms", "API under load", "Footprint", "Targets:", "Machine:", "Versions:"):
        assert heading in markdown
