"""What every benchmark shares: repeated measurements, the machine's description, a fresh
emulator, landing staging rows, and running a command while recording its peak memory.

Each figure is measured ``runs`` times after ``warmup`` unmeasured runs, and reported as the
median with its spread (min, max); every ratio compares two figures measured in the same
invocation, so it holds on a noisy machine. Nothing here asserts a speed.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from beam_pipeline.sinks import STAGING_DIR, land_file
from beam_pipeline.validate import staging_row, to_json_line
from expedientes import emulator, pubsub_admin

REPO = Path(__file__).resolve().parents[1]


def summarize(values: list[float]) -> dict:
    """Median, min, max, and the spread as a share of the median, of repeated figures."""
    median = statistics.median(values)
    return {
        "median": round(median, 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
        "spread": round((max(values) - min(values)) / median, 3) if median else None,
        "runs": [round(v, 4) for v in values],
    }


def repeat(measure: Callable[[int], float], runs: int, warmup: int) -> dict:
    """``measure(i)`` for ``warmup`` unmeasured then ``runs`` measured iterations."""
    for i in range(warmup):
        measure(-1 - i)
    return summarize([measure(i) for i in range(runs)])


def machine() -> dict:
    """The machine and the versions the figures were measured with."""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown"
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = None
    packages = (
        "apache-beam",
        "google-cloud-pubsub",
        "dbt-core",
        "dbt-duckdb",
        "duckdb",
        "streamlit",
    )
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory, 1) if memory else None,
        "versions": {name: metadata.version(name) for name in packages},
    }


@contextlib.contextmanager
def fresh_emulator(directory: Path) -> Iterator[str]:
    """A new emulator on a free port for one benchmark (one that has kept hundreds of thousands
    of messages slows down); yields its host:port, stops it on the way out."""
    state, _ = emulator.start(port=emulator.free_port(), directory=directory)
    previous = os.environ.get("PUBSUB_EMULATOR_HOST")
    os.environ["PUBSUB_EMULATOR_HOST"] = state.address
    try:
        yield state.address
    finally:
        if previous is None:
            os.environ.pop("PUBSUB_EMULATOR_HOST", None)
        else:
            os.environ["PUBSUB_EMULATOR_HOST"] = previous
        emulator.stop(directory)


def resources(project: str, name: str) -> pubsub_admin.Resources:
    """A topic and subscription of their own for one measurement."""
    return pubsub_admin.Resources(
        project=project,
        topic=f"bench-{name}",
        subscription=f"bench-{name}-sub",
        dead_letter_topic=f"bench-{name}-dl",
        dead_letter_subscription=f"bench-{name}-dl-sub",
    )


def land_staged(events: Iterable[dict], landing: Path, per_file: int = 5000) -> int:
    """Land ``events`` as the pipeline's local sink lands valid events (its own row and file
    functions), ``per_file`` rows per file; returns how many."""
    lines: list[str] = []
    count = 0
    for event in events:
        raw = {
            "data": json.dumps(event, ensure_ascii=False).encode("utf-8"),
            "attributes": {},
            "message_id": None,
            "publish_time": None,
        }
        lines.append(to_json_line(staging_row({"event": event, "raw": raw})))
        count += 1
        if len(lines) >= per_file:
            land_file(landing / STAGING_DIR, lines)
            lines = []
    if lines:
        land_file(landing / STAGING_DIR, lines)
    return count


def run_measured(args: list[str], env: dict | None = None, timeout: float = 3600) -> dict:
    """Run a command to the end; its wall seconds, peak resident memory (MiB, of that process,
    from ``wait4``), exit code and output."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    chunks: list[str] = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    return {
        "seconds": time.perf_counter() - started,
        "peak_mib": usage.ru_maxrss / 1024,
        "code": proc.returncode,
        "output": "".join(chunks),
    }


class BenchmarkFailed(RuntimeError):
    """A command a benchmark runs failed: the message holds the end of its output."""


def succeeded(result: dict, what: str) -> dict:
    """``result`` of :func:`run_measured`, or :class:`BenchmarkFailed` when it failed."""
    if result["code"] != 0:
        raise BenchmarkFailed(f"{what} exited with {result['code']}:\n{result['output'][-2000:]}")
    return result


def cprofile_top(stats_file: Path, limit: int = 8) -> list[dict]:
    """The functions with the most own time in a cProfile output, with their share."""
    import pstats

    stats = pstats.Stats(str(stats_file))
    total = sum(row[2] for row in stats.stats.values()) or 1.0
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:limit]
    return [
        {
            "function": f"{Path(file).name}:{line}({name})",
            "own_seconds": round(own, 3),
            "share": round(own / total, 3),
        }
        for (file, line, name), (_cc, _nc, own, _cum, _callers) in rows
    ]


def py_spy_top(pid: int, seconds: float, out: Path, limit: int = 8) -> list[dict]:
    """Sample a running process with py-spy for ``seconds``; the frames with the most own
    samples (idle waits included, as they are where a thread spends its time) and their
    share. Empty when py-spy cannot attach here."""
    spy = Path(sys.executable).with_name("py-spy")
    result = subprocess.run(
        [
            *(str(spy), "record", "--pid", str(pid), "--duration", str(int(seconds))),
            *("--format", "raw", "--nonblocking", "-o", str(out)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or not out.exists():
        return []
    own: dict[str, int] = {}
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frame = stack.split(";")[-1].split(" (")[0] or "(idle)"
        own[frame] = own.get(frame, 0) + int(count)
        total += int(count)
    top = sorted(own.items(), key=lambda item: item[1], reverse=True)[:limit]
    return [{"function": f, "samples": n, "share": round(n / total, 3)} for f, n in top]


def python(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def log(text: str) -> None:
    print(f"{datetime.now(UTC):%H:%M:%S} {text}", file=sys.stderr, flush=True)
