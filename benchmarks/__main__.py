"""``make bench``: measure every stage beside its baseline, write the results and the report.

    python -m benchmarks [--quick] [--stages publish,pipeline,dbt,end_to_end] [size flags]

Stages: publish (generator vs a bare client), pipeline (batch replay vs a plain loop; streaming
vs the runner's ceiling; latency at a steady rate), dbt (full refresh vs incremental over
growing histories, and the seed's strategy), end_to_end (the demo's phases). Results go to
``benchmarks/results/latest.json`` (machine, versions, every figure) and ``docs/BENCHMARKS.md``
with its plots. ``--quick`` (``make bench QUICK=1``) uses small sizes and finishes in a few
minutes; the default sizes take about half an hour on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import dbt_scaling, end_to_end, pipeline, publish, report
from benchmarks.runner import BenchmarkFailed, log, machine
from expedientes import cli_args

STAGES = ("publish", "pipeline", "dbt", "end_to_end")
FULL = {
    "publish_events": [10_000, 100_000],
    "batch_events": 100_000,
    "stream_events": 10_000,
    "latency_rate": 200.0,
    "latency_seconds": 30.0,
    "dbt_sizes": [100_000, 1_000_000, 10_000_000],
    "dbt_new_events": 10_000,
    "e2e_cases": 5000,
    "e2e_events": 10_000,
}
QUICK = {
    "publish_events": [5_000],
    "batch_events": 5_000,
    "stream_events": 1_000,
    "latency_rate": 200.0,
    "latency_seconds": 6.0,
    "dbt_sizes": [10_000, 50_000],
    "dbt_new_events": 1_000,
    "e2e_cases": 80,
    "e2e_events": 250,
}


def _sizes(text: str) -> list[int]:
    parse = cli_args.positive(int, "whole numbers separated by commas")
    return [parse(part) for part in text.split(",") if part]


def _stages(text: str) -> list[str]:
    chosen = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in STAGES]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown stage(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(STAGES)}"
        )
    return chosen


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure every stage beside its baseline; write results and the report.",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    parser.add_argument("--stages", type=_stages, default=list(STAGES), help=",".join(STAGES))
    positive_int = cli_args.positive(int, "a whole number")
    parser.add_argument("--runs", type=positive_int, default=3, help="measured runs (default 3)")
    parser.add_argument(
        "--warmup", type=int, default=1, choices=(0, 1, 2), help="warm-up runs (default 1)"
    )
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="profile the generator (cProfile) and the streaming pipeline (py-spy) for the "
        "report's analysis (default: on, off with --quick)",
    )
    sizes = parser.add_argument_group("sizes (default: the full sizes, or --quick's)")
    sizes.add_argument("--publish-events", type=_sizes, help="e.g. 10000,100000")
    sizes.add_argument("--batch-events", type=positive_int)
    sizes.add_argument("--stream-events", type=positive_int)
    sizes.add_argument("--latency-rate", type=cli_args.positive(float, "events per second"))
    sizes.add_argument("--latency-seconds", type=cli_args.positive(float, "seconds"))
    sizes.add_argument("--dbt-sizes", type=_sizes, help="staged events, e.g. 100000,1000000")
    sizes.add_argument("--dbt-new-events", type=positive_int)
    sizes.add_argument("--e2e-cases", type=positive_int)
    sizes.add_argument("--e2e-events", type=positive_int)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="scratch folder (default: a temporary one)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=report.RESULTS,
        help="results JSON (default: %(default)s)",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=report.DOCS,
        help="where BENCHMARKS.md and its plots go (default: %(default)s)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    for key in sizes:
        if getattr(args, key) is not None:
            sizes[key] = getattr(args, key)
    profile = not args.quick if args.profile is None else args.profile
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="expedientes-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results = {
        "mode": "quick" if args.quick else "full",
        "runs": args.runs,
        "warmup": args.warmup,
        "sizes": sizes,
        "machine": machine(),
        "stages": {},
        "stage_seconds": {},
    }
    started = time.perf_counter()
    try:
        for stage in args.stages:
            log(f"stage {stage}")
            began = time.perf_counter()
            if stage == "publish":
                figures = publish.run(
                    workdir, sizes["publish_events"], args.runs, args.warmup, profile
                )
            elif stage == "pipeline":
                figures = pipeline.run(
                    workdir,
                    sizes["batch_events"],
                    sizes["stream_events"],
                    sizes["latency_rate"],
                    sizes["latency_seconds"],
                    args.runs,
                    args.warmup,
                    profile,
                )
            elif stage == "dbt":
                figures = dbt_scaling.run(
                    workdir, sizes["dbt_sizes"], sizes["dbt_new_events"], args.runs, args.warmup
                )
            else:
                figures = end_to_end.run(workdir, sizes["e2e_cases"], sizes["e2e_events"])
            results["stages"][stage] = figures
            results["stage_seconds"][stage] = round(time.perf_counter() - began, 1)
    except (BenchmarkFailed, TimeoutError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    path = report.render(results, args.report_dir)
    print(f"results: {args.out}\nreport:  {path}")
    for goal in report.goals(results):
        print(f"  {'met   ' if goal['met'] else 'MISSED'} {goal['goal']}: {goal['figure']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
