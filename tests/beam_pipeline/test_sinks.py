"""Landing files (atomic, prunable, compactable) and the BigQuery sink's graph."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import apache_beam as beam
import duckdb

from beam_pipeline import compact, pipeline, sinks
from beam_pipeline.validate import from_line
from expedientes import tables


def test_land_file_is_atomic_and_readable_with_the_staging_schema(tmp_path: Path) -> None:
    example = (
        Path(tables.__file__).parents[1]
        / "examples"
        / "valid"
        / "ordinario_demanda_with_cuantia.json"
    )
    event = json.loads(example.read_text())
    row = {
        **event,
        "message_id": "1",
        "publish_time": None,
        "ingested_at": "2026-12-04T10:00:00Z",
        "payload": example.read_text(),
    }
    path = sinks.land_file(tmp_path / "staging", [json.dumps(row)] * 3)
    assert path.parent.name.startswith("ingest_date=")
    assert not list(tmp_path.rglob(".*"))
    spec = tables.duckdb_columns_literal(tables.STAGING)
    (count, cuantia) = duckdb.execute(
        f"select count(*), max(cuantia) from read_json('{tmp_path}/staging/**/*.jsonl', "
        f"format='newline_delimited', columns={spec}, hive_partitioning=true)"
    ).fetchone()
    assert count == 3
    assert str(cuantia) == "48250.75"


def test_compaction_keeps_every_row_and_leaves_one_file_per_past_day(tmp_path: Path) -> None:
    old = tmp_path / "staging" / "ingest_date=2026-11-30"
    today = tmp_path / "staging" / "ingest_date=2026-12-04"
    for folder in (old, today):
        folder.mkdir(parents=True)
        for i in range(5):
            (folder / f"{i}.jsonl").write_text(f'{{"n": {i}}}\n{{"n": {i + 10}}}\n')
    (old / ".inflight.jsonl.tmp").write_text("partial")
    done = compact.compact(tmp_path, before=date(2026, 12, 4))
    assert [(f.name, merged, rows) for f, merged, rows in done] == [
        ("ingest_date=2026-11-30", 5, 10)
    ]
    (merged_file,) = old.glob("*.jsonl")
    assert sorted(json.loads(line)["n"] for line in merged_file.read_text().splitlines()) == sorted(
        [i for i in range(5)] + [i + 10 for i in range(5)]
    )
    assert len(list(today.glob("*.jsonl"))) == 5, "today's folder is still being written"
    assert (old / ".inflight.jsonl.tmp").exists(), "hidden in-flight files are not touched"


def bigquery_graph(tmp_path: Path, *extra: str) -> list[beam.pipeline.AppliedPTransform]:
    """The pipeline's graph for the BigQuery sink, built but not run (nothing is sent)."""
    (tmp_path / "backfill.jsonl").write_text("{}\n")  # ReadFromText matches the glob when built
    options = pipeline.pipeline_options(
        [
            "--input_files",
            str(tmp_path / "*.jsonl"),
            "--sink",
            "bigquery",
            "--staging_table",
            "acme-prod:raw.expedientes_staging",
            "--dead_letter_table",
            "acme-prod:raw.expedientes_staging_error_records",
            "--project",
            "acme-prod",
            *extra,
        ]
    )
    p = beam.Pipeline(options=options)
    pipeline.build(p, options)
    stack, nodes = [p.transforms_stack[0]], []
    while stack:
        node = stack.pop()
        nodes.append(node)
        stack.extend(node.parts)
    return nodes


def test_bigquery_sink_graph_writes_both_partitioned_tables(tmp_path: Path) -> None:
    nodes = bigquery_graph(tmp_path, "--temp_location", "gs://bucket/tmp")
    labels = [node.full_label for node in nodes]
    for expected in (
        "WriteBigQuery/WriteStaging",
        "WriteBigQuery/WriteDeadLetters",
        "Ingest/Deduplicate",
    ):
        assert any(label.startswith(expected) for label in labels), expected
    write = next(n.transform for n in nodes if n.full_label == "WriteBigQuery/WriteStaging")
    assert write.method == "FILE_LOADS"  # batch default: a failed load job fails the run
    assert write.additional_bq_parameters["timePartitioning"] == {
        "type": "DAY",
        "field": "ingested_at",
    }
    assert write.additional_bq_parameters["clustering"] == {"fields": ["ref"]}


def test_streaming_bigquery_sink_dead_letters_rows_bigquery_refuses(tmp_path: Path) -> None:
    nodes = bigquery_graph(tmp_path, "--bigquery_write_method", "STREAMING_INSERTS")
    labels = [node.full_label for node in nodes]
    assert "WriteBigQuery/RefusedToDeadLetters" in labels
    assert "WriteBigQuery/AllDeadLetters" in labels


def test_a_refused_bigquery_row_becomes_a_write_failed_dead_letter() -> None:
    row = {
        "event_id": "e1",
        "payload": '{"event_id": "e1"}',
        "message_id": "9",
        "publish_time": None,
    }
    dead = sinks.failed_insert_to_dead_letter(("p:raw.t", row, [{"reason": "invalid"}]))
    assert dead["error_type"] == "write_failed"
    assert dead["payload_bytes"] == b'{"event_id": "e1"}'
    assert "invalid" in dead["error_message"]
    assert set(dead) == set(tables.duckdb_columns(tables.DEAD_LETTER))


def test_replay_reads_lines_as_bytes_so_bad_encodings_are_dead_lettered(tmp_path: Path) -> None:
    source = tmp_path / "mixed.jsonl"
    source.write_bytes(b'{"x": "\xff"}\n')
    result = pipeline.start(
        ["--input_files", str(source), "--landing_dir", str(tmp_path / "landing")]
    )
    result.wait_until_finish()
    (line,) = [
        json.loads(x)
        for p in (tmp_path / "landing" / "dead_letter").rglob("*.jsonl")
        for x in p.read_text().splitlines()
    ]
    assert line["error_type"] == "invalid_encoding"
    assert from_line(b"x")["message_id"] is None
