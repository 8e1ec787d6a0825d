"""Pipeline: batch replay against a plain Python loop, and streaming against the runner's own
ceiling, plus the publish -> staging latency at a steady rate.

- Batch: ``python -m beam_pipeline --input_files`` (FnApiRunner) over N events, wall time
  including start-up, against :mod:`benchmarks.plain_replay` doing the same parse, validation
  and file writes in one plain process (also wall time including start-up).
- Streaming throughput: a backlog of N messages on two subscriptions of one topic; the pipeline
  drains one, :mod:`benchmarks.count_pubsub` (the same read into a sink that only counts) the
  other. Both are timed by the files they write per bundle: N / (last file - first file).
- Latency: with the pipeline running, events published at a steady rate; per event, the landing
  file's time minus the event's Pub/Sub ``publish_time``: p50, p95, max.
"""

from __future__ import annotations

import itertools
import os
import signal
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from google.cloud import pubsub_v1

from benchmarks.runner import (
    REPO,
    BenchmarkFailed,
    fresh_emulator,
    log,
    py_spy_top,
    python,
    run_measured,
    succeeded,
    summarize,
)
from expedientes import pubsub_admin, tables
from generator import commands
from generator.faults import encode

PROJECT = "expedientes-bench"


def _events_file(workdir: Path, events: int) -> Path:
    """About ``events`` backfill events as JSONL (the generator's replay format)."""
    path = workdir / f"replay-{events}.jsonl"
    if not path.exists():
        as_of = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)
        stream = commands.backfill_events(events, seed=13, as_of=as_of)
        with open(path, "wb") as handle:
            for event in itertools.islice(stream, events):
                handle.write(encode(event) + b"\n")
    return path


def batch(workdir: Path, events: int, runs: int, warmup: int) -> dict:
    source = _events_file(workdir, events)
    beam_rates, plain_rates = [], []
    for i in range(-warmup, runs):
        landing = workdir / f"batch-landing-{i + warmup}"
        measured = run_measured(
            python("beam_pipeline", "--input_files", str(source), "--landing_dir", str(landing))
        )
        succeeded(measured, "measured")
        plain = run_measured(
            python("benchmarks.plain_replay", str(source), str(workdir / f"plain-{i + warmup}"))
        )
        succeeded(plain, "plain")
        if i < 0:
            continue
        beam_rates.append(events / measured["seconds"])
        plain_rates.append(events / plain["seconds"])
        log(f"batch {events}: beam {beam_rates[-1]:.0f} ev/s, plain {plain_rates[-1]:.0f} ev/s")
    beam, plain = summarize(beam_rates), summarize(plain_rates)
    return {
        "events": events,
        "beam_events_per_s": beam,
        "plain_events_per_s": plain,
        "ratio": round(beam["median"] / plain["median"], 3),
    }


def _publish(path: Path, topic: str, rate: float | None = None) -> None:
    args = ["benchmarks.bare_publisher", str(path), topic]
    if rate:
        args.append(str(rate))
    result = run_measured(python(*args))
    succeeded(result, "result")


def _file_times(folder: Path, pattern: str) -> list[tuple[float, int]]:
    """(mtime, rows) of each file a run wrote."""
    out = []
    for path in folder.rglob(pattern):
        rows = int(path.read_text()) if path.suffix == ".count" else _lines(path)
        out.append((path.stat().st_mtime, rows))
    return sorted(out)


def _lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in handle)


def _drain_rate(times: list[tuple[float, int]]) -> float:
    """Rows per second between the first and the last file (the first file's rows excluded:
    they arrived before the first timestamp)."""
    (first, first_rows), (last, _) = times[0], times[-1]
    total = sum(rows for _, rows in times)
    return (total - first_rows) / (last - first) if last > first else float("nan")


