"""Run the dbt project: one build, builds on a schedule, and the lineage docs.

    python -m expedientes.dbt_runner build [--target local] [-- dbt flags...]
    python -m expedientes.dbt_runner schedule --interval 60 [--runs N]
    python -m expedientes.dbt_runner docs [--port 8080]

``schedule`` is the local twin of production's Cloud Scheduler -> Cloud Run job (a ``dbt build``
every 3 hours): a build every ``--interval`` seconds, start to start, one log line per run, until
interrupted. dbt runs as a subprocess (in-process dbt would keep the DuckDB file locked in the
caller), with usage statistics and version checks off, its logs and artifacts under
``$EXPEDIENTES_DATA_DIR/dbt/``; on the local target each build holds the warehouse lock (see
:mod:`expedientes.warehouse`) so that the dashboard never makes it fail.

Exit codes: 0 success, 1 dbt failed (a model error or a failing test), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from expedientes import cli_args, settings, warehouse

PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
LOCAL_TARGETS = ("local", "lint")


def executable() -> str:
    """dbt from this interpreter's environment (the project's .venv)."""
    return str(Path(sys.executable).with_name("dbt"))


def artifacts_dir() -> Path:
    return settings.data_dir() / "dbt"


def environment() -> dict[str, str]:
    """The environment every dbt command runs with."""
    return {
        **os.environ,
        settings.DATA_DIR_ENV: str(settings.data_dir()),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        "DBT_LOG_PATH": str(artifacts_dir() / "logs"),
        "DBT_TARGET_PATH": str(artifacts_dir() / "target"),
    }


@dataclass
class BuildResult:
    """What one ``dbt build`` did: its exit code, counts by status, and how long it took."""

    code: int
    seconds: float
    started_at: datetime
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.code == 0

    def line(self) -> str:
        counts = " ".join(f"{k}={self.counts.get(k, 0)}" for k in ("PASS", "WARN", "ERROR", "SKIP"))
        verdict = "OK" if self.ok else f"FAILED (exit {self.code})"
        text = f"dbt build {verdict} in {self.seconds:.1f} s ({counts})"
        if self.failures:
            text += "; failing: " + ", ".join(self.failures[:5])
        return text


def _read_results(target_dir: Path, since: float) -> tuple[dict[str, int], list[str]]:
    """Counts by dbt's summary categories, and the failing nodes, from run_results.json (only
    when written by this run)."""
    path = target_dir / "run_results.json"
    if not path.exists() or path.stat().st_mtime < since:
        return {}, []
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    category = {
        "success": "PASS",
        "pass": "PASS",
        "warn": "WARN",
        "error": "ERROR",
        "fail": "ERROR",
        "skipped": "SKIP",
        "no-op": "NO-OP",
    }
    counts: dict[str, int] = {}
    failures: list[str] = []
    for result in results:
        name = category.get(result["status"], result["status"].upper())
        counts[name] = counts.get(name, 0) + 1
        if name == "ERROR":
            failures.append(result["unique_id"].split(".")[-1])
    return counts, failures


def run(
    args: list[str],
    target: str = "local",
    log: Path | None = None,
    abort: threading.Event | None = None,
) -> BuildResult:
    """Run ``dbt <args> --target <target>`` to the end (or until ``abort`` is set: then dbt is
    terminated), output to ``log`` when given, else to this process's stdout. Holds the
    warehouse lock on the local target."""
    started_at = datetime.now(UTC)
    started = time.time()
    command = [executable(), *args, "--target", target, "--project-dir", str(PROJECT_DIR)]
    lock = warehouse.locked(exclusive=True) if target in LOCAL_TARGETS else nullcontext()
    if log:
        log.parent.mkdir(parents=True, exist_ok=True)
    handle = open(log, "ab") if log else None  # noqa: SIM115 - closed below
    try:
        with lock:
            proc = subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                env=environment(),
                stdout=handle,
                stderr=subprocess.STDOUT if handle else None,
            )
            try:
                while proc.poll() is None:
                    if abort is None:
                        proc.wait()
                    elif abort.wait(0.2):
                        proc.terminate()
                        proc.wait()
                code = proc.wait()
            except KeyboardInterrupt:
                proc.terminate()
                proc.wait()
                raise
    finally:
        if handle:
            handle.close()
    counts, failures = _read_results(artifacts_dir() / "target", started)
    return BuildResult(code, time.time() - started, started_at, counts, failures)


def build(extra: list[str] | None = None, target: str = "local", **kwargs) -> BuildResult:
    """One ``dbt build`` (``extra``: more dbt flags)."""
    return run(["build", *(extra or [])], target=target, **kwargs)


def schedule(
    interval: float,
    runs: int | None = None,
    target: str = "local",
    log: Path | None = None,
    stop: threading.Event | None = None,
    abort: threading.Event | None = None,
    report=print,
    results: list[BuildResult] | None = None,
) -> list[BuildResult]:
    """A build every ``interval`` seconds (start to start; back to back when a build takes
    longer), ``runs`` times, until ``stop`` is set (the running build finishes) or ``abort``
    is set (it is terminated). Each result is appended to ``results`` (a new list by default)
    as it ends, so a caller interrupted midway keeps them."""
    results = [] if results is None else results
    stop = stop or threading.Event()
    abort = abort or threading.Event()
    next_start = time.monotonic()
    while not stop.is_set() and not abort.is_set() and (runs is None or len(results) < runs):
        result = build(target=target, log=log, abort=abort)
        if abort.is_set():
            break  # terminated on purpose: not a failed build
        results.append(result)
        stamp = result.started_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        report(f"{stamp} build #{len(results)}: {result.line()}")
        next_start += interval
        stop.wait(max(0.0, next_start - time.monotonic()))
        next_start = max(next_start, time.monotonic())
    return results


def docs(port: int, target: str = "local") -> int:
    """``dbt docs generate`` then ``dbt docs serve`` on 127.0.0.1 until interrupted."""
    generated = run(["docs", "generate"], target=target)
    if not generated.ok:
        return 1
    catalog = artifacts_dir() / "target" / "catalog.json"
    print(f"catalog: {catalog}")
    print(f"lineage docs on http://127.0.0.1:{port} (Ctrl-C stops)", flush=True)
    command = [
        executable(),
        "docs",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-browser",
        "--project-dir",
        str(PROJECT_DIR),
    ]
    try:
        return subprocess.call(command, cwd=PROJECT_DIR, env=environment())
    except KeyboardInterrupt:
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m expedientes.dbt_runner",
        description="Run the dbt project: a build, builds on a schedule, the lineage docs.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    one = commands.add_parser("build", help="one dbt build (seeds, models, tests)")
    one.add_argument("--target", default="local", help="dbt target (default: %(default)s)")
    one.add_argument("dbt_args", nargs=argparse.REMAINDER, help="more dbt flags, after --")
    loop = commands.add_parser(
        "schedule", help="a dbt build every --interval seconds until interrupted"
    )
    loop.add_argument(
        "--interval",
        type=cli_args.positive(float, "seconds"),
        required=True,
        help="seconds from one build's start to the next",
    )
    loop.add_argument(
        "--runs",
        type=cli_args.positive(int, "a whole number"),
        default=None,
        help="stop after this many builds (default: until interrupted)",
    )
    loop.add_argument("--target", default="local", help="dbt target (default: %(default)s)")
    serve = commands.add_parser("docs", help="dbt docs generate, then serve on 127.0.0.1")
    serve.add_argument("--port", type=cli_args.port, default=8080, help="(default: %(default)s)")
    serve.add_argument("--target", default="local", help="dbt target (default: %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "build":
            extra = [a for a in args.dbt_args if a != "--"]
            result = build(extra, target=args.target)
            print(result.line())
            return 0 if result.ok else 1
        if args.command == "schedule":
            results: list[BuildResult] = []
            print(
                f"dbt build every {args.interval:g} s on target {args.target} "
                f"({'until interrupted' if args.runs is None else f'{args.runs} runs'}); "
                f"dbt output: {artifacts_dir() / 'logs' / 'schedule.log'}",
                flush=True,
            )
            try:
                schedule(
                    args.interval,
                    args.runs,
                    args.target,
                    log=artifacts_dir() / "logs" / "schedule.log",
                    report=lambda line: print(line, flush=True),
                    results=results,
                )
            except KeyboardInterrupt:
                print(f"stopped after {len(results)} build(s)", file=sys.stderr)
            return 0 if all(r.ok for r in results) else 1
        return docs(args.port, args.target)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
