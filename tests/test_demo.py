"""`make demo` end to end at small size, for real: emulator, batch backfill, dbt, streaming
pipeline, generator, dbt on a schedule. Everything published is staged or dead-lettered, dbt
passes, the master has a row per case, nothing the demo started survives it (also on Ctrl-C),
and a second demo works without cleaning."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psutil
import pytest

from expedientes import emulator, tables
from tests.conftest import REPO, require_emulator

pytestmark = [pytest.mark.emulator, pytest.mark.dbt]


def demo_command(port: int, events: int = 500, rate: int = 500) -> list[str]:
    return [
        sys.executable,
        "-m",
        "expedientes.demo",
        "--cases",
        "200",
        "--events",
        str(events),
        "--rate",
        str(rate),
        "--build-every",
        "10",
        "--port",
        str(port),
    ]


def run_demo(data_dir: Path, port: int) -> tuple[int, str, dict]:
    result = subprocess.run(
        demo_command(port),
        cwd=REPO,
        env={**os.environ, "EXPEDIENTES_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    summary = json.loads((data_dir / "demo" / "summary.json").read_text())
    return result.returncode, result.stdout + result.stderr, summary


def leftovers(data_dir: Path, port: int) -> list[str]:
    """Processes still running for this data dir, or anything listening on the port."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if proc.pid == psutil.Process().pid:
            continue
        try:
            environ = proc.environ()
            cmdline = " ".join(proc.info["cmdline"] or [])
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        if environ.get("EXPEDIENTES_DATA_DIR") == str(data_dir) or str(data_dir) in cmdline:
            found.append(f"{proc.pid}: {cmdline[:200]}")
    if emulator.answers("127.0.0.1", port, timeout=0.5):
        found.append(f"an emulator still answers on port {port}")
    return found


def distinct_refs(data_dir: Path) -> int:
    glob = tables.sql_string(str(data_dir / "landing" / "staging" / "**" / "*.jsonl"))
    with duckdb.connect() as con:
        return con.execute(
            f"select count(distinct ref) from read_json({glob}, format = 'newline_delimited', "
            f"columns = {tables.landing_struct_pack(tables.STAGING)})"
        ).fetchone()[0]


def test_the_demo_reconciles_and_a_second_one_continues(tmp_path: Path) -> None:
    require_emulator()
    data_dir = tmp_path / "data"
    port = emulator.free_port()
    code, out, summary = run_demo(data_dir, port)
    assert code == 0, out[-4000:]
    assert summary["reconciled"]
    assert summary["published_messages"] == summary["staged_events"] + summary["dead_lettered"]
    assert summary["published_malformed"] == summary["dead_lettered"] > 0
    assert summary["final_build_ok"]
    assert summary["final_build_counts"].get("ERROR", 0) == 0
    assert summary["cases"] == distinct_refs(data_dir)  # the master has a row per case
    assert "published = staged + dead   yes" in out
    assert leftovers(data_dir, port) == []

    code, out, second = run_demo(data_dir, port)  # no cleaning in between
    assert code == 0, out[-4000:]
    assert second["backfill_events_staged"] is None  # the staged cases are continued
    assert second["reconciled"] and second["final_build_ok"]
    assert second["cases"] == distinct_refs(data_dir) >= summary["cases"]
    assert leftovers(data_dir, port) == []


def _deliverable_sigint() -> None:
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _signal_state(pid: int) -> str:
    """The process's ignored/blocked/caught signal masks (for a failure message)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return "(no /proc)"
    return " ".join(line for line in lines if line.startswith(("SigIgn", "SigBlk", "SigCgt")))


def test_ctrl_c_stops_everything_the_demo_started(tmp_path: Path) -> None:
    require_emulator()
    data_dir = tmp_path / "data"
    port = emulator.free_port()
    log = tmp_path / "demo.log"
    with open(log, "w") as handle:
        proc = subprocess.Popen(
            demo_command(port, events=20_000, rate=100),  # streams for minutes
            cwd=REPO,
            env={**os.environ, "EXPEDIENTES_DATA_DIR": str(data_dir)},
            stdout=handle,
            stderr=subprocess.STDOUT,
            # as in a terminal: whatever this test process inherited, Ctrl-C is delivered
            preexec_fn=_deliverable_sigint,
        )
    try:
        deadline = time.monotonic() + 300
        while "4/5 streaming" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
        time.sleep(5)  # mid-stream: pipeline, generator and a dbt build are running
        signals = _signal_state(proc.pid)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=120) == 130, f"{signals}\n{log.read_text()[-3000:]}"
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "interrupted" in log.read_text()
    assert "Traceback" not in log.read_text()
    assert leftovers(data_dir, port) == []


def test_the_live_stream_continues_the_staged_cases(tmp_path: Path) -> None:
    """`make stream` with EVENTS=: chunks published, each landed before the next, the
    generator continuing the staged cases; nothing left running."""
    require_emulator()
    from datetime import UTC, datetime

    from generator import commands
    from tests.landing import land

    data_dir = tmp_path / "data"
    port = emulator.free_port()
    backfill = list(commands.backfill_events(50, seed=3, as_of=datetime.now(UTC)))
    land(backfill, data_dir / "landing" / "staging")
    before = distinct_refs(data_dir)
    result = subprocess.run(
        [
            *(sys.executable, "-m", "expedientes.live", "--events", "300", "--chunk", "150"),
            *("--rate", "1000", "--port", str(port)),
        ],
        cwd=REPO,
        env={**os.environ, "EXPEDIENTES_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "published and landed 150 events" in result.stdout
    assert "done: 300 events published and landed" in result.stdout
    glob = tables.sql_string(str(data_dir / "landing" / "staging" / "**" / "*.jsonl"))
    with duckdb.connect() as con:
        (events,) = con.execute(
            f"select count(distinct event_id) from read_json({glob}, "
            f"format = 'newline_delimited', columns = "
            f"{tables.landing_struct_pack(tables.STAGING)})"
        ).fetchone()
    assert events == 300 + len(backfill)
    assert distinct_refs(data_dir) >= before
    assert leftovers(data_dir, port) == []
