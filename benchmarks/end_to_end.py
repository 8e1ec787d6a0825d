"""End to end: `make demo`'s flow (`python -m expedientes.demo`) in a fresh data dir, wall time
per phase from the demo's own summary, with the reconciliation it printed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from benchmarks.runner import log, python, run_measured, succeeded
from expedientes import emulator


def run(workdir: Path, cases: int, events: int) -> dict:
    data_dir = workdir / "demo"
    shutil.rmtree(data_dir, ignore_errors=True)
    result = run_measured(
        python(
            "expedientes.demo",
            "--cases",
            str(cases),
            "--events",
            str(events),
            "--port",
            str(emulator.free_port()),
        ),
        env={"EXPEDIENTES_DATA_DIR": str(data_dir)},
    )
    succeeded(result, "the demo")
    summary = json.loads((data_dir / "demo" / "summary.json").read_text())
    log(f"end to end: {cases} cases, {events} events in {result['seconds']:.0f} s")
    return {
        "cases": cases,
        "events": events,
        "wall_s": round(result["seconds"], 1),
        "phases_s": summary["phases_seconds"],
        "reconciled": summary["reconciled"],
        "builds_during_stream": len(summary["builds_during_stream"]),
        "events_staged": summary["staged_events"],
        "dead_lettered": summary["dead_lettered"],
    }
