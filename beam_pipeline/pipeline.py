"""The expedientes ingestion pipeline: Pub/Sub (or JSONL files) -> append-only staging.

Reads contract events, validates them against the contract (dead letters for what fails, with
the reason), drops repeated ``event_id``s, adds ``message_id``, ``publish_time``,
``ingested_at`` and the raw payload, and writes staging rows and dead-letter rows - as
immutable landing files locally, or to BigQuery in production. Beam ``Metrics`` counters:
``read``, ``valid``, ``invalid`` (and ``invalid_<error_type>``), ``duplicates``, ``written``,
``dead_lettered``.

Concepts shown: composite ``PTransform``s, a ``DoFn`` with a tagged dead-letter output, a
stateful ``DoFn`` with a processing-time timer, a ``PipelineOptions`` subclass. Streaming on
the local runner into the landing folder, the same steps run fused by hand in one ``DoFn``
(:mod:`beam_pipeline.local_streaming`): that runner does not fuse steps, Dataflow does.

Locally (the emulator running, ``PUBSUB_EMULATOR_HOST`` exported)::

    python -m beam_pipeline \\
        --input_subscription projects/expedientes-local/subscriptions/expedientes-sub
    python -m beam_pipeline --input_files 'data/backfill*.jsonl'      # batch replay

(the runner defaults to ``BundleBasedDirectRunner --streaming`` for Pub/Sub input and the
``FnApiRunner`` for files; Beam's default DirectRunner would first try to download Prism).

On Dataflow (through the Flex Template in ``deploy/``, or directly)::

    python -m beam_pipeline --runner DataflowRunner --project P --region europe-west1 \\
        --temp_location gs://B/tmp --streaming --enable_streaming_engine \\
        --input_subscription projects/P/subscriptions/expedientes-sub --sink bigquery \\
        --staging_table P:raw.expedientes_staging \\
        --dead_letter_table P:raw.expedientes_staging_error_records
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

import apache_beam as beam
from apache_beam.coders import BytesCoder
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

from beam_pipeline.dedup import DeduplicateEvents
from beam_pipeline.local_streaming import IngestToLanding
from beam_pipeline.options import ExpedientesOptions, problems
from beam_pipeline.sinks import WriteBigQueryTables, WriteLandingFiles
from beam_pipeline.validate import (
    DEAD_LETTER,
    VALID,
    AddIngestMetadata,
    ValidateEvents,
    from_line,
    from_pubsub,
)
from expedientes import pubsub_admin, settings

LOCAL_STREAMING_RUNNER = "BundleBasedDirectRunner"
LOCAL_BATCH_RUNNER = "FnApiRunner"


class ReadMessages(beam.PTransform):
    """Pub/Sub messages (subscription or topic) or JSONL lines -> raw message dicts."""

    def __init__(self, options: ExpedientesOptions, on_dataflow: bool) -> None:
        super().__init__()
        self.options = options
        self.on_dataflow = on_dataflow

    def expand(self, pbegin):
        o = self.options
        if o.input_files:
            return (
                pbegin
                | "ReadLines" >> beam.io.ReadFromText(o.input_files, coder=BytesCoder())
                | "LineToMessage" >> beam.Map(from_line)
            )
        read = pubsub_source(o, self.on_dataflow)
        return pbegin | "ReadPubSub" >> read | "ToMessage" >> beam.Map(from_pubsub)


def pubsub_source(o: ExpedientesOptions, on_dataflow: bool) -> beam.io.ReadFromPubSub:
    return beam.io.ReadFromPubSub(
        subscription=o.input_subscription,
        topic=o.input_topic,
        with_attributes=True,
        # Dataflow drops redeliveries by this attribute; the DirectRunner rejects it.
        id_label="event_id" if on_dataflow else None,
    )


class IngestEvents(beam.PTransform):
    """Raw messages -> (staging rows, dead-letter rows)."""

    def __init__(self, dedup_ttl_seconds: int = 600, dedup_mode: str = "state") -> None:
        super().__init__()
        self.dedup_ttl_seconds = dedup_ttl_seconds
        self.dedup_mode = dedup_mode

    def expand(self, messages):
        checked = messages | "Validate" >> ValidateEvents()
        staging = (
            checked[VALID]
            | "Deduplicate" >> DeduplicateEvents(self.dedup_ttl_seconds, self.dedup_mode)
            | "AddIngestMetadata" >> AddIngestMetadata()
        )
        return staging, checked[DEAD_LETTER]


def dedup_mode(standard: StandardOptions) -> str:
    """Exact grouping in batch; state across workers on Dataflow; a process cache locally."""
    if not standard.streaming:
        return "batch"
    return "state" if "Dataflow" in (standard.runner or "") else "memory"


def build(pipeline: beam.Pipeline, options: PipelineOptions) -> None:
    """Add the whole graph to ``pipeline``."""
    o = options.view_as(ExpedientesOptions)
    standard = options.view_as(StandardOptions)
    on_dataflow = "Dataflow" in (standard.runner or "")
    landing = o.landing_dir or str(settings.data_dir() / "landing")
    pubsub = bool(o.input_subscription or o.input_topic)
    if pubsub and o.sink == "local" and not on_dataflow:
        # the same steps, fused by hand: the local runner does not fuse them (local_streaming)
        (
            pipeline
            | "ReadPubSub" >> pubsub_source(o, on_dataflow)
            | "IngestToLanding" >> IngestToLanding(landing, o.dedup_ttl_seconds)
        )
        return
    outputs = (
        pipeline
        | "Read" >> ReadMessages(o, on_dataflow)
        | "Ingest" >> IngestEvents(o.dedup_ttl_seconds, dedup_mode(standard))
    )
    if o.sink == "bigquery":
        method = o.bigquery_write_method or (
            "STORAGE_WRITE_API" if standard.streaming else "FILE_LOADS"
        )
        outputs | "WriteBigQuery" >> WriteBigQueryTables(
            o.staging_table, o.dead_letter_table, method, bool(standard.streaming)
        )
    else:
        outputs | "WriteLanding" >> WriteLandingFiles(landing)


def pipeline_options(argv: list[str]) -> PipelineOptions:
    """Options with the local defaults filled in (runner, streaming for Pub/Sub input)."""
    options = PipelineOptions(argv)
    o = options.view_as(ExpedientesOptions)
    standard = options.view_as(StandardOptions)
    pubsub = bool(o.input_subscription or o.input_topic)
    if pubsub:
        standard.streaming = True
    if not standard.runner:
        standard.runner = LOCAL_STREAMING_RUNNER if pubsub else LOCAL_BATCH_RUNNER
    return options


def launch(options: PipelineOptions) -> beam.runners.runner.PipelineResult:
    """Construct and start the pipeline; in streaming it keeps running until cancelled."""
    pipeline = beam.Pipeline(options=options)
    build(pipeline, options)
    return pipeline.run()


def start(argv: list[str]) -> beam.runners.runner.PipelineResult:
    """:func:`launch` with flags, the local defaults filled in."""
    return launch(pipeline_options(argv))


def counters(result) -> dict[str, int]:
    """The pipeline's ``expedientes`` counters, committed (or attempted where not supported)."""
    out: dict[str, int] = {}
    for counter in result.metrics().query()["counters"]:
        if counter.key.metric.namespace != "expedientes":
            continue
        value = counter.committed if counter.committed is not None else counter.attempted
        out[counter.key.metric.name] = out.get(counter.key.metric.name, 0) + (value or 0)
    return dict(sorted(out.items()))


