"""Publish: the generator's `stream` to the emulator, every publish confirmed, against a bare
publisher loop with the same client settings on the same payloads.

For each size the generator runs on a landing holding a backfill (the cases it continues), in a
process of its own; its own summary gives the events/s from the first event to the last
confirmation, and ``wait4`` its peak memory. The baseline publishes the same events (the
generator's ``--dry-run`` output, same seed and warehouse) with nothing around the client.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from google.cloud import pubsub_v1

from benchmarks.runner import (
    cprofile_top,
    fresh_emulator,
    land_staged,
    log,
    python,
    run_measured,
    succeeded,
    summarize,
)
from generator import commands

PROJECT = "expedientes-bench"


def _prepare(workdir: Path, events: int) -> Path:
    data_dir = workdir / f"publish-{events}"
    if not (data_dir / "landing").exists():
        cases = max(500, events // 5)
        as_of = datetime.now(UTC).replace(hour=23, minute=59, second=59, microsecond=0)
        land_staged(commands.backfill_events(cases, seed=11, as_of=as_of), data_dir / "landing")
    return data_dir


def _topic(name: str) -> str:
    """A fresh topic without subscriptions (the emulator keeps nothing it publishes), the same
    for the generator and the baseline."""
    path = f"projects/{PROJECT}/topics/{name}"
    pubsub_v1.PublisherClient().create_topic(request={"name": path})
    return path


def _profile(data_dir: Path, env: dict, size: int) -> list[dict]:
    """One more generator run under cProfile (not timed): where its time goes."""
    stats = data_dir / "generator.prof"
    with fresh_emulator(data_dir / "emulator-profile"):
        env = {**env, "PUBSUB_EMULATOR_HOST": os.environ["PUBSUB_EMULATOR_HOST"]}
        profiled = run_measured(
            [
                *(sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "generator"),
                *("stream", "--events", str(size), "--seed", "5", "--topic", _topic("profile")),
            ],
            env=env,
        )
    succeeded(profiled, "the profiled generator")
    return cprofile_top(stats)


def run(workdir: Path, sizes: list[int], runs: int, warmup: int, profile: bool = True) -> dict:
    results = {}
    for size in sizes:
        data_dir = _prepare(workdir, size)
        env = {"EXPEDIENTES_DATA_DIR": str(data_dir), "PUBSUB_PROJECT_ID": PROJECT}
        payloads = data_dir / "stream.jsonl"
        dry = run_measured(
            python(
                "generator",
                "stream",
                "--events",
                str(size),
                "--seed",
                "5",
                "--dry-run",
                "--out",
                str(payloads),
            ),
            env=env,
        )
        succeeded(dry, "dry")
        generator_rates, generator_peaks, bare_rates, bare_peaks = [], [], [], []
        with fresh_emulator(workdir / f"emulator-publish-{size}"):
            env["PUBSUB_EMULATOR_HOST"] = os.environ["PUBSUB_EMULATOR_HOST"]
            for i in range(-warmup, runs):
                topic = _topic(f"generator-{size}-{i + warmup}")
                report = data_dir / "report.json"
                generated = run_measured(
                    python(
                        "generator",
                        "stream",
                        "--events",
                        str(size),
                        "--seed",
                        "5",
                        "--topic",
                        topic,
                        "--report",
                        str(report),
                    ),
                    env=env,
                )
                succeeded(generated, "generated")
                summary = json.loads(report.read_text())
                bare = run_measured(
                    python("benchmarks.bare_publisher", str(payloads), _topic(f"bare-{size}-{i}")),
                    env=env,
                )
                succeeded(bare, "bare")
                figures = json.loads(bare["output"].strip().splitlines()[-1])
                if i < 0:
                    continue
                generator_rates.append(summary["confirmed"] / summary["seconds"])
                generator_peaks.append(generated["peak_mib"])
                bare_rates.append(figures["events"] / figures["seconds"])
                bare_peaks.append(bare["peak_mib"])
                log(
                    f"publish {size}: generator {generator_rates[-1]:.0f} ev/s, "
                    f"bare client {bare_rates[-1]:.0f} ev/s"
                )
        top = _profile(data_dir, env, size) if profile else []
        generator, bare = summarize(generator_rates), summarize(bare_rates)
        results[str(size)] = {
            "events": size,
            "generator_events_per_s": generator,
            "generator_peak_mib": summarize(generator_peaks),
            "bare_events_per_s": bare,
            "bare_peak_mib": summarize(bare_peaks),
            "ratio": round(generator["median"] / bare["median"], 3),
            "generator_profile": top,
        }
    return results
