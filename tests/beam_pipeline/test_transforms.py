"""The pipeline's transforms in Beam's own test style: TestPipeline, assert_that, TestStream."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import apache_beam as beam
from apache_beam.io.gcp.pubsub import PubsubMessage
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to

from beam_pipeline.dedup import DeduplicateEvents
from beam_pipeline.local_streaming import IngestToLanding
from beam_pipeline.pipeline import counters
from beam_pipeline.validate import DEAD_LETTER, VALID, AddIngestMetadata, ValidateEvents, from_line
from expedientes import contract, tables

EXAMPLES = Path(contract.__file__).parent / "examples"
INVALID = sorted((EXAMPLES / "invalid").iterdir())
VALID_FILES = sorted((EXAMPLES / "valid").iterdir())


def batch_pipeline() -> TestPipeline:
    return TestPipeline(options=PipelineOptions(["--runner=FnApiRunner"]))


def test_every_invalid_example_is_dead_lettered_with_its_reason() -> None:
    expected = [(p.name.split("__")[0], p.read_bytes()) for p in INVALID]
    with batch_pipeline() as p:
        messages = p | beam.Create([from_line(p_.read_bytes()) for p_ in INVALID + VALID_FILES])
        checked = messages | ValidateEvents()
        assert_that(
            checked[DEAD_LETTER] | beam.Map(lambda r: (r["error_type"], r["payload_bytes"])),
            equal_to(expected),
            label="DeadLetters",
        )
        assert_that(
            checked[VALID] | beam.Map(lambda v: v["event"]["event_id"]),
            equal_to([json.loads(p_.read_text())["event_id"] for p_ in VALID_FILES]),
            label="Valid",
        )


def test_dead_letter_rows_have_the_dead_letter_table_columns() -> None:
    columns = set(tables.duckdb_columns(tables.DEAD_LETTER))
    raw = {
        "data": b"\xffnot json",
        "attributes": {"event_id": "x"},
        "message_id": "42",
        "publish_time": None,
    }
    with batch_pipeline() as p:
        rows = (p | beam.Create([raw]) | ValidateEvents())[DEAD_LETTER]
        assert_that(
            rows
            | beam.Map(
                lambda r: (set(r) == columns, r["error_type"], r["attributes"], r["message_id"])
            ),
            equal_to([(True, "invalid_encoding", [{"key": "event_id", "value": "x"}], "42")]),
        )


def test_staging_rows_have_the_staging_columns_and_the_raw_payload() -> None:
    columns = list(tables.duckdb_columns(tables.STAGING))
    path = EXAMPLES / "valid" / "extra_fields_kept_in_payload.json"
    raw = {
        **from_line(path.read_bytes()),
        "message_id": "7",
        "publish_time": "2026-01-01T00:00:00Z",
    }
    with batch_pipeline() as p:
        rows = (p | beam.Create([raw]) | ValidateEvents())[VALID] | AddIngestMetadata()
        assert_that(
            rows
            | beam.Map(
                lambda r: (
                    list(r) == columns,
                    r["payload"] == path.read_text(),
                    "source_system" not in r,
                    r["message_id"],
                    contract.parse_event_ts(r["ingested_at"]) is not None,
                )
            ),
            equal_to([(True, True, True, "7", True)]),
        )


def _valid(event_id: str, estado: str = "demanda") -> dict:
    return {"event": {"event_id": event_id, "estado": estado}, "raw": {}}


def test_batch_dedup_keeps_one_per_event_id_and_counts_the_rest() -> None:
    p = batch_pipeline()
    items = [_valid("a"), _valid("b"), _valid("a"), _valid("a"), _valid("c")]
    out = p | beam.Create(items) | DeduplicateEvents(mode="batch")
    assert_that(out | beam.Map(lambda v: v["event"]["event_id"]), equal_to(["a", "b", "c"]))
    result = p.run()
    result.wait_until_finish()
    duplicates = result.metrics().query(beam.metrics.MetricsFilter().with_name("duplicates"))[
        "counters"
    ]
    assert sum(c.committed for c in duplicates) == 2


def test_streaming_dedup_drops_redeliveries_that_arrive_late_and_out_of_order() -> None:
    options = PipelineOptions(["--runner=BundleBasedDirectRunner"])
    options.view_as(StandardOptions).streaming = True
    stream = (
        TestStream()
        .advance_watermark_to(0)
        .add_elements([_valid("e1", "demanda"), _valid("e2", "admision_a_tramite")])
        .advance_processing_time(5)
        .advance_watermark_to(100)
        # a redelivery of e1, an earlier business event e0 arriving late, e2 again
        .add_elements(
            [_valid("e1", "demanda"), _valid("e0", "demanda"), _valid("e2", "admision_a_tramite")]
        )
        .advance_processing_time(5)
        .advance_watermark_to_infinity()
    )
    with TestPipeline(options=options) as p:
        stateful = p | stream | DeduplicateEvents(ttl_seconds=600, mode="state")
        assert_that(
            stateful | beam.Map(lambda v: v["event"]["event_id"]), equal_to(["e1", "e2", "e0"])
        )


def test_streaming_dedup_in_process_memory_drops_redeliveries_across_bundles() -> None:
    options = PipelineOptions(["--runner=BundleBasedDirectRunner"])
    options.view_as(StandardOptions).streaming = True
    stream = (
        TestStream()
        .add_elements([_valid("e1"), _valid("e2")])
        .advance_processing_time(5)
        .add_elements([_valid("e1"), _valid("e0"), _valid("e2"), _valid("e0")])
        .advance_watermark_to_infinity()
    )
    with TestPipeline(options=options) as p:
        out = p | stream | DeduplicateEvents(ttl_seconds=600, mode="memory")
        assert_that(out | beam.Map(lambda v: v["event"]["event_id"]), equal_to(["e1", "e2", "e0"]))


def test_validation_does_not_depend_on_window_or_arrival_order() -> None:
    """Late and out-of-order elements (TestStream) are validated and kept like any other."""
    options = PipelineOptions(["--runner=BundleBasedDirectRunner"])
    options.view_as(StandardOptions).streaming = True
    good = [json.loads(p.read_text()) for p in VALID_FILES]
    stream = (
        TestStream()
        .advance_watermark_to(1_000)
        .add_elements([from_line(json.dumps(good[1]).encode())])
        .advance_watermark_to(2_000)
        .add_elements(
            [beam.window.TimestampedValue(from_line(json.dumps(good[0]).encode()), 10)]
        )  # late
        .add_elements([from_line(b"{broken")])
        .advance_watermark_to_infinity()
    )
    with TestPipeline(options=options) as p:
        checked = p | stream | ValidateEvents()
        assert_that(
            checked[VALID] | beam.Map(lambda v: v["event"]["event_id"]),
            equal_to([good[1]["event_id"], good[0]["event_id"]]),
            label="Valid",
        )
        assert_that(
            checked[DEAD_LETTER] | beam.Map(lambda r: r["error_type"]),
            equal_to(["invalid_json"]),
            label="Dead",
        )


def test_the_fused_local_streaming_step_lands_what_the_composite_graph_lands(
    tmp_path: Path,
) -> None:
    """IngestToLanding (one DoFn for the DirectRunner) against ValidateEvents + dedup +
    metadata: the same staging rows but for ingestion times, the same dead letters."""
    payloads = [p.read_bytes() for p in INVALID + VALID_FILES]
    payloads.append(VALID_FILES[0].read_bytes())  # a redelivery
    messages = [
        PubsubMessage(data, {"n": str(i)}, message_id=str(i), publish_time=datetime(2026, 1, 1))
        for i, data in enumerate(payloads)
    ]
    pipeline = batch_pipeline()
    pipeline | beam.Create(messages) | IngestToLanding(str(tmp_path), dedup_ttl_seconds=60)
    result = pipeline.run()
    result.wait_until_finish()

    def rows(table: str) -> list[dict]:
        return [
            json.loads(line)
            for path in sorted((tmp_path / table).rglob("*.jsonl"))
            for line in path.read_text().splitlines()
        ]

    staged, dead = rows("staging"), rows("dead_letter")
    assert sorted(r["event_id"] for r in staged) == sorted(
        json.loads(p.read_text())["event_id"] for p in VALID_FILES
    )
    assert all(set(r) == set(tables.duckdb_columns(tables.STAGING)) for r in staged)
    assert sorted(r["error_type"] for r in dead) == sorted(p.name.split("__")[0] for p in INVALID)
    assert all(r["message_id"] and r["publish_time"] for r in staged + dead)
    found = counters(result)
    assert found["read"] == len(payloads) == found["valid"] + found["invalid"]
    assert (found["duplicates"], found["written"]) == (1, len(VALID_FILES))
    assert found["dead_lettered"] == len(INVALID)
