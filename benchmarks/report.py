"""``docs/BENCHMARKS.md`` and its plots, regenerated from ``benchmarks/results/latest.json``.

    python -m benchmarks.report [--results benchmarks/results/latest.json] [--out docs]

Every goal the numbers are held against is stated as met or not, with its figure; where one is
missed the report says why, from the profile the run recorded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
DOCS = ROOT / "docs"


def _fmt(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def _spread(summary: dict, digits: int = 0) -> str:
    return (
        f"{_fmt(summary['median'], digits)} "
        f"({_fmt(summary['min'], digits)}-{_fmt(summary['max'], digits)})"
    )


def goals(results: dict) -> list[dict]:
    """Each goal: what, the figure, the threshold, met or not."""
    out: list[dict] = []
    stages = results["stages"]
    if "publish" in stages:
        for size, row in stages["publish"].items():
            out.append(
                {
                    "goal": f"publish {int(size):,} events: generator >= 50 % of the bare client",
                    "figure": f"{row['ratio']:.0%} ({_fmt(row['generator_events_per_s']['median'])}"
                    f" vs {_fmt(row['bare_events_per_s']['median'])} events/s)",
                    "met": row["ratio"] >= 0.5,
                }
            )
    if "pipeline" in stages:
        batch = stages["pipeline"]["batch"]
        out.append(
            {
                "goal": "batch replay >= 50 % of the plain Python loop",
                "figure": f"{batch['ratio']:.0%} ({_fmt(batch['beam_events_per_s']['median'])} "
                f"vs {_fmt(batch['plain_events_per_s']['median'])} events/s)",
                "met": batch["ratio"] >= 0.5,
            }
        )
        stream = stages["pipeline"]["streaming"]
        out.append(
            {
                "goal": "streaming >= 80 % of the DirectRunner's own ceiling",
                "figure": f"{stream['ratio']:.0%} "
                f"({_fmt(stream['pipeline_events_per_s']['median'])} vs "
                f"{_fmt(stream['ceiling_events_per_s']['median'])} events/s)",
                "met": stream["ratio"] >= 0.8,
            }
        )
        latency = stream["latency"]
        out.append(
            {
                "goal": f"publish -> staging p95 <= 5 s at {latency['rate_events_per_s']:g} "
                "events/s",
                "figure": f"p95 {latency['p95_s']:.2f} s (p50 {latency['p50_s']:.2f} s, "
                f"max {latency['max_s']:.2f} s)",
                "met": latency["p95_s"] <= 5,
            }
        )
    if "dbt" in stages:
        dbt = stages["dbt"]
        sizes = sorted(dbt["sizes"], key=int)
        largest = dbt["sizes"][sizes[-1]]
        out.append(
            {
                "goal": f"incremental build (+{dbt['new_events']:,} events) <= 10 % of a full "
                f"refresh at {int(sizes[-1]):,} staged events",
                "figure": f"{largest['incremental_over_full']:.1%} "
                f"({largest['incremental_s']['median']:.1f} s vs "
                f"{largest['full_refresh_s']['median']:.1f} s)",
                "met": largest["incremental_over_full"] <= 0.10,
            }
        )
        if len(sizes) >= 2:
            previous = dbt["sizes"][sizes[-2]]
            ratio = dbt["incremental_largest_over_previous"]
            out.append(
                {
                    "goal": f"incremental build at {int(sizes[-1]):,} <= 1.5x the one at "
                    f"{int(sizes[-2]):,}",
                    "figure": f"{ratio:.2f}x ({largest['incremental_s']['median']:.1f} s vs "
                    f"{previous['incremental_s']['median']:.1f} s)",
                    "met": ratio <= 1.5,
                }
            )
            growth = int(sizes[-1]) / int(sizes[-2])
            seed = dbt["seed_largest_over_previous"]
            out.append(
                {
                    "goal": "the seed's re-read-everything strategy grows with the history",
                    "figure": f"{seed:.1f}x for {growth:.0f}x the history",
                    "met": seed >= growth / 2,
                }
            )
    return out


def _plot_throughput(results: dict, path: Path) -> None:
    stages = results["stages"]
    labels, ours, baselines = [], [], []
    for size, row in stages.get("publish", {}).items():
        labels.append(f"publish {int(size) // 1000}k")
        ours.append(row["generator_events_per_s"]["median"])
        baselines.append(row["bare_events_per_s"]["median"])
    if "pipeline" in stages:
        batch, stream = stages["pipeline"]["batch"], stages["pipeline"]["streaming"]
        labels += ["batch replay", "streaming"]
        ours += [batch["beam_events_per_s"]["median"], stream["pipeline_events_per_s"]["median"]]
        baselines += [
            batch["plain_events_per_s"]["median"],
            stream["ceiling_events_per_s"]["median"],
        ]
    figure, axis = plt.subplots(figsize=(8, 4))
    positions = range(len(labels))
    axis.bar([p - 0.2 for p in positions], ours, width=0.4, label="expedientes")
    axis.bar([p + 0.2 for p in positions], baselines, width=0.4, label="baseline")
    axis.set_xticks(list(positions), labels)
    axis.set_yscale("log")
    axis.set_ylabel("events/s (log scale)")
    axis.set_title("Throughput per stage against its baseline")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _plot_dbt(results: dict, path: Path) -> None:
    dbt = results["stages"]["dbt"]
    sizes = sorted(dbt["sizes"], key=int)
    x = [int(s) for s in sizes]
    figure, axis = plt.subplots(figsize=(8, 4.5))
    for key, label in (
        ("full_refresh_s", "full refresh (dbt build --full-refresh)"),
        ("incremental_s", f"incremental dbt build, +{dbt['new_events']:,} events"),
        ("nothing_new_s", "dbt build, nothing new"),
        ("seed_strategy_s", "the seed's MERGE re-reading all staging"),
    ):
        axis.plot(x, [dbt["sizes"][s][key]["median"] for s in sizes], marker="o", label=label)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("staged events (history)")
    axis.set_ylabel("seconds (log scale)")
    axis.set_title("dbt time against history size")
    axis.legend(fontsize=8)
    axis.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _profile(results: dict) -> list[str]:
    """The models whose incremental time grew most from the previous size to the largest."""
    dbt = results["stages"].get("dbt")
    if not dbt or len(dbt["sizes"]) < 2:
        return []
    sizes = sorted(dbt["sizes"], key=int)
    small = dbt["sizes"][sizes[-2]]["model_seconds_incremental"]
    large = dbt["sizes"][sizes[-1]]["model_seconds_incremental"]
    rows = sorted(large, key=lambda m: large[m] - small.get(m, 0), reverse=True)[:6]
    lines = [
        f"| model | {int(sizes[-2]):,} staged | {int(sizes[-1]):,} staged |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{m}` | {small.get(m, 0):.2f} s | {large[m]:.2f} s |" for m in rows]
    return lines


def _top(rows: list[dict], limit: int = 6) -> list[str]:
    if not rows:
        return ["  - (no profile in this run: one is taken without `--quick`)"]
    return [
        f"  - `{row['function']}`: {row['share']:.0%}"
        + (f" ({row['own_seconds']:.2f} s own time)" if "own_seconds" in row else "")
        for row in rows[:limit]
    ]


def analysis(results: dict) -> list[str]:
    """Why each missed goal is missed, from the profiles this run recorded, and what would
    close it."""
    missed = {g["goal"] for g in goals(results) if not g["met"]}
    stages = results["stages"]
    lines: list[str] = []
    if any(goal.startswith("publish") for goal in missed):
        profile = next(iter(stages["publish"].values())).get("generator_profile", [])
        lines += [
            "- **Publish.** Unpaced loads already publish from a child process "
            "(`ProcessPubSubSink`), so generation and the client's batching threads no longer "
            "share one GIL (in one process the generator reached 40-47 % of the bare client). "
            "What remains is generating each event (the next legal state from a heap of open "
            "cases, a UUIDv5 id, the JSON body, fault injection) and pickling it through the "
            "pipe. cProfile of a generator run, most own time:",
            *_top(profile),
            "  What would close it: several publisher processes (each with its own client), "
            "or a cheaper event id than UUIDv5.",
        ]
    if any(goal.startswith("streaming") for goal in missed):
        profile = stages["pipeline"]["streaming"].get("pipeline_profile", [])
        lines += [
            "- **Streaming.** The DirectRunner's Pub/Sub reader hands out 10 messages per "
            "bundle, and for every bundle and every `ParDo` it round-trips the `DoFn` through "
            "pickle and rebuilds its invoker. The local path already runs as one `DoFn` after "
            "the read (`beam_pipeline/local_streaming.py`; unfused, six steps ran at about a "
            "third of the ceiling), so what remains is the work itself: validation, JSON "
            "encoding, and one fsynced file per bundle and table. py-spy of a draining "
            "pipeline, most own samples:",
            *_top(profile),
            "  What would close it: a local runner with larger bundles (fewer files and "
            "fsyncs). On Dataflow the steps are fused by the runner and this overhead does "
            "not exist; the latency goal, which matters for a live dashboard, is met with room.",
        ]
    if "dbt" in stages:
        dbt = stages["dbt"]
        sizes = sorted(dbt["sizes"], key=int)
        largest = int(sizes[-1])
        ten_percent = [g for g in missed if g.startswith("incremental build (+")]
        if ten_percent and largest < 1_000_000:
            floor = dbt["sizes"][sizes[0]]["nothing_new_s"]["median"]
            lines.append(
                f"- **dbt, 10 % of a full refresh.** At {largest:,} staged events a build is "
                f"dominated by dbt's fixed cost (start-up, parsing, seeds and 140 nodes: "
                f"{floor:.1f} s with nothing new), so full and incremental builds cost the "
                "same. The goal is about large histories: the full run holds it at 10M."
            )
        elif ten_percent:
            lines.append(
                "- **dbt, 10 % of a full refresh.** See the profile above: the incremental "
                "build's fixed cost (dbt start-up, seeds, tests) and its scans of the history "
                "tables add up to more than a tenth of the full refresh."
            )
        if any(g.startswith("incremental build at") for g in missed):
            lines.append(
                "- **dbt, growth of the incremental build.** What grows with the history is "
                "DuckDB scanning each history table once per model to find the touched cases "
                "(it has no index to join on; about 0.15 s per 10M-row scan here), plus the "
                "merge's scan of the target; the table of per-model times above shows where. "
                "BigQuery prunes those scans by the `ref` clustering. What would close it "
                "locally: a `ref`-sorted layout with zone maps, or an integer case key."
            )
        if any(g.startswith("the seed") for g in missed):
            lines.append(
                f"- **The seed's strategy.** At {largest:,} staged events re-reading "
                "everything still takes a fraction of a second, below its fixed costs; it grows "
                "linearly once the history is large (see the full run)."
            )
    return lines


def render(results: dict, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    stages = results["stages"]
    machine = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Regenerated by `make bench` from `benchmarks/results/latest.json`; do not edit.",
        f"Measured {machine['measured_at']} on {machine['cpus']} CPUs ({machine['cpu']}), "
        f"{machine['memory_gib']} GiB, Python {machine['python']}; "
        + ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
        + f". Mode: {results['mode']}; each figure is the median of {results['runs']} runs "
        f"after {results['warmup']} warm-up (min-max in brackets).",
        "",
        "## Goals",
        "",
        "| goal | figure | met |",
        "| --- | --- | --- |",
    ]
    for goal in goals(results):
        lines.append(f"| {goal['goal']} | {goal['figure']} | {'yes' if goal['met'] else 'NO'} |")
    why = analysis(results)
    if why:
        lines += ["", "Why the missed goals are missed, and what would close them:", "", *why]
    if "publish" in stages or "pipeline" in stages:
        _plot_throughput(results, out / "bench_throughput.png")
        lines += ["", "![Throughput per stage](bench_throughput.png)"]
    if "publish" in stages:
        lines += [
            "",
            "## Publish",
            "",
            "The generator's `stream` to the emulator (every publish confirmed) against a bare "
            "google-cloud-pubsub loop with the same client settings on the same payloads.",
            "",
            "| events | generator events/s | bare client events/s | ratio | generator peak "
            "memory | bare peak memory |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for size, row in stages["publish"].items():
            lines.append(
                f"| {int(size):,} | {_spread(row['generator_events_per_s'])} | "
                f"{_spread(row['bare_events_per_s'])} | {row['ratio']:.0%} | "
                f"{row['generator_peak_mib']['median']:.0f} MiB | "
                f"{row['bare_peak_mib']['median']:.0f} MiB |"
            )
    if "pipeline" in stages:
        batch, stream = stages["pipeline"]["batch"], stages["pipeline"]["streaming"]
        latency = stream["latency"]
        lines += [
            "",
            "## Pipeline",
            "",
            f"Batch replay of {batch['events']:,} events (wall time, start-up included): the "
            f"pipeline on the FnApiRunner {_spread(batch['beam_events_per_s'])} events/s, a "
            f"plain Python loop doing the same parse, validation and writes "
            f"{_spread(batch['plain_events_per_s'])} events/s ({batch['ratio']:.0%}).",
            "",
            f"Streaming, draining a backlog of {stream['events']:,} messages: the pipeline "
            f"{_spread(stream['pipeline_events_per_s'])} events/s, the same read into a sink "
            f"that only counts {_spread(stream['ceiling_events_per_s'])} events/s "
            f"({stream['ratio']:.0%}). At a steady {latency['rate_events_per_s']:g} events/s "
            f"({latency['events']:,} events), publish -> staging latency p50 "
            f"{latency['p50_s']:.2f} s, p95 {latency['p95_s']:.2f} s, max "
            f"{latency['max_s']:.2f} s.",
        ]
    if "dbt" in stages:
        dbt = stages["dbt"]
        _plot_dbt(results, out / "bench_dbt.png")
        lines += [
            "",
            "## dbt incremental scaling",
            "",
            "Wall seconds of `dbt build` (dbt's start-up, about 4 s here, included); histories "
            "landed over 30 earlier days, then batches of new events of existing cases landed "
            "now. The seed's strategy (`benchmarks/seed_strategy.sql`) re-reads all staging and "
            "merges it on every run.",
            "",
            "| staged events | full refresh | incremental | incremental / full | nothing new "
            "| seed's strategy |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for size in sorted(dbt["sizes"], key=int):
            row = dbt["sizes"][size]
            lines.append(
                f"| {int(size):,} | {_spread(row['full_refresh_s'], 1)} s | "
                f"{_spread(row['incremental_s'], 1)} s | {row['incremental_over_full']:.1%} | "
                f"{_spread(row['nothing_new_s'], 1)} s | {_spread(row['seed_strategy_s'], 1)} s |"
            )
        lines += ["", "![dbt time against history size](bench_dbt.png)"]
        profile = _profile(results)
        if profile:
            lines += [
                "",
                "Profile: dbt's own time per model in an incremental build, where it grew most:",
                "",
                *profile,
            ]
    if "end_to_end" in stages:
        e2e = stages["end_to_end"]
        lines += [
            "",
            "## End to end",
            "",
            f"`make demo`'s flow with {e2e['cases']:,} cases and {e2e['events']:,} streamed "
            f"events: {e2e['wall_s']:.0f} s wall, reconciled: "
            f"{'yes' if e2e['reconciled'] else 'NO'}, {e2e['builds_during_stream']} dbt builds "
            "during the stream.",
            "",
            "| phase | seconds |",
            "| --- | --- |",
            *(f"| {name} | {seconds:.1f} |" for name, seconds in e2e["phases_s"].items()),
        ]
    notes = results.get("notes") or []
    if notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in notes)]
    path = out / "BENCHMARKS.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--out", type=Path, default=DOCS)
    args = parser.parse_args(argv)
    try:
        results = json.loads(args.results.read_text())
    except (OSError, ValueError) as exc:
        print(f"error: cannot read {args.results}: {exc}", file=sys.stderr)
        return 2
    print(render(results, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
