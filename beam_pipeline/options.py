"""The pipeline's own flags, as a ``PipelineOptions`` subclass (``--help`` and the Flex Template
metadata both come from here)."""

from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions

SINKS = ("local", "bigquery")
WRITE_METHODS = ("STORAGE_WRITE_API", "STREAMING_INSERTS", "FILE_LOADS")


class ExpedientesOptions(PipelineOptions):
    """Where events come from and where the staging and dead-letter rows go."""

    @classmethod
    def _add_argparse_args(cls, parser) -> None:
        source = parser.add_argument_group("input (exactly one)")
        source.add_argument(
            "--input_subscription",
            default=None,
            help="Pub/Sub subscription to read (streaming), projects/P/subscriptions/S",
        )
        source.add_argument(
            "--input_topic",
            default=None,
            help="Pub/Sub topic to read through a temporary subscription (streaming), "
            "projects/P/topics/T",
        )
        source.add_argument(
            "--input_files",
            default=None,
            help="glob of JSONL files of contract events to replay (batch), e.g. the "
            "generator's backfill output",
        )
        sink = parser.add_argument_group("output")
        sink.add_argument(
            "--sink",
            choices=SINKS,
            default="local",
            help="local: JSONL files landed under --landing_dir (default); bigquery: tables",
        )
        sink.add_argument(
            "--landing_dir",
            default=None,
            help="local sink: the landing folder (default: $EXPEDIENTES_DATA_DIR/landing)",
        )
        sink.add_argument(
            "--staging_table",
            default=None,
            help="bigquery sink: PROJECT:DATASET.TABLE of the append-only staging table",
        )
        sink.add_argument(
            "--dead_letter_table",
            default=None,
            help="bigquery sink: PROJECT:DATASET.TABLE of the dead-letter table",
        )
        sink.add_argument(
            "--bigquery_write_method",
            choices=WRITE_METHODS,
            default=None,
            help="bigquery sink: STORAGE_WRITE_API (streaming default), STREAMING_INSERTS, or "
            "FILE_LOADS (batch default)",
        )
        parser.add_argument(
            "--dedup_ttl_seconds",
            type=int,
            default=600,
            help="how long an event_id is remembered to drop redeliveries (default: 600)",
        )


def problems(options: ExpedientesOptions) -> list[str]:
    """What is wrong with a combination of flags, in words (empty when fine)."""
    found = []
    inputs = [options.input_subscription, options.input_topic, options.input_files]
    if sum(1 for value in inputs if value) != 1:
        found.append("give exactly one of --input_subscription, --input_topic, --input_files")
    if options.input_subscription and "/subscriptions/" not in options.input_subscription:
        found.append("--input_subscription must look like projects/P/subscriptions/S")
    if options.input_topic and "/topics/" not in options.input_topic:
        found.append("--input_topic must look like projects/P/topics/T")
    if options.sink == "bigquery" and not (options.staging_table and options.dead_letter_table):
        found.append("--sink bigquery needs --staging_table and --dead_letter_table")
    if options.dedup_ttl_seconds <= 0:
        found.append("--dedup_ttl_seconds must be greater than 0")
    return found
