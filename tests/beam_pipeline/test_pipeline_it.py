"""The whole pipeline: batch replay of files, and streaming from the emulator (bounded in time)."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from beam_pipeline import pipeline
from expedientes import tables
from generator import commands
from generator.faults import FaultInjector, FaultPlan
from generator.publisher import JsonlSink, PubSubSink
from tests.conftest import python_module

AS_OF = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)
METADATA = ("message_id", "publish_time", "ingested_at")


def read_rows(folder: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(folder.rglob("*.jsonl"))
        for line in path.read_text().splitlines()
    ]


def duckdb_count(folder: Path) -> int:
    if not any(folder.rglob("*.jsonl")):
        return 0
    spec = tables.duckdb_columns_literal(tables.STAGING)
    query = (
        f"select count(*) from read_json('{folder}/**/*.jsonl', format = 'newline_delimited', "
        f"columns = {spec}, hive_partitioning = true)"
    )
    with duckdb.connect() as con:
        return con.execute(query).fetchone()[0]


def faulty_messages(n_cases: int, seed: int):
    events = list(commands.backfill_events(n_cases, seed=seed, as_of=AS_OF))
    injector = FaultInjector(FaultPlan(duplicates=0.1, malformed=0.05), random.Random(seed))
    messages = [m for e in events for m in injector.apply(e)] + injector.flush()
    return events, messages, injector.report


def without_metadata(rows: list[dict]) -> list[dict]:
    return sorted(
        ({k: v for k, v in r.items() if k not in METADATA} for r in rows),
        key=lambda r: r["event_id"],
    )


def test_batch_replay_lands_every_valid_event_once_and_every_bad_line_as_a_dead_letter(
    tmp_path: Path,
) -> None:
    events, messages, report = faulty_messages(150, seed=4)
    source = tmp_path / "replay.jsonl"
    sink = JsonlSink(source)
    for message in messages:
        sink.send(message)
    sink.close()
    result = pipeline.start(
        ["--input_files", str(source), "--landing_dir", str(tmp_path / "landing")]
    )
    result.wait_until_finish()

    staged = read_rows(tmp_path / "landing" / "staging")
    assert sorted(r["event_id"] for r in staged) == sorted(e["event_id"] for e in events)
    by_id = {e["event_id"]: e for e in events}
    for row in staged:
        assert {k: row[k] for k in by_id[row["event_id"]]} == by_id[row["event_id"]]
        assert row["message_id"] is None and row["ingested_at"]
    dead = read_rows(tmp_path / "landing" / "dead_letter")
    assert Counter(r["error_type"] for r in dead) == report.malformed_by_error_type
    counters = pipeline.counters(result)
    assert counters["read"] == len(messages) == counters["valid"] + counters["invalid"]
    assert counters["duplicates"] == report.duplicates
    assert counters["written"] == len(events) == counters["valid"] - counters["duplicates"]
    assert counters["dead_lettered"] == report.malformed
    assert not list((tmp_path / "landing").rglob(".*.tmp")), "no half-written file left behind"


def test_streaming_from_the_emulator_matches_batch_replay(pubsub_resources, tmp_path: Path) -> None:
    events, messages, report = faulty_messages(60, seed=8)
    landing = tmp_path / "landing"
    result = pipeline.start(
        ["--input_subscription", pubsub_resources.subscription_path, "--landing_dir", str(landing)]
    )
    try:
        sink = PubSubSink(pubsub_resources.topic_path)
        for message in messages:
            sink.send(message)
        confirmed, failed, _ = sink.close()
        assert (confirmed, failed) == (len(messages), 0)
        deadline = time.monotonic() + 120
        staged, dead = [], []
        seen_by_duckdb: list[int] = []
        while time.monotonic() < deadline:
            # a concurrent reader (DuckDB, as dbt-duckdb reads the landing) never meets a
            # half-written file: every read parses, and the count only grows
            seen_by_duckdb.append(duckdb_count(landing / "staging"))
            staged, dead = read_rows(landing / "staging"), read_rows(landing / "dead_letter")
            if len(staged) >= len(events) and len(dead) >= report.malformed:
                break
            time.sleep(0.2)
        time.sleep(2)  # anything more (a duplicate slipping through) would land now
        staged, dead = read_rows(landing / "staging"), read_rows(landing / "dead_letter")
    finally:
        result.cancel()

    assert len(staged) == len(events), "every valid event once, no duplicate"
    assert seen_by_duckdb == sorted(seen_by_duckdb) and len(seen_by_duckdb) > 1
    assert Counter(r["error_type"] for r in dead) == report.malformed_by_error_type
    assert all(r["message_id"] and r["publish_time"] for r in staged)
    assert all(r["message_id"] for r in dead)
    # read = valid + invalid + duplicates, counted on what landed (the DirectRunner's metrics of
    # a running streaming pipeline lag behind: the batch test checks the counters themselves)
    assert len(messages) == len(staged) + len(dead) + report.duplicates

    # the same events replayed in batch give the same staging rows (but for the Pub/Sub ids)
    source = tmp_path / "events.jsonl"
    source.write_text(
        "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in events)
    )
    replay = pipeline.start(
        ["--input_files", str(source), "--landing_dir", str(tmp_path / "replay")]
    )
    replay.wait_until_finish()
    assert without_metadata(read_rows(tmp_path / "replay" / "staging")) == without_metadata(staged)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "exactly one of"),
        (["--input_files", "a.jsonl", "--input_topic", "projects/p/topics/t"], "exactly one of"),
        (["--input_topic", "expedientes-updates"], "projects/P/topics/T"),
        (["--input_files", "a.jsonl", "--sink", "bigquery"], "needs --staging_table"),
        (["--input_files", "a.jsonl", "--sink", "parquet"], "invalid choice"),
        (["--input_files", "a.jsonl", "--no_such_flag", "1"], "unknown flag"),
    ],
)
def test_bad_flags_get_a_message_not_a_traceback(args: list[str], message: str) -> None:
    result = python_module("beam_pipeline", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_the_pipeline_flags() -> None:
    result = python_module("beam_pipeline", "--help")
    assert result.returncode == 0
    for flag in (
        "--input_subscription",
        "--input_topic",
        "--input_files",
        "--sink",
        "--staging_table",
        "--dead_letter_table",
        "--bigquery_write_method",
        "--landing_dir",
    ):
        assert flag in result.stdout
