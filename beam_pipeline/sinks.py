"""Where rows land: immutable JSONL files (local) or BigQuery tables (production).

Local sink: each bundle's rows become one file, written under a hidden temporary name in the
destination folder, flushed and fsynced, then renamed into place (``os.replace`` is atomic on
one file system). A reader globbing ``*.jsonl`` - dbt-duckdb, the generator - sees a file whole
or not at all, never half-written, and the pipeline never waits for a lock: only dbt opens the
DuckDB file. Files go to ``<landing>/<table>/ingest_date=YYYY-MM-DD/``, so a reader can prune
by day (hive partitioning) and read only recent files.

BigQuery sink: ``WriteToBigQuery`` into the day-partitioned (``ingested_at``), ``ref``-clustered
staging table and the dead-letter table, with the schemas derived from the contract; rows
BigQuery refuses are turned into dead letters (``write_failed``), never lost.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import apache_beam as beam
from apache_beam.metrics import Metrics

from beam_pipeline.validate import dead_letter_row, json_row, to_json_line
from expedientes import tables

STAGING_DIR = "staging"
DEAD_LETTER_DIR = "dead_letter"


def land_file(directory: Path, lines: list[str]) -> Path:
    """Write ``lines`` as one complete JSONL file in ``directory/ingest_date=<today>/``."""
    now = datetime.now(UTC)
    folder = directory / f"ingest_date={now.date().isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{now.strftime('%H%M%S%f')}-{uuid.uuid4().hex[:12]}"
    temporary = folder / f".{name}.jsonl.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines))
        handle.flush()
        os.fsync(handle.fileno())
    final = folder / f"{name}.jsonl"
    os.replace(temporary, final)
    return final


class WriteFilePerBundleFn(beam.DoFn):
    """Input: rows (dicts). Buffers a bundle's rows and lands them as one file at its end."""

    def __init__(self, directory: str, counter: str) -> None:
        self.directory = directory
        self.counter_name = counter

    def setup(self) -> None:
        self.written = Metrics.counter("expedientes", self.counter_name)
        self.files = Metrics.counter("expedientes", f"{self.counter_name}_files")

    def start_bundle(self) -> None:
        self.lines: list[str] = []

    def process(self, row: dict):
        self.lines.append(to_json_line(row))

    def finish_bundle(self) -> None:
        if self.lines:
            land_file(Path(self.directory), self.lines)
            self.written.inc(len(self.lines))
            self.files.inc()
            self.lines = []


class WriteLandingFiles(beam.PTransform):
    """Staging rows and dead-letter rows -> files under ``landing_dir``."""

    def __init__(self, landing_dir: str) -> None:
        super().__init__()
        self.landing_dir = landing_dir

    def expand(self, outputs):
        staging, dead_letters = outputs
        staging | "LandStaging" >> beam.ParDo(
            WriteFilePerBundleFn(os.path.join(self.landing_dir, STAGING_DIR), "written")
        )
        dead_letters | "LandDeadLetters" >> beam.ParDo(
            WriteFilePerBundleFn(os.path.join(self.landing_dir, DEAD_LETTER_DIR), "dead_lettered")
        )
        return beam.pvalue.PDone(staging.pipeline)


def bigquery_schema(table: str) -> dict:
    return {"fields": tables.bigquery_schema(table)}


def failed_insert_to_dead_letter(failure) -> dict:
    """A row BigQuery refused, as a ``write_failed`` dead letter (payload kept)."""
    _table, row, errors = (*tuple(failure), None)[:3]
    payload = row.get("payload") or json.dumps(row, default=str)
    raw = {
        "data": payload.encode("utf-8"),
        "attributes": {"event_id": str(row.get("event_id", ""))},
        "message_id": row.get("message_id"),
        "publish_time": row.get("publish_time"),
    }
    return dead_letter_row(raw, "write_failed", f"BigQuery refused the row: {errors}")


class WriteBigQueryTables(beam.PTransform):
    """Staging rows and dead-letter rows -> BigQuery; refused staging rows -> dead letters."""

    def __init__(
        self, staging_table: str, dead_letter_table: str, method: str, streaming: bool
    ) -> None:
        super().__init__()
        self.staging_table = staging_table
        self.dead_letter_table = dead_letter_table
        self.method = method
        self.streaming = streaming

    def _write(self, label: str, rows, table: str, schema_table: str, partition_field: str):
        extra = {"timePartitioning": {"type": "DAY", "field": partition_field}}
        if schema_table == tables.STAGING:
            extra["clustering"] = {"fields": ["ref"]}
        return rows | label >> beam.io.WriteToBigQuery(
            table,
            schema=bigquery_schema(schema_table),
            method=self.method,
            create_disposition=beam.io.BigQueryDisposition.CREATE_IF_NEEDED,
            write_disposition=beam.io.BigQueryDisposition.WRITE_APPEND,
            additional_bq_parameters=extra,
            triggering_frequency=60 if self.streaming and self.method == "FILE_LOADS" else None,
            # streaming inserts: retry transient errors, hand permanent ones to the dead letters
            insert_retry_strategy="RETRY_ON_TRANSIENT_ERROR",
        )

    def expand(self, outputs):
        staging, dead_letters = outputs
        staging_json = staging | "StagingToJson" >> beam.Map(json_row)
        result = self._write(
            "WriteStaging", staging_json, self.staging_table, tables.STAGING, "ingested_at"
        )
        if self.method == "FILE_LOADS":
            # Load jobs have no per-row failures: a refused load fails the (batch) run loudly
            # and the replay can be re-run; no row is dropped.
            all_dead = dead_letters
        else:
            refused = result.failed_rows_with_errors | "RefusedToDeadLetters" >> beam.Map(
                failed_insert_to_dead_letter
            )
            all_dead = (dead_letters, refused) | "AllDeadLetters" >> beam.Flatten()
        dead_json = all_dead | "DeadLettersToJson" >> beam.Map(json_row)
        self._write(
            "WriteDeadLetters", dead_json, self.dead_letter_table, tables.DEAD_LETTER, "failed_at"
        )
        return beam.pvalue.PDone(staging.pipeline)
