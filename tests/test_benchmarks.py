"""The benchmarks cannot rot: every stage of `make bench` runs on tiny sizes (one run, no
warm-up) and the report comes out complete. Nothing here looks at a speed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from benchmarks import report
from tests.conftest import REPO, require_emulator, run

pytestmark = [pytest.mark.emulator, pytest.mark.dbt]


def test_every_stage_runs_and_the_report_is_complete(tmp_path: Path) -> None:
    require_emulator()
    results_path = tmp_path / "latest.json"
    docs = tmp_path / "docs"
    result = run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            *("--runs", "1", "--warmup", "0", "--profile"),
            *("--publish-events", "300", "--batch-events", "400", "--stream-events", "300"),
            *("--latency-rate", "100", "--latency-seconds", "2"),
            *("--dbt-sizes", "1500,3000", "--dbt-new-events", "200"),
            *("--e2e-cases", "40", "--e2e-events", "100"),
            *("--workdir", str(tmp_path / "work")),
            *("--out", str(results_path), "--report-dir", str(docs)),
        ],
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    results = json.loads(results_path.read_text())
    assert set(results["stages"]) == {"publish", "pipeline", "dbt", "end_to_end"}
    assert results["machine"]["versions"]["dbt-core"].startswith("1.11")
    publish = results["stages"]["publish"]["300"]
    assert publish["generator_events_per_s"]["median"] > 0 < publish["bare_events_per_s"]["median"]
    streaming = results["stages"]["pipeline"]["streaming"]
    assert streaming["latency"]["events"] == 200
    assert publish["generator_profile"] and streaming["pipeline_profile"]
    dbt = results["stages"]["dbt"]
    assert set(dbt["sizes"]) == {"1500", "3000"}
    for figures in dbt["sizes"].values():
        for key in ("full_refresh_s", "incremental_s", "nothing_new_s", "seed_strategy_s"):
            assert figures[key]["median"] > 0
        assert "expedientes" in figures["model_seconds_incremental"]
    assert results["stages"]["end_to_end"]["reconciled"]

    text = (docs / "BENCHMARKS.md").read_text()
    for section in ("## Goals", "## Publish", "## Pipeline", "## dbt incremental scaling"):
        assert section in text
    assert "## End to end" in text
    goals = report.goals(results)
    assert len(goals) == 7  # publish (one size), batch, streaming, latency, three for dbt
    assert text.count("| yes |") + text.count("| NO |") == len(goals)
    for plot in ("bench_throughput.png", "bench_dbt.png"):
        assert (docs / plot).stat().st_size > 5_000
    assert (REPO / "benchmarks" / "results").is_dir()