def _wait_for_rows(folder: Path, pattern: str, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while sum(rows for _, rows in _file_times(folder, pattern)) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{folder}: fewer than {expected} rows after {timeout:.0f} s")
        time.sleep(0.5)


def _start(args: list[str], log_path: Path) -> subprocess.Popen:
    handle = open(log_path, "wb")  # noqa: SIM115 - the child holds it
    proc = subprocess.Popen(
        args, cwd=REPO, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    handle.close()
    return proc


def _stop(proc: subprocess.Popen) -> None:
    """Stop a streaming run whose files are all counted: SIGTERM, then SIGKILL after a short
    grace (a landing file is whole or absent, so nothing measured depends on a clean exit)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def streaming(
    workdir: Path, events: int, rate: float, seconds: float, runs: int, profile: bool = True
) -> dict:
    source = _events_file(workdir, events)
    pipeline_rates, ceiling_rates = [], []
    latency: dict = {}
    with fresh_emulator(workdir / "emulator-streaming"):
        for i in range(runs):
            topic = pubsub_admin.Resources(PROJECT, topic=f"drain-{i}", subscription=f"p-{i}")
            pubsub_admin.ensure(topic)
            counter_sub = f"projects/{PROJECT}/subscriptions/c-{i}"
            with pubsub_v1.SubscriberClient() as subscriber:
                subscriber.create_subscription(
                    request={"name": counter_sub, "topic": topic.topic_path}
                )
            _publish(source, topic.topic_path)  # the backlog, on both subscriptions
            landing = workdir / f"stream-landing-{i}"
            counts = workdir / f"stream-counts-{i}"
            for args, folder, pattern, name in (
                (
                    python("benchmarks.count_pubsub", counter_sub, str(counts)),
                    counts,
                    "*.count",
                    "ceiling",
                ),
                (
                    python(
                        "beam_pipeline",
                        "--input_subscription",
                        topic.subscription_path,
                        "--landing_dir",
                        str(landing),
                    ),
                    landing / "staging",
                    "*.jsonl",
                    "pipeline",
                ),
            ):
                proc = _start(args, workdir / f"{name}-{i}.log")
                try:
                    _wait_for_rows(folder, pattern, events, timeout=900)
                finally:
                    _stop(proc)
                rate_now = _drain_rate(_file_times(folder, pattern))
                (ceiling_rates if name == "ceiling" else pipeline_rates).append(rate_now)
            log(
                f"streaming {events}: pipeline {pipeline_rates[-1]:.0f} ev/s, "
                f"ceiling {ceiling_rates[-1]:.0f} ev/s"
            )
        top = _profile(workdir, source) if profile else []
        latency = _latency(workdir, rate, seconds)
    pipeline, ceiling = summarize(pipeline_rates), summarize(ceiling_rates)
    return {
        "events": events,
        "pipeline_events_per_s": pipeline,
        "ceiling_events_per_s": ceiling,
        "ratio": round(pipeline["median"] / ceiling["median"], 3),
        "latency": latency,
        "pipeline_profile": top,
    }


def _profile(workdir: Path, source: Path) -> list[dict]:
    """One more drain (not timed), sampled with py-spy: where the pipeline spends its time."""
    topic = pubsub_admin.Resources(PROJECT, topic="profile", subscription="profile-sub")
    pubsub_admin.ensure(topic)
    _publish(source, topic.topic_path)
    log_path = workdir / "profile-pipeline.log"
    proc = _start(
        python(
            "beam_pipeline",
            "--input_subscription",
            topic.subscription_path,
            "--landing_dir",
            str(workdir / "profile-landing"),
        ),
        log_path,
    )
    try:
        deadline = time.monotonic() + 120
        while "streaming; Ctrl-C" not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise BenchmarkFailed(f"the pipeline did not start: {log_path}")
            time.sleep(0.2)
        return py_spy_top(proc.pid, 4, workdir / "pipeline.spy")
    finally:
        _stop(proc)


def _latency(workdir: Path, rate: float, seconds: float) -> dict:
    """Publish -> staging latency at a steady ``rate`` for ``seconds``."""
    count = int(rate * seconds)
    source = _events_file(workdir, count)
    topic = pubsub_admin.Resources(PROJECT, topic="latency", subscription="latency-sub")
    pubsub_admin.ensure(topic)
    landing = workdir / "latency-landing"
    proc = _start(
        python(
            "beam_pipeline",
            "--input_subscription",
            topic.subscription_path,
            "--landing_dir",
            str(landing),
        ),
        workdir / "latency-pipeline.log",
    )
    try:
        deadline = time.monotonic() + 120
        while "streaming; Ctrl-C" not in (workdir / "latency-pipeline.log").read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise BenchmarkFailed(f"the pipeline did not start: {workdir}/latency-pipeline.log")
            time.sleep(0.2)
        time.sleep(2)  # the reader's first pull
        _publish(source, topic.topic_path, rate)
        _wait_for_rows(landing / "staging", "*.jsonl", count, timeout=300)
    finally:
        _stop(proc)
    mtimes = {str(p): p.stat().st_mtime for p in (landing / "staging").rglob("*.jsonl")}
    glob = tables.sql_string(str(landing / "staging" / "**" / "*.jsonl"))
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        rows = con.execute(
            f"select filename, epoch(publish_time) from read_json({glob}, "
            "format = 'newline_delimited', filename = true, "
            f"columns = {tables.landing_struct_pack(tables.STAGING)})"
        ).fetchall()
    lags = sorted(mtimes[name] - published for name, published in rows)
    quantiles = statistics.quantiles(lags, n=100)
    return {
        "rate_events_per_s": rate,
        "events": len(lags),
        "p50_s": round(statistics.median(lags), 3),
        "p95_s": round(quantiles[94], 3),
        "max_s": round(lags[-1], 3),
    }


def run(
    workdir: Path,
    batch_events: int,
    stream_events: int,
    rate: float,
    seconds: float,
    runs: int,
    warmup: int,
    profile: bool = True,
) -> dict:
    return {
        "batch": batch(workdir, batch_events, runs, warmup),
        "streaming": streaming(workdir, stream_events, rate, seconds, runs, profile),
    }