def _help_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m beam_pipeline",
        description="Ingest expedientes events: Pub/Sub or JSONL files -> validation, dead "
        "letters, dedup -> staging. Beam's own flags (--runner, --streaming, --project, "
        "--region, --temp_location, ...) are accepted too.",
        epilog="Local runners by default: BundleBasedDirectRunner (streaming) for Pub/Sub input, "
        "FnApiRunner for --input_files.",
    )
    ExpedientesOptions._add_argparse_args(parser)
    parser.add_argument("--runner", help="Beam runner (default: a local runner, see below)")
    parser.add_argument(
        "--streaming", action="store_true", help="streaming mode (implied by Pub/Sub input)"
    )
    return parser


def _unknown_flags(argv: list[str]) -> list[str]:
    """Flags no PipelineOptions class knows (Beam would only log and drop them)."""
    from apache_beam.options.pipeline_options import _BeamArgumentParser

    parser = _BeamArgumentParser(allow_abbrev=False)
    for cls in PipelineOptions.__subclasses__():
        cls._add_argparse_args(parser)
    _known, unknown = parser.parse_known_args(argv)
    return [a for a in unknown if a.startswith("--")]


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        _help_parser().print_help()
        return 0
    try:
        unknown = _unknown_flags(argv)
    except SystemExit:  # argparse already printed which value is bad
        return 2
    if unknown:
        print(f"error: unknown flag(s): {' '.join(unknown)} (see --help)", file=sys.stderr)
        return 2
    options = pipeline_options(argv)
    found = problems(options.view_as(ExpedientesOptions))
    if found:
        print(f"error: {'; '.join(found)} (see --help)", file=sys.stderr)
        return 2
    standard = options.view_as(StandardOptions)
    o = options.view_as(ExpedientesOptions)
    if o.input_subscription and "Dataflow" not in (standard.runner or ""):
        # Beam's local reader would wait for an unreachable Pub/Sub instead of failing
        try:
            pubsub_admin.require_subscription(o.input_subscription)
        except pubsub_admin.Unreachable as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    logging.getLogger().setLevel(logging.WARNING)
    result = launch(options)
    if "Dataflow" in (standard.runner or ""):
        job = getattr(result, "job_id", lambda: None)()
        print(f"submitted to Dataflow: job {job}")  # the template launcher must not wait
        return 0
    if standard.streaming:
        print("streaming; Ctrl-C (or SIGTERM) stops it", file=sys.stderr)

        def stop(_signum, _frame):
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            result.wait_until_finish()
        except KeyboardInterrupt:
            # The local runner's cancel() waits about 25 s for its threads, for nothing: every
            # landed file is whole (written under a temporary name, then renamed), and what was
            # in flight comes again from the subscription's checkpoint (expedientes.recovery).
            print("stopped", file=sys.stderr, flush=True)
            os._exit(0)
    else:
        result.wait_until_finish()
    print("counters: " + ", ".join(f"{k}={v}" for k, v in counters(result).items()))
    return 0
